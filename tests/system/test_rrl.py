"""Response rate limiting over UDP against the real daemon.

Rules (README: rrl.rate, rrl.slip; include/flipdns/dns/rrl.h):
  - each source network (/24, /64) gets at most rrl.rate full answers per
    second (plus one second's worth at first) of one kind about one name
    (a positive answer: its query name; NXDOMAIN, NODATA, errors: the
    zone); over that, answers are dropped, except every rrl.slip-th, sent
    with TC=1 and no records but the question (and the OPT, when the
    query had EDNS);
  - another network querying at the same time is not affected, nor are
    other names asked from the same network: a resolver asking for many
    names is not slipped like a flood; random nonexistent names are
    counted together;
  - TCP is never limited; a limited network gets full answers again once
    its rate allows;
  - on by default (NSD's 200 a second, slip 2); rrl.rate 0 limits nothing.

Loopback accepts any 127/8 source: the flood comes from 127.0.0.2, the
well-behaved client from 127.1.0.1 (another /24), both to 127.0.0.1.  The
flood uses one socket, so SO_REUSEPORT hands all of it to one worker,
whose table sees the whole flood (the limit is per worker).
"""

import socket
import threading
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

FLOOD_SRC = "127.0.0.2"
GOOD_SRC = "127.1.0.1"
RATE = 20
QPS = 3000
SECONDS = 1.5
ADDR = "192.0.2.10"
# The good client's answers the flood must last for.
GOOD_ANSWERS = 10
# After the flood, answers are collected until none came for QUIET
# seconds: a daemon still working through the flood keeps answering.
QUIET = 0.5
# Seconds: an answer the good client waits for (only a lost one takes
# this long), and the guard on the whole flood (only a hang gets near).
ANSWER_GUARD = 5
HANG_GUARD = 120


def loopback_sources_work():
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((FLOOD_SRC, 0))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((GOOD_SRC, 0))
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not loopback_sources_work(),
                                reason="cannot bind 127.0.0.2 / 127.1.0.1")


def setup_name(d):
    d.ctl("app", "add", "web1", "--addr", ADDR)
    return d.fqdn(d.create_group("--primary", "web1"))


