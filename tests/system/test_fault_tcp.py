"""Thousands of idle TCP connections: UDP goes on, new TCP clients served.

Rules (README: tcp.max_clients, tcp.idle_timeout; tcp.c):
  - at most tcp.max_clients TCP connections are open; beyond it the
    oldest idle one is closed to make room for a new client;
  - a connection with no progress for tcp.idle_timeout seconds is closed;
  - TCP load, however large, never stops UDP answers (the workers serve
    both from one event loop and never block on a socket).

The test holds 2,000 connections that never send a byte (twice the
default cap), querying over UDP all along; then a new TCP client must be
answered, at once (an idle connection is evicted for it) or at worst
once the idle ones time out; and every idle connection must end up
closed by the server.
"""

import errno
import os
import resource
import socket
import time

import dns.exception
import dns.rcode
import dns.rdatatype
import pytest

IDLE = 2000
BATCH = 100
IDLE_TIMEOUT = 2
MAX_CLIENTS = 1000   # tcp.max_clients, the default
WORKERS = 2          # the harness default
# Per process: ours hold the flood, the daemon's (it inherits the limit)
# at most tcp.max_clients connections plus listeners, store and control.
NOFILE = IDLE + 256
# Seconds: each wait below ends as its event comes; only a daemon that
# never serves or never closes gets near these.
HANG_GUARD = 120
ANSWER_GUARD = 10


@pytest.fixture(autouse=True)
def enough_descriptors():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= NOFILE:
        yield
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE,
                           (NOFILE, max(hard, NOFILE)))
    except (ValueError, OSError) as e:
        pytest.skip("cannot raise RLIMIT_NOFILE to %d (hard limit %d): %s"
                    % (NOFILE, hard, e))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def open_idle(d, n):
    """n TCP connections to the daemon, connecting in the background."""
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        rc = s.connect_ex(("127.0.0.1", d.port))
        assert rc in (0, errno.EINPROGRESS), errno.errorcode.get(rc, rc)
        socks.append(s)
    return socks


def udp_answers(d, label, addr):
    ans = d.query(d.fqdn(label), "A", timeout=ANSWER_GUARD)
    assert ans.rcode() == dns.rcode.NOERROR, ans
    assert [r.address for r in ans.answer[0]] == [addr], ans


def closed_by_peer(s):
    """True when the server closed s (EOF or reset); False while open.
    s is non-blocking (and its number may be past select()'s reach)."""
    try:
        return s.recv(1) == b""
    except (ConnectionResetError, ConnectionRefusedError, BrokenPipeError):
        return True
    except BlockingIOError:
        return False
    except OSError as e:
        if e.errno == errno.ENOTCONN:    # still connecting
            return False
        raise


def daemon_fds(d):
    """How many descriptors the daemon holds (its TCP connections count)."""
    return len(os.listdir("/proc/%d/fd" % d.proc.pid))


# All from 127.0.0.1: the per-source cap (tcp.max_per_source) is off here,
# so the flood fills tcp.max_clients (test_fault_slow_tcp.py tests the cap).
@pytest.mark.daemon(tcp_idle_timeout=IDLE_TIMEOUT, workers=WORKERS,
                    tcp_max_per_source=0)
def test_idle_tcp_flood_does_not_stop_udp_or_new_tcp(daemon):
    d = daemon
    d.ctl("app", "add", "web1", "--addr", "192.0.2.10")
    label = d.create_group("--primary", "web1")
    udp_answers(d, label, "192.0.2.10")
    base = daemon_fds(d)

    idle, peak = [], 0
    try:
        # Open the flood in batches no larger than a listen backlog (so
        # the kernel does not drop connections the daemon would never
        # see), asking over UDP between them: each query must be answered
        # (a worker blocked on TCP would never answer it).
        for _ in range(IDLE // BATCH):
            idle += open_idle(d, BATCH)
            udp_answers(d, label, "192.0.2.10")
            peak = max(peak, daemon_fds(d) - base)
        assert len(idle) == IDLE
        # UDP has threads of its own, so its answers do not wait for the
        # workers' event loops to accept the backlog: wait until they
        # have taken up much of the flood (the test tests nothing
        # before), then watch a moment longer, less than the idle
        # timeout, for the cap.
        guard = time.monotonic() + HANG_GUARD
        while peak < MAX_CLIENTS // 2:
            assert time.monotonic() < guard, (
                "only %d connections reached the daemon in %ds"
                % (peak, HANG_GUARD))
            time.sleep(0.02)
            peak = max(peak, daemon_fds(d) - base)
        more = time.monotonic() + IDLE_TIMEOUT / 2
        while peak < MAX_CLIENTS and time.monotonic() < more:
            time.sleep(0.02)
            peak = max(peak, daemon_fds(d) - base)
        # With all of them open: UDP, many times; and a change made now
        # is answered at once.
        for _ in range(20):
            udp_answers(d, label, "192.0.2.10")
            peak = max(peak, daemon_fds(d) - base)
        d.ctl("app", "set", "web1", "--addr", "192.0.2.11")
        udp_answers(d, label, "192.0.2.11")
        # The flood reached the daemon, which kept to tcp.max_clients
        # (give or take the newcomer each worker holds for an instant
        # before it closes the oldest idle connection for it).
        assert peak <= MAX_CLIENTS + WORKERS, (
            "%d TCP connections open, cap %d" % (peak, MAX_CLIENTS))
        assert peak >= MAX_CLIENTS // 2, (
            "only %d connections reached the daemon: the test tests "
            "nothing" % peak)

        # A new TCP client is served: at once when an idle connection is
        # evicted for it, else once the idle ones time out.
        deadline = time.monotonic() + HANG_GUARD
        while True:
            try:
                ans = d.query(d.fqdn(label), "A", tcp=True, timeout=2)
                break
            except (OSError, EOFError, dns.exception.Timeout) as e:
                assert time.monotonic() < deadline, (
                    "no TCP answer with %d idle connections open: %r"
                    % (IDLE, e))
                time.sleep(0.2)
        assert ans.rcode() == dns.rcode.NOERROR, ans
        assert [r.address for r in ans.answer[0]] == ["192.0.2.11"]
        # And more, one after the other, each served.
        for _ in range(10):
            ans = d.query(d.fqdn(label), "A", tcp=True,
                          timeout=ANSWER_GUARD)
            assert ans.rcode() == dns.rcode.NOERROR, ans

        # The idle connections do not linger: the daemon closes each one
        # (evicted or timed out) and is back to its own descriptors.
        deadline = time.monotonic() + HANG_GUARD
        while daemon_fds(d) > base and time.monotonic() < deadline:
            time.sleep(0.2)
        assert daemon_fds(d) <= base, (
            "%d idle TCP connections still open on the daemon's side %ds "
            "after the flood" % (daemon_fds(d) - base, HANG_GUARD))
        # Our ends see it too (some may never have been accepted: a
        # connection whose handshake the kernel dropped on a full queue
        # stays half-open on our side only).
        closed = sum(closed_by_peer(s) for s in idle)
        assert closed >= peak, (closed, peak)
        udp_answers(d, label, "192.0.2.11")
    finally:
        for s in idle:
            s.close()
    # The control plane never noticed.
    assert d.ctl_json("status")["groups"] == 1
