"""Operators always get in: DNS clients cannot take the control plane's
descriptors.

Rules (README "Security model", tcp.max_clients; daemon/nofile.c):
  - at start the soft RLIMIT_NOFILE is raised to the hard limit;
  - tcp.max_clients is sized against it: a config whose connections,
    workers and control reserve do not fit is refused at start, naming
    the largest tcp.max_clients that would;
  - the control socket keeps its reserve: with more idle TCP clients
    connected than tcp.max_clients (each evicting an older one), a
    flipctl group switch still succeeds, and UDP is answered;
  - at most 64 control connections at once: one more is told "busy".

The limits are set on the daemon alone with prlimit(1) (util-linux); the
test process raises its own soft limit to hold the flood, which comes
from one address (so tcp.max_per_source is off here).
"""

import errno
import json
import os
import re
import resource
import shutil
import socket
import time

import dns.rcode
import pytest

import flipdns

pytestmark = pytest.mark.skipif(shutil.which("prlimit") is None,
                                reason="prlimit (util-linux) missing")

BATCH = 100          # connections opened at once: below the listen backlog
HANG_GUARD = 60      # seconds: only a broken daemon gets near it


@pytest.fixture(autouse=True)
def enough_descriptors():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 3000
    if soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE,
                               (min(want, hard), hard))
        except (ValueError, OSError) as e:
            pytest.skip("cannot raise RLIMIT_NOFILE: %s" % e)
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < want:
        pytest.skip("RLIMIT_NOFILE hard limit below %d" % want)
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def limited(nofile, **kw):
    d = flipdns.Daemon(**kw)
    d.prefix = ["prlimit", "--nofile=%s" % nofile]
    return d


def daemon_fds(d):
    return len(os.listdir("/proc/%d/fd" % d.proc.pid))


def open_idle(d, n):
    """n TCP clients that never send, opened in batches, each batch
    given time to be accepted (the daemon's fds grow) before the next."""
    socks = []
    for _ in range(0, n, BATCH):
        for _ in range(min(BATCH, n - len(socks))):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            rc = s.connect_ex(("127.0.0.1", d.port))
            assert rc in (0, errno.EINPROGRESS), errno.errorcode.get(rc)
            socks.append(s)
        # Wait for the accept queue to drain: the daemon's descriptor
        # count stops moving (it takes them, or cannot take more).
        last, still = -1, 0
        deadline = time.monotonic() + HANG_GUARD
        while still < 5 and time.monotonic() < deadline:
            now = daemon_fds(d)
            still = still + 1 if now == last else 0
            last = now
            time.sleep(0.02)
    return socks


def switch_works(d, label, addr):
    """The failover an operator needs under attack, then UDP follows."""
    r = d.ctl("--timeout", "20", "group", "switch", label, check=False,
              timeout=HANG_GUARD)
    assert r.returncode == 0, (r.returncode, r.stderr)
    ans = d.query(d.fqdn(label), "A", timeout=2)
    assert ans.rcode() == dns.rcode.NOERROR, ans
    assert [x.address for x in ans.answer[0]] == [addr], ans


def make_group(d):
    d.ctl("app", "add", "web1", "--addr", "192.0.2.10")
    d.ctl("app", "add", "web2", "--addr", "192.0.2.20")
    return d.create_group("--primary", "web1", "--backup", "web2")


def fitting_max_clients(nofile):
    """The largest tcp.max_clients the daemon takes under nofile, read from
    its refusal of the default (1000)."""
    d = limited(nofile)
    try:
        with pytest.raises(flipdns.DaemonError) as e:
            d.start()
        log = e.value.startup_log
        m = re.search(r"lower tcp.max_clients to (\d+)", log)
        assert m, log
        assert "tcp.max_clients 1000 needs" in log, log
        assert "RLIMIT_NOFILE" in log, log
        return int(m.group(1))
    finally:
        d.cleanup()


def test_config_that_cannot_fit_is_refused():
    n = fitting_max_clients("256:256")
    assert 0 < n < 256
    # One more than that is refused too; that many starts.
    d = limited("256:256", tcp_max_clients=n + 1)
    try:
        with pytest.raises(flipdns.DaemonError):
            d.start()
    finally:
        d.cleanup()
    d = limited("256:256", tcp_max_clients=n)
    try:
        d.start()
        assert d.stop() == 0
    finally:
        d.cleanup()


def test_soft_limit_is_raised_to_hard_and_control_gets_in():
    """Soft 256, hard 4096, the default 1000 clients: ~1,100 idle TCP
    clients (the review's attack) and the switch still goes through.  On
    a daemon that kept the soft limit, accept() on the control socket
    fails with EMFILE and flipctl times out."""
    d = limited("256:4096", tcp_idle_timeout=3600, tcp_max_per_source=0)
    idle = []
    try:
        d.start()
        label = make_group(d)
        idle = open_idle(d, 1100)
        switch_works(d, label, "192.0.2.20")
        switch_works(d, label, "192.0.2.10")
        # It was the flood that reached the daemon, in the raised limit.
        assert daemon_fds(d) >= 1000, daemon_fds(d)
        with open("/proc/%d/limits" % d.proc.pid) as f:
            line = [x for x in f if x.startswith("Max open files")][0]
        assert line.split()[3] == "4096", line
    finally:
        for s in idle:
            s.close()
        d.cleanup()


def test_reserve_holds_at_the_largest_tcp_max_clients():
    """The budget cut to the bone (hard 256, the largest tcp.max_clients
    that fits): twice that many idle clients, and operators still get in,
    several at once."""
    n = fitting_max_clients("256:256")
    d = limited("256:256", tcp_max_clients=n, tcp_idle_timeout=3600,
                tcp_max_per_source=0)
    idle, ctl = [], []
    try:
        d.start()
        label = make_group(d)
        idle = open_idle(d, 2 * n + BATCH)
        # Several control clients connected at once, then the switch.
        for _ in range(10):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(d.socket)
            ctl.append(s)
        switch_works(d, label, "192.0.2.20")
        for s in ctl:
            s.sendall(b'{"cmd": "status"}\n')
            s.settimeout(HANG_GUARD)
            assert json.loads(s.makefile().readline())["ok"] is True
        assert d.running
    finally:
        for s in idle + ctl:
            s.close()
        d.cleanup()


@pytest.mark.daemon()
def test_control_connections_are_capped(daemon):
    """64 control connections at once; the 65th is told busy and closed;
    once one closes, flipctl gets in again."""
    d = daemon
    held = []
    try:
        for _ in range(64):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(d.socket)
            s.sendall(b'{"cmd": "status"}\n')
            s.settimeout(HANG_GUARD)
            assert json.loads(s.makefile().readline())["ok"] is True
            held.append(s)
        r = d.ctl("status", check=False)
        assert r.returncode != 0
        assert "busy" in r.stderr, r.stderr
        held.pop().close()
        deadline = time.monotonic() + HANG_GUARD
        while d.ctl("status", check=False).returncode != 0:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        for s in held:
            s.close()
