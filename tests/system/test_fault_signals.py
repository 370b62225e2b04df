"""SIGTERM and SIGINT under load: exit 0, nothing acknowledged is lost.

Rules (README: control protocol, "a change is acknowledged only after its
LMDB write transaction is committed and synced"; daemon.c):
  - SIGTERM and SIGINT each stop flipdnsd cleanly: exit status 0, and
    the control socket file is removed;
  - every change acknowledged before the signal is in the store after a
    restart; a change sent but not acknowledged (the daemon went away
    first) is either fully there or not at all;
  - requests already read when the signal comes are run and answered
    (control.h): no change is committed without its answer going out;
  - the store stays consistent: app counters match the groups, the
    serial counts the history rows.

Several threads switch their own groups with `--to` (so the effect of
each switch is known whatever came before) while the signal arrives.
"""

import json
import os
import random
import signal
import socket
import threading
import time

import dns.rcode
import dns.rdatatype
import pytest

from flipdns import EXIT_OK, EXIT_UNREACH

THREADS = 6
GROUPS_PER_THREAD = 2
ADDR = "192.0.2.10"
CNAME = "lb-2.example.com."
SIDE_APP = {"primary": "web1", "backup": "web2"}
ACKED_BEFORE_SIGNAL = 100
# Seconds: only a hang gets near it (the switches' pace does not matter).
HANG_GUARD = 300


class Switcher(threading.Thread):
    """Switches its own groups until told to stop or the daemon is gone.

    For each group: `acked`, the side of the last acknowledged switch
    (the side at creation to begin with), and `pending`, the sides of
    the switches sent after it without an acknowledgement: any one of
    them may be the one that landed last."""

    def __init__(self, d, labels, seed):
        super().__init__()
        self.d, self.labels = d, labels
        self.rnd = random.Random(seed)
        self.acked = {label: "primary" for label in labels}
        self.pending = {label: [] for label in labels}
        self.n_acked = 0
        self.failures = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            label = self.rnd.choice(self.labels)
            last = (self.pending[label] or [self.acked[label]])[-1]
            to = "backup" if last == "primary" else "primary"
            # Attempted before it is sent: from here it may land.
            self.pending[label].append(to)
            r = self.d.ctl("--json", "group", "switch", label, "--to", to,
                           check=False)
            if r.returncode == EXIT_OK:
                g = json.loads(r.stdout)
                assert g["active"] == to, r.stdout
                self.acked[label] = to
                self.pending[label] = []
                self.n_acked += 1
            else:
                self.failures.append(r)
                if r.returncode == EXIT_UNREACH:
                    return          # the daemon is going or gone

    def candidates(self, label):
        return {self.acked[label]} | set(self.pending[label])


def check_store(d, switchers, serial_floor, serial_ceiling):
    groups = {g["label"]: g for g in d.ctl_json("group", "list")["groups"]}
    for sw in switchers:
        for label in sw.labels:
            got = groups[label]["active"]
            assert got in sw.candidates(label), (
                "group %s: active %s, but the last acknowledged switch "
                "made it %s (unacknowledged since: %s)"
                % (label, got, sw.acked[label], sw.pending[label]))
            assert groups[label]["active_app"] == SIDE_APP[got]
            ans = d.query(d.fqdn(label), "A")
            assert ans.rcode() == dns.rcode.NOERROR
            if got == "primary":
                assert [r.address for r in ans.answer[0]] == [ADDR], ans
            else:
                assert ans.answer[0].rdtype == dns.rdatatype.CNAME, ans
    # The counters behind FAILOVER_STATUS moved with every switch.
    apps = {a["name"]: a for a in d.ctl_json("app", "list")["apps"]}
    for side, app in SIDE_APP.items():
        assert apps[app]["groups"] == len(groups)
        assert apps[app]["active_groups"] == sum(
            g["active"] == side for g in groups.values()), apps[app]
    # One history row per committed change, newest carrying the serial.
    serial = d.serial()
    assert serial_floor <= serial <= serial_ceiling, (
        serial_floor, serial, serial_ceiling)
    rows = d.ctl_json("history", "--limit", "1000000")["entries"]
    assert [r["serial"] for r in rows] == list(range(serial, 1, -1))
    return serial


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT],
                         ids=["SIGTERM", "SIGINT"])
