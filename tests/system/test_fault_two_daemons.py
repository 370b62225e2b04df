"""Two daemons never split the answers or share a store.

Rules (README "Security model"; sockets.c, db/datadir.c):
  - a flipdnsd whose listen address another process already holds (a
    second flipdnsd, or anything bound with or without SO_REUSEPORT)
    refuses to start and says why; SO_REUSEPORT joins only our own
    workers' sockets;
  - a flipdnsd whose store another process has open refuses to start,
    naming the holder's pid;
  - the first daemon goes on serving, every query from its own store.
"""

import socket

import dns.rcode
import pytest

import flipdns


def answers_all(d, name, addr, n=40):
    """n queries, each from a new socket (so SO_REUSEPORT would hash them
    over every socket on the port): every one answered from d's store."""
    for _ in range(n):
        ans = d.query(name, "A", timeout=2)
        assert ans.rcode() == dns.rcode.NOERROR, ans
        assert [r.address for r in ans.answer[0]] == [addr], ans


def test_second_daemon_on_the_same_port_is_refused(daemon):
    d1 = daemon
    d1.ctl("app", "add", "web1", "--addr", "192.0.2.10")
    name = d1.fqdn(d1.create_group("--primary", "web1"))
    d2 = flipdns.Daemon()
    d2.port = d1.port        # same address and port, another store
    try:
        with pytest.raises(flipdns.DaemonError) as e:
            d2.start()
        assert "another process already holds this address" in \
            e.value.startup_log, e.value.startup_log
        assert not d2.running
    finally:
        d2.cleanup()
    answers_all(d1, name, "192.0.2.10")
    for _ in range(10):
        ans = d1.query(name, "A", tcp=True)
        assert [r.address for r in ans.answer[0]] == ["192.0.2.10"]


@pytest.mark.parametrize("kind", [socket.SOCK_DGRAM, socket.SOCK_STREAM])
def test_port_held_with_so_reuseport_is_refused(kind):
    """Another program on the port with SO_REUSEPORT (same user: the
    kernel would let our workers join it) keeps flipdnsd from starting."""
    d = flipdns.Daemon()
    d.port = flipdns.free_port(d.v6)
    s = socket.socket(socket.AF_INET, kind)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind(("127.0.0.1", d.port))
        if kind == socket.SOCK_STREAM:
            s.listen(8)
        with pytest.raises(flipdns.DaemonError) as e:
            d.start()
        proto = "udp" if kind == socket.SOCK_DGRAM else "tcp"
        assert "127.0.0.1:%d (%s): another process already holds" % (
            d.port, proto) in e.value.startup_log, e.value.startup_log
    finally:
        s.close()
        d.cleanup()


def test_second_daemon_on_the_same_store_is_refused(daemon):
    d1 = daemon
    d1.ctl("app", "add", "web1", "--addr", "192.0.2.10")
    name = d1.fqdn(d1.create_group("--primary", "web1"))
    serial = d1.serial()
    d2 = flipdns.Daemon()
    d2.storage = d1.storage  # another port, the same store
    try:
        with pytest.raises(flipdns.DaemonError) as e:
            d2.start()
        log = e.value.startup_log
        assert "is in use by another process (pid %d" % d1.proc.pid in log, \
            log
        assert not d2.running
    finally:
        d2.cleanup()
    # The first one never noticed, and its store is as it was.
    assert d1.serial() == serial
    d1.ctl("group", "list")
    answers_all(d1, name, "192.0.2.10", n=5)
    # Once it has stopped, the store opens again (the lock went with it).
    assert d1.stop() == 0
    d1.start()
    assert d1.serial() == serial
