"""flipctl for scripts: exit statuses by class and errors as JSON.

README "flipctl", flipctl(8) EXIT STATUS:
  - every failure exits with its class: 1 refused (a rule, an invalid
    value), 2 usage (nothing sent), 3 daemon unreachable, 4 permission
    denied, 5 not found, 6 already exists;
  - with --json the error is also on stdout, one object
    {"error": {"code", "message"}}, the code being the daemon's (or
    usage, unreachable, denied, io for what flipctl finds itself), even
    when --json comes after what is wrong on the command line;
  - without --json stdout stays empty and stderr says why.
"""

import json
import os

import pytest

from flipdns import (EXIT_DENIED, EXIT_EXISTS, EXIT_FAIL, EXIT_NOTFOUND,
                     EXIT_UNREACH, EXIT_USAGE)


def seed(d):
    d.ctl("app", "add", "web1", "--addr", "192.0.2.1")
    d.ctl("app", "add", "web2", "--addr", "192.0.2.2")
    d.ctl("group", "create", "--label", "shop", "--primary", "web1")
    d.ctl("group", "create", "--label", "empty")


# (arguments, exit status, JSON code)
CASES = [
    (("app", "show", "ghost"), EXIT_NOTFOUND, "not_found"),
    (("group", "switch", "nosuch"), EXIT_NOTFOUND, "not_found"),
    (("group", "create", "--primary", "ghost"), EXIT_NOTFOUND, "not_found"),
    (("app", "add", "web1", "--addr", "192.0.2.9"), EXIT_EXISTS, "exists"),
    (("group", "create", "--label", "shop"), EXIT_EXISTS, "exists"),
    (("group", "switch", "shop"), EXIT_FAIL, "refused"),
    (("group", "switch", "empty"), EXIT_FAIL, "refused"),
    (("app", "add", "web3", "--addr", "192.0.2.300"), EXIT_FAIL, "invalid"),
    (("group", "frobnicate"), EXIT_USAGE, "usage"),
    (("group", "switch"), EXIT_USAGE, "usage"),
    (("group", "switch", "shop", "--bogus"), EXIT_USAGE, "usage"),
    (("--timeout", "0", "status"), EXIT_USAGE, "usage"),
]


@pytest.mark.parametrize("args,status,code", CASES,
                         ids=[" ".join(c[0]) for c in CASES])
def test_exit_status_by_class(daemon, args, status, code):
    seed(daemon)
    r = daemon.expect_error(*args, code=status)
    assert r.stdout == ""
    # --json last: the error is known before the parser reaches it
    before = daemon.snapshot()
    r = daemon.ctl(*args, "--json", check=False)
    assert r.returncode == status, (r.returncode, r.stderr)
    err = json.loads(r.stdout)
    assert list(err) == ["error"], err
    assert err["error"]["code"] == code, err
    # the same message for people, on stderr
    assert r.stderr.startswith("flipctl: " + err["error"]["message"]), \
        (r.stderr, err)
    assert daemon.snapshot() == before


def test_unreachable(daemon, tmp_path):
    r = daemon.ctl("--json", "status", check=False,
                   socket_path=str(tmp_path / "nosuch.sock"))
    assert r.returncode == EXIT_UNREACH
    assert json.loads(r.stdout)["error"]["code"] == "unreachable"


def test_permission_denied(daemon):
    seed(daemon)
    # by the daemon: the socket lets anyone connect, the daemon says no
    os.chmod(daemon.dir, 0o755)
    os.chmod(daemon.socket, 0o666)
    r = daemon.ctl("--json", "group", "switch", "shop", as_user="nobody",
                   check=False)
    assert r.returncode == EXIT_DENIED, r
    assert json.loads(r.stdout)["error"]["code"] == "denied"
    # by the socket's mode: the connection itself is refused
    os.chmod(daemon.socket, 0o660)
    r = daemon.ctl("--json", "status", as_user="nobody", check=False)
    assert r.returncode == EXIT_DENIED, r
    assert json.loads(r.stdout)["error"]["code"] == "denied"
    assert "Permission denied" in r.stderr


def test_local_file_error_is_io(daemon, tmp_path):
    r = daemon.ctl("--json", "import", str(tmp_path / "nosuch.yaml"),
                   check=False)
    assert r.returncode == EXIT_FAIL
    assert json.loads(r.stdout)["error"]["code"] == "io"


def test_success_prints_no_error(daemon):
    seed(daemon)
    r = daemon.ctl("--json", "group", "switch", "shop", "--to", "primary")
    assert "error" not in json.loads(r.stdout)
