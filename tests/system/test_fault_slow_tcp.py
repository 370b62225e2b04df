"""Slow TCP clients cannot hold the server (RFC 7766 section 6.2).

Rules (README: tcp.query_timeout, tcp.idle_timeout, tcp.max_per_source,
tcp.max_clients; daemon/tcp.c):
  - a query must arrive whole within tcp.query_timeout of its first byte
    (an answer must leave within it too); bytes trickled in now and then
    do not restart any clock: only a whole answer delivered does;
  - one source address (IPv4 /32, IPv6 /64) holds at most
    tcp.max_per_source connections, over all workers;
  - at tcp.max_clients a new client is served: the oldest idle
    connection is closed for it, or when none is idle the slowest busy
    one; new clients are not refused.

Attackers connect from 127.0.0.1 (or 127.0.1.x), the legitimate client
from 127.0.0.2: the whole of 127/8 is loopback.  Nothing here measures
time: every wait is for an event (an answer, a close), with a generous
hang guard only a broken daemon reaches, and the configured timeouts are
short so the events come quickly.
"""

import socket
import threading
import time

import dns.message
import dns.rcode
import pytest

from flipdns import read_framed

GOOD = "127.0.0.2"
HANG_GUARD = 60


def loopback_sources_work():
    try:
        for src in (GOOD, "127.0.1.1"):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind((src, 0))
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not loopback_sources_work(),
                                reason="cannot bind 127.0.0.2 / 127.0.1.1")


def frame(wire):
    return len(wire).to_bytes(2, "big") + wire


def query_wire(d, qid=1):
    return frame(dns.message.make_query(d.origin, "SOA", id=qid).to_wire())


