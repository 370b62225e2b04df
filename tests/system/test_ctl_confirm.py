"""Destructive commands ask first (README "flipctl", flipctl_confirm.c).

  - group delete and app remove, on a terminal (stdin a tty), ask on
    stderr and go ahead only on "y" or "yes"; anything else (or end of
    input) changes nothing, exit 1, code declined;
  - without a terminal they never wait for input: refused, exit 2 (code
    usage) and nothing sent, unless given --yes;
  - group delete's question and its output say plainly that the address
    is gone for good.
The terminal is a pseudo-terminal (pty): flipctl sees a real tty.
"""

import json
import os
import pty
import select
import subprocess
import time

import pytest

from flipdns import CTL_TIMEOUT, EXIT_FAIL, EXIT_OK, EXIT_USAGE, FLIPCTL


def on_terminal(d, args, answer):
    """Run flipctl ARGS with a pty as stdin, stdout and stderr; wait for
    the question, type answer.  (exit status, all it wrote)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([FLIPCTL, "-s", d.socket] + list(args),
                         stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + CTL_TIMEOUT

    def read_some():
        nonlocal out
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                out += os.read(master, 4096)
            except OSError:     # EIO: the child closed the pty
                return False
        return True

    try:
        while b"[y/N] " not in out:
            assert time.monotonic() < deadline, out
            assert p.poll() is None or read_some(), out
            read_some()
        if answer is None:
            os.write(master, b"\x04")    # ^D: end of input
        else:
            os.write(master, answer.encode() + b"\n")
        rc = p.wait(CTL_TIMEOUT)
        while read_some() and select.select([master], [], [], 0)[0]:
            pass
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)
    return rc, out.decode(errors="replace").replace("\r\n", "\n")


def seed(d):
    d.ctl("app", "add", "web1", "--addr", "192.0.2.1")
    d.ctl("group", "create", "--label", "shop")


@pytest.mark.parametrize("answer", ["no", "", "n", "yess", None])
def test_terminal_declined_changes_nothing(daemon, answer):
    seed(daemon)
    before = daemon.snapshot()
    rc, out = on_terminal(daemon, ["group", "delete", "shop"], answer)
    assert rc == EXIT_FAIL, out
    assert "Delete group shop? Its address is gone for good" in out
    assert "not confirmed, nothing was changed" in out
    assert daemon.snapshot() == before
    rc, out = on_terminal(daemon, ["app", "remove", "web1"], answer)
    assert rc == EXIT_FAIL and "Remove app web1?" in out, out
    assert daemon.snapshot() == before


@pytest.mark.parametrize("answer", ["y", "yes", "YES", " yes "])
def test_terminal_confirmed(daemon, answer):
    seed(daemon)
    rc, out = on_terminal(daemon, ["group", "delete", "shop"], answer)
    assert rc == EXIT_OK, out
    assert ("deleted shop.%s\nthis address is gone for good: its label "
            "is never issued again\n" % daemon.origin) in out
    assert daemon.ctl_json("status")["groups"] == 0
    rc, out = on_terminal(daemon, ["app", "remove", "web1"], answer)
    assert rc == EXIT_OK and "removed app web1\n" in out, out
    assert daemon.ctl_json("status")["apps"] == 0


def test_terminal_with_yes_does_not_ask(daemon):
    seed(daemon)
    master, slave = pty.openpty()
    r = subprocess.run([FLIPCTL, "-s", daemon.socket, "group", "delete",
                        "--yes", "shop"], stdin=slave, capture_output=True,
                       text=True, timeout=CTL_TIMEOUT)
    os.close(slave)
    os.close(master)
    assert r.returncode == EXIT_OK and "[y/N]" not in r.stderr, r


def test_script_without_yes_is_refused_at_once(daemon):
    seed(daemon)
    for args in (("group", "delete", "shop"), ("app", "remove", "web1")):
        # stdin is a pipe that stays open: a read would hang
        p = subprocess.Popen([FLIPCTL, "-s", daemon.socket] + list(args),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        out, err = p.communicate(timeout=CTL_TIMEOUT)
        assert p.returncode == EXIT_USAGE, err
        assert out == ""
        assert "is destructive and there is no terminal to ask on: give " \
            "--yes" in err, err
        r = daemon.ctl("--json", *args, check=False)
        assert r.returncode == EXIT_USAGE
        assert json.loads(r.stdout)["error"]["code"] == "usage"
    assert daemon.ctl_json("status")["groups"] == 1
    assert daemon.ctl_json("status")["apps"] == 1


def test_script_with_yes(daemon):
    seed(daemon)
    r = daemon.ctl("--json", "group", "delete", "shop", "--yes")
    assert json.loads(r.stdout) == {"address": daemon.fqdn("shop")}
    r = daemon.ctl("app", "remove", "--yes", "web1")
    assert r.stdout == "removed app web1\n"


def test_yes_only_where_it_means_something(daemon):
    seed(daemon)
    daemon.expect_error("group", "switch", "shop", "--yes", code=EXIT_USAGE)
    daemon.expect_error("group", "delete", "--yes=1", "shop",
                        code=EXIT_USAGE)