def flood(d, name, src, qps=QPS, seconds=SECONDS, edns=True, until=None):
    """Send qps * seconds queries from src, qps a second in bursts every
    10 ms, and on at that pace until until() is true; then collect the
    answers until none came for QUIET seconds.

    Returns (number sent, every answer's bytes, span): span is the time
    from the first query sent to the last answer received, which holds
    all the time the daemon spent on the flood.  A slow machine makes the
    flood longer (it is counted, not timed) and the span with it."""
    q = dns.message.make_query(name, "A", use_edns=0 if edns else False)
    wire = bytearray(q.to_wire())
    got = []
    sent = 0
    count = int(qps * seconds)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.bind((src, 0))
        s.setblocking(False)
        burst = max(1, qps // 100)
        start = time.monotonic()
        last = start
        tick = 0
        while sent < count or (until is not None and not until()):
            now = time.monotonic()
            assert now - start < HANG_GUARD, "flood still on after %ds" % (
                HANG_GUARD)
            if now >= start + tick * 0.01:
                for _ in range(burst):
                    wire[0:2] = (sent & 0xffff).to_bytes(2, "big")
                    try:
                        s.sendto(wire, ("127.0.0.1", d.port))
                        sent += 1
                    except BlockingIOError:
                        break
                tick += 1
            if drain(s, got):
                last = time.monotonic()
            time.sleep(0.001)
        # The last answers still on their way.
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < QUIET:
            if drain(s, got):
                last = quiet_since = time.monotonic()
            assert last - start < HANG_GUARD, "answers still coming"
            time.sleep(0.01)
    return sent, got, last - start


def drain(s, got):
    """Read every answer waiting on s into got: whether there was one."""
    n = len(got)
    while True:
        try:
            got.append(s.recv(65535))
        except BlockingIOError:
            return len(got) > n


def classify(answers, edns=True):
    """(full answers, slipped answers); asserts each is one or the other."""
    full = slipped = 0
    for wire in answers:
        m = dns.message.from_wire(wire)
        assert m.rcode() == dns.rcode.NOERROR
        assert len(m.question) == 1
        assert (m.edns >= 0) == edns, m
        if m.flags & dns.flags.TC:
            # The slipped form: header, question (and OPT), nothing else.
            assert m.answer == [] and m.authority == [], m
            assert int.from_bytes(wire[6:8], "big") == 0
            assert int.from_bytes(wire[8:10], "big") == 0
            assert int.from_bytes(wire[10:12], "big") == (1 if edns else 0)
            slipped += 1
        else:
            assert [r.to_text() for r in m.answer[0]] == [ADDR], m
            full += 1
    return full, slipped


class GoodClient(threading.Thread):
    """Queries from another /24 while the flood runs, 10 a second, each
    waiting for its answer: well under the rate."""

    def __init__(self, d, name):
        super().__init__(daemon=True)
        self.d, self.name = d, name
        self.results = []
        self.errors = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            q = dns.message.make_query(self.name, "A", use_edns=0)
            try:
                self.results.append(dns.query.udp(
                    q, "127.0.0.1", port=self.d.port, source=GOOD_SRC,
                    timeout=ANSWER_GUARD))
            except Exception as e:   # a timeout: an answer was lost
                self.errors.append(repr(e))
            self.stop.wait(0.1)


@pytest.mark.daemon(rrl_rate=RATE, rrl_slip=2)
def test_flood_is_limited_and_others_are_not(daemon):
    name = setup_name(daemon)
    good = GoodClient(daemon, name)
    good.start()
    try:
        # On until the other network has had its answers, however long.
        sent, answers, span = flood(
            daemon, name, FLOOD_SRC,
            until=lambda: len(good.results) + len(good.errors)
            >= GOOD_ANSWERS)
    finally:
        good.stop.set()
        good.join(HANG_GUARD)

    # The flood really was one: thousands of queries.
    assert sent >= QPS * SECONDS, sent
    full, slipped = classify(answers)
    limited = sent - full
    # A second's worth at once, then RATE a second: RATE * (1 + span) at
    # most; allow a little for clock granularity.  At least most of what
    # the nominal SECONDS allow (the flood lasted that long at least).
    assert RATE * SECONDS * 0.8 <= full <= RATE * (1 + span) + 5, (
        full, sent, span)
    # slip 2: every other limited answer comes back truncated.
    assert abs(slipped - limited / 2) <= limited * 0.05 + 5, (
        slipped, limited, sent)

    # The other network got every answer, each in full.
    assert good.errors == [], good.errors
    assert len(good.results) >= GOOD_ANSWERS, len(good.results)
    for m in good.results:
        assert m.rcode() == dns.rcode.NOERROR
        assert not m.flags & dns.flags.TC
        assert [r.to_text() for r in m.answer[0]] == [ADDR]

    # TCP from the limited network is answered in full at once.
    q = dns.message.make_query(name, "A")
    m = dns.query.tcp(q, "127.0.0.1", port=daemon.port, source=FLOOD_SRC,
                      timeout=2)
    assert not m.flags & dns.flags.TC
    assert [r.to_text() for r in m.answer[0]] == [ADDR]

    # Quiet for a second: the limited network is answered again.
    time.sleep(1.1)
    m = dns.query.udp(q, "127.0.0.1", port=daemon.port, source=FLOOD_SRC,
                      timeout=2)
    assert not m.flags & dns.flags.TC
    assert [r.to_text() for r in m.answer[0]] == [ADDR]

    # The worker counts what it limited, and says so when it stops.
    assert daemon.stop() == 0
    assert "rrl limited" in daemon.read_log()


def limited_flood(d):
    """A flood without EDNS: (full, slipped, sent).  The slipped form then
    has no OPT."""
    name = setup_name(d)
    sent, answers, span = flood(d, name, FLOOD_SRC, qps=2000, seconds=1.0,
                                edns=False)
    full, slipped = classify(answers, edns=False)
    assert sent >= 2000, sent
    assert RATE * 0.8 <= full <= RATE * (1 + span) + 5, (full, sent, span)
    return full, slipped, sent


@pytest.mark.daemon(rrl_rate=RATE, rrl_slip=0)
def test_slip_0_drops_every_limited_answer(daemon):
    full, slipped, sent = limited_flood(daemon)
    assert slipped == 0


@pytest.mark.daemon(rrl_rate=RATE, rrl_slip=1)
def test_slip_1_truncates_every_limited_answer(daemon):
    full, slipped, sent = limited_flood(daemon)
    # Nothing dropped but what loopback itself might lose.
    assert slipped >= (sent - full) * 0.95, (slipped, sent, full)


@pytest.mark.daemon(rrl_rate=0)
def test_rate_0_turns_it_off(daemon):
    """rrl.rate 0: a burst from one source is answered in full."""
    name = setup_name(daemon)
    sent, answers, span = flood(daemon, name, FLOOD_SRC, qps=1000,
                                seconds=0.5)
    full, slipped = classify(answers)
    assert slipped == 0
    assert full >= sent * 0.95, (full, sent)


@pytest.mark.daemon(rrl_rate=None)     # nothing in the config file
def test_on_by_default(daemon):
    """Without rrl in the config: NSD's 200 a second, slip 2."""
    name = setup_name(daemon)
    sent, answers, span = flood(daemon, name, FLOOD_SRC, qps=3000,
                                seconds=1.0)
    full, slipped = classify(answers)
    assert sent >= 3000, sent
    # One second's worth at once, then 200 a second.
    assert full <= 200 * (1 + span) + 5, (full, sent, span)
    assert slipped > 0, (full, slipped, sent)


def burst(d, qnames, src, qtype="A"):
    """One query for each name from one socket at src, all sent before any
    answer is read: (every answer's bytes, span).  An answer lost on
    loopback, or dropped by the limit, just does not come: it waits for
    the rest until none came for QUIET seconds.  span runs from the first
    query sent to the last answer received (a slow machine refills more
    tokens meanwhile: the bounds below allow for it)."""
    got = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.bind((src, 0))
        start = last = time.monotonic()
        for i, n in enumerate(qnames):
            q = dns.message.make_query(n, qtype, use_edns=0)
            q.id = i
            s.sendto(q.to_wire(), ("127.0.0.1", d.port))
        s.settimeout(QUIET)
        while len(got) < len(qnames):
            try:
                got.append(s.recv(65535))
                last = time.monotonic()
            except socket.timeout:
                break
    return got, last - start


@pytest.mark.daemon(rrl_rate=RATE, rrl_slip=2)
def test_many_names_from_one_network_are_not_limited(daemon):
    """A resolver's traffic: many different names from one address, far
    more answers a second than the rate, but each name only once.  Keyed
    by name (as NSD and Knot), every one is answered in full; keyed by
    the network alone, all but RATE would be slipped or dropped."""
    d = daemon
    d.ctl("app", "add", "web1", "--addr", ADDR)
    names = [d.fqdn(d.create_group("--primary", "web1"))
             for _ in range(RATE * 4)]
    answers, _ = burst(d, names, FLOOD_SRC)
    full, slipped = classify(answers)
    assert (full, slipped) == (len(names), 0), (full, slipped, len(names))
    # The same names again at once: each still has budget (RATE - 1).
    answers, _ = burst(d, names, FLOOD_SRC)
    assert classify(answers) == (len(names), 0)


@pytest.mark.daemon(rrl_rate=RATE, rrl_slip=2)
def test_random_nonexistent_names_are_counted_together(daemon):
    """NXDOMAIN is counted per zone: random names do not each get a
    budget, so a random-subdomain flood is limited like any other."""
    d = daemon
    names = ["nx%05d.%s" % (i, d.origin) for i in range(RATE * 10)]
    answers, span = burst(d, names, FLOOD_SRC)
    nx = [dns.message.from_wire(w) for w in answers]
    full = [m for m in nx if not m.flags & dns.flags.TC]
    assert all(m.rcode() == dns.rcode.NXDOMAIN for m in full)
    assert RATE * 0.8 <= len(full) <= RATE * (1 + span) + 5, (len(full),
                                                               span)
    assert len(nx) - len(full) > 0      # slipped, the rest dropped