def test_signal_under_load_exits_0_and_keeps_every_ack(daemon, sig):
    d = daemon
    d.ctl("app", "add", "web1", "--addr", ADDR)
    d.ctl("app", "add", "web2", "--cname", CNAME)
    switchers = []
    for i in range(THREADS):
        labels = [d.create_group("--primary", "web1", "--backup", "web2")
                  for _ in range(GROUPS_PER_THREAD)]
        switchers.append(Switcher(d, labels, seed=1000 * sig + i))
    # 2 apps + the groups, each one change
    serial = 1 + 2 + THREADS * GROUPS_PER_THREAD
    check_store(d, switchers, serial, serial)

    for sw in switchers:
        sw.start()
    try:
        # Let the switches flow, then signal in the thick of it: once
        # ACKED_BEFORE_SIGNAL have been acknowledged, however long that
        # takes.  A switcher that stops early (a refused switch) ends the
        # wait; only a hang meets the guard.
        guard = time.monotonic() + HANG_GUARD
        while sum(sw.n_acked for sw in switchers) < ACKED_BEFORE_SIGNAL:
            failed = [r for sw in switchers for r in sw.failures]
            assert not failed, "a switch failed before the signal: %s" % (
                [(r.returncode, r.stderr) for r in failed])
            assert time.monotonic() < guard, (
                "no %d switches acknowledged in %ds: hung?"
                % (ACKED_BEFORE_SIGNAL, HANG_GUARD))
            time.sleep(0.01)
        rc = d.stop(sig)
    finally:
        for sw in switchers:
            sw.stop.set()
        for sw in switchers:
            sw.join(HANG_GUARD)
    assert rc == 0, "flipdnsd exited %r on signal %d:\n%s" % (
        rc, sig, d.read_log())
    assert not os.path.exists(d.socket), "control socket left behind"
    for sw in switchers:
        assert not sw.is_alive()
        # The only failures: the daemon going away.
        for r in sw.failures:
            assert r.returncode == EXIT_UNREACH, (r.returncode, r.stderr)

    d.start()
    # Each acknowledged switch changed its group (one row, one serial);
    # each unacknowledged one may have.
    acked = sum(sw.n_acked for sw in switchers)
    unacked = sum(len(sw.failures) for sw in switchers)
    check_store(d, switchers, serial + acked, serial + acked + unacked)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT],
                         ids=["SIGTERM", "SIGINT"])
def test_signal_answers_every_change_it_commits(daemon, sig):
    """Pipelined switches on one control connection, then the signal:
    however many the daemon got to, each committed one is answered (its
    answer fits our socket buffer: 300 short lines)."""
    d = daemon
    d.ctl("app", "add", "web1", "--addr", ADDR)
    d.ctl("app", "add", "web2", "--cname", CNAME)
    label = d.create_group("--primary", "web1", "--backup", "web2")
    serial = d.serial()
    n = 300
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(d.socket)
        s.sendall(b"".join(json.dumps(
            {"v": 1, "id": i, "cmd": "group.switch",
             "args": {"address": label}}).encode() + b"\n"
            for i in range(n)))
        time.sleep(0.001)
        d.proc.send_signal(sig)
        data = b""
        s.settimeout(HANG_GUARD)
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:   # closed on our unread requests
                break
            if not chunk:
                break
            data += chunk
    assert d.proc.wait(HANG_GUARD) == 0, d.read_log()
    answers = [json.loads(line) for line in data.splitlines()]
    assert [a["id"] for a in answers] == list(range(len(answers)))
    assert all(a["ok"] for a in answers), answers
    assert data.endswith(b"\n") or not data, data[-200:]

    d.start()
    committed = d.serial() - serial
    assert len(answers) == committed, (
        "%d switches committed, %d answered" % (committed, len(answers)))
    # toggles: the side says how many landed
    want = "backup" if committed % 2 else "primary"
    assert d.ctl_json("group", "show", label)["active"] == want