def connect(d, src, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", d.port))
    return s


def ask(d, src):
    """One query on a new connection from src: the answer, or None when
    the server closed the connection (or could not be reached)."""
    try:
        with connect(d, src) as s:
            s.sendall(query_wire(d))
            return dns.message.from_wire(read_framed(s))
    except (OSError, ConnectionError):
        return None


def answered_until(d, src, n):
    """Ask until n answers came (each on a new connection), retrying a
    refused attempt; the number of attempts.  Fails at the hang guard."""
    got, tries = 0, 0
    deadline = time.monotonic() + HANG_GUARD
    while got < n:
        assert time.monotonic() < deadline, (
            "legitimate TCP client from %s: %d of %d answered, %d tries, "
            "in %ds" % (src, got, n, tries, HANG_GUARD))
        tries += 1
        r = ask(d, src)
        if r is not None:
            assert r.rcode() == dns.rcode.NOERROR
            got += 1
        else:
            time.sleep(0.1)
    return tries


class Slowloris(threading.Thread):
    """Keeps up to n connections from each source open, each holding one
    byte of a length prefix and then trickling a byte every `every`
    seconds, reopening any the server closes."""

    def __init__(self, d, sources, n, every=0.3):
        super().__init__(daemon=True)
        self.d, self.sources, self.n, self.every = d, sources, n, every
        self.stop = threading.Event()
        self.opened = 0
        self.closed = 0
        self.ready = threading.Event()

    def open_one(self, src):
        try:
            s = connect(self.d, src, timeout=1.0)
            s.setblocking(False)
            s.send(b"\x00")        # one byte of the length prefix
            self.opened += 1
            return s
        except OSError:
            return None

    def run(self):
        socks = {src: [] for src in self.sources}
        try:
            while not self.stop.is_set():
                for src, lst in socks.items():
                    for s in list(lst):
                        try:
                            s.send(b"\x40")
                        except OSError:
                            lst.remove(s)
                            s.close()
                            self.closed += 1
                    while len(lst) < self.n and not self.stop.is_set():
                        s = self.open_one(src)
                        if s is None:
                            break
                        lst.append(s)
                self.ready.set()
                self.stop.wait(self.every)
        finally:
            for lst in socks.values():
                for s in lst:
                    s.close()


@pytest.mark.daemon(tcp_query_timeout=1, tcp_idle_timeout=3600)
def test_trickled_query_is_closed_at_query_timeout(daemon):
    """A client that got its answer and then trickles the next query a
    byte every 0.25 s (far slower than one query per tcp.query_timeout)
    is closed long before the query is complete, although each byte is
    progress and the connection is far from idle."""
    d = daemon
    wire = query_wire(d)
    with connect(d, "127.0.0.1", timeout=HANG_GUARD) as s:
        s.sendall(wire)
        assert dns.message.from_wire(read_framed(s)).rcode() == 0
        sent = 0
        for b in wire:
            try:
                s.send(bytes([b]))
            except OSError:
                break
            sent += 1
            # The server's close, if it came, is seen here at once.
            s.settimeout(0.25)
            try:
                if s.recv(1) == b"":
                    break
            except socket.timeout:
                pass
            except ConnectionError:
                break
        assert sent < len(wire), (
            "the whole query trickled in over %.0f s and was not cut off"
            % (len(wire) * 0.25))
    assert ask(d, GOOD) is not None


@pytest.mark.daemon(workers=2, tcp_max_per_source=3)
def test_per_source_cap(daemon):
    """At most tcp.max_per_source connections from one address, over both
    workers; another address is not affected, and a slot freed is
    taken again.  Each connection asks once and stays open: answered
    (kept, and counted) or closed by the server (over the cap)."""
    d = daemon
    held, fates = [], []
    try:
        for i in range(8):
            s = connect(d, "127.0.0.1", timeout=HANG_GUARD)
            held.append(s)
            s.sendall(query_wire(d, qid=i))
            try:
                fates.append(dns.message.from_wire(read_framed(s)).id)
            except ConnectionError:
                fates.append(None)
        assert fates == [0, 1, 2] + [None] * 5, fates
        # Another address is served meanwhile.
        assert ask(d, GOOD) is not None
        # One of the three closes: its address gets one slot back.
        held[0].close()
        answered_until(d, "127.0.0.1", 1)
    finally:
        for s in held:
            s.close()


@pytest.mark.daemon(workers=2, tcp_max_clients=20, tcp_max_per_source=4,
                    tcp_query_timeout=2, tcp_idle_timeout=3600)
def test_slowloris_from_one_address_does_not_starve_others(daemon):
    """100 trickling connections from 127.0.0.1, reopened as fast as the
    server closes them; a legitimate client from 127.0.0.2 gets its TCP
    answers.  Without a per-source cap and a query deadline the trickle
    holds every slot and the client is refused until it gives up."""
    d = daemon
    bad = Slowloris(d, ["127.0.0.1"], 100)
    bad.start()
    try:
        assert bad.ready.wait(HANG_GUARD)
        answered_until(d, GOOD, 30)
        # The attack was on all along.
        assert bad.is_alive() and bad.opened >= 4
    finally:
        bad.stop.set()
        bad.join(HANG_GUARD)
    assert d.query(d.origin, "SOA", tcp=True).rcode() == 0


@pytest.mark.daemon(workers=1, tcp_max_clients=10, tcp_max_per_source=3,
                    tcp_query_timeout=60, tcp_idle_timeout=3600)
def test_cap_evicts_the_slowest_rather_than_refuse(daemon):
    """Slow connections from 10 addresses, 3 each (within the per-source
    cap), fill tcp.max_clients with busy connections, none idle and none
    near a deadline.  A new client is served: the slowest busy
    connection is closed for it."""
    d = daemon
    sources = ["127.0.1.%d" % i for i in range(1, 11)]
    bad = Slowloris(d, sources, 3, every=0.5)
    bad.start()
    try:
        assert bad.ready.wait(HANG_GUARD)
        answered_until(d, GOOD, 20)
        assert bad.is_alive() and bad.opened >= 10
    finally:
        bad.stop.set()
        bad.join(HANG_GUARD)
