"""The DNS header, EDNS(0) and TCP rules of the README, on the real daemon.

Header: the ID and the question (letter case included, for 0x20) are
echoed; QR=1 is dropped; opcodes other than QUERY get NOTIMP; QDCOUNT
!= 1 gets FORMERR; classes other than IN get REFUSED, CHAOS
version.bind / id.server only with chaos.enabled.

EDNS: our OPT carries edns.udp_size (1232 by default), version > 0 gets
BADVERS, DO is copied, unknown options are ignored, two OPTs get FORMERR,
and so does an OPT in the answer or authority section.
A UDP answer larger than the client's limit (512 without EDNS, else the
smaller of its size and ours) goes out as header + question (+ OPT) with
TC=1, and in full over TCP.

TCP (RFC 7766): pipelined queries answered in order, queries arriving in
pieces, the idle and query timeouts, and the connection cap closing the
oldest idle connection to serve a new client (test_fault_slow_tcp.py:
slow clients).
"""

import random
import socket
import struct
import time

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdatatype
import pytest

from flipdns import read_framed

# Header bits (RFC 1035 4.1.1).
QR, AA, TC, RD, RA = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080

# Seconds to wait for the daemon to close a TCP connection: it closes it
# at once (the cap) or after the 1 s tcp.idle_timeout the idle tests set,
# so only a connection it never closes waits this long.  Still short of
# the 10 s default idle timeout, so a close that comes from that, not
# from the cap or the setting under test, fails.
CLOSE_GUARD = 8.0
# Seconds for an answer a test waits for: only a lost one takes this long.
ANSWER_GUARD = 10.0


# -- helpers --------------------------------------------------------------

def header(wire):
    """(id, flags, qd, an, ns, ar) of a raw message."""
    return struct.unpack("!6H", wire[:12])


def frame(wire):
    return len(wire).to_bytes(2, "big") + wire


def make(name, rdtype="A", rdclass="IN", qid=None, **kw):
    q = dns.message.make_query(name, rdtype, rdclass, **kw)
    if qid is not None:
        q.id = qid
    return q


def question_len(wire):
    """Length of the first question in a raw message (no compression)."""
    i = 12
    while wire[i]:
        i += 1 + wire[i]
    return i + 1 + 4 - 12


def assert_error_answer(wire, query_wire, rcode, qd=1):
    """An error answer: the query's ID, opcode and RD, QR set, no AA, TC
    or RA, the given rcode, the question echoed (qd=1) and no records."""
    qid, qflags = header(query_wire)[:2]
    rid, rflags, rqd, an, ns, ar = header(wire)
    assert rid == qid
    assert rflags & QR
    assert rflags & 0x7800 == qflags & 0x7800, "opcode echoed"
    assert rflags & RD == qflags & RD, "RD copied"
    assert not rflags & (AA | TC | RA)
    assert rflags & 0xf == rcode, "rcode %d, wanted %d" % (rflags & 0xf,
                                                           rcode)
    assert (rqd, an, ns, ar) == (qd, 0, 0, 0)
    if qd:
        n = question_len(query_wire)
        assert wire[12:12 + n] == query_wire[12:12 + n]
    assert len(wire) == 12 + (question_len(query_wire) if qd else 0)


def serving(d, tcp=False):
    """The daemon still answers a plain query correctly."""
    r = d.exchange(make(d.origin, "SOA"), tcp=tcp)
    assert r.rcode() == dns.rcode.NOERROR and len(r.answer) == 1
    return True


def add_big_app(d, name="big", n=64):
    """An app with n IPv6 addresses and a group following it."""
    args = []
    for i in range(n):
        args += ["--addr", "2001:db8::%x" % (i + 1)]
    d.ctl("app", "add", name, *args)
    return d.fqdn(d.create_group("--primary", name))


def closed(sock, timeout=CLOSE_GUARD):
    """True when the peer closes the connection within timeout."""
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def closed_within(sock, since):
    """True when the peer closes the connection within CLOSE_GUARD
    seconds of since (a time.monotonic()): the connection idle since
    then is closed by its timeout, not by the 10 s default."""
    return closed(sock, timeout=max(0.01, since + CLOSE_GUARD -
                                    time.monotonic()))


def still_open(sock):
    """No FIN or RST has arrived (and no data is waiting), right now."""
    timeout = sock.gettimeout()
    sock.setblocking(False)     # with a timeout, recv would wait first
    try:
        sock.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    except ConnectionError:
        return False
    finally:
        sock.settimeout(timeout)
    return False


def tcp_query(sock, q):
    sock.sendall(frame(q.to_wire()))
    r = dns.message.from_wire(read_framed(sock))
    assert r.id == q.id
    return r


# -- header ---------------------------------------------------------------

def test_id_and_mixed_case_question_echoed(daemon):
    d = daemon
    d.ctl("app", "add", "web", "--addr", "192.0.2.1")
    label = d.create_group("--primary", "web", "--label", "mixed-case")
    name = "MiXeD-cAsE.FaIlOvEr.ExAmPlE.tEsT."
    for qid, tcp in ((0, False), (0xbeef, False), (0xffff, True)):
        q = make(name, "A", qid=qid)
        r = d.exchange(q, tcp=tcp)
        w, qw = r.wire, q.to_wire()
        assert header(w)[0] == qid
        n = question_len(qw)
        assert w[12:12 + n] == qw[12:12 + n], "question bytes echoed"
        assert r.rcode() == dns.rcode.NOERROR
        assert [rr.to_text() for rr in r.answer[0]] == ["192.0.2.1"]
        assert r.answer[0].name.to_text().lower() == d.fqdn(label)


def test_qr_set_is_dropped(daemon):
    d = daemon
    q = make(d.origin, "SOA")
    q.flags |= dns.flags.QR
    assert d.udp_raw(q.to_wire(), timeout=0.5) is None
    assert serving(d)
    # Over TCP: no answer either; the connection is closed.
    assert d.tcp_raw(frame(q.to_wire()), timeout=2) is None
    assert serving(d, tcp=True)
    assert serving(d)


@pytest.mark.parametrize("opcode", [1, 2, 3, 4, 5, 6, 15],
                         ids=["IQUERY", "STATUS", "3", "NOTIFY", "UPDATE",
                              "DSO", "15"])
def test_opcodes_other_than_query_get_notimp(daemon, opcode):
    d = daemon
    q = make(d.origin, "SOA")
    qw = bytearray(q.to_wire())
    qw[2] = (qw[2] & 0x87) | (opcode << 3)
    qw = bytes(qw)
    for tcp in (False, True):
        w = d.tcp_raw(frame(qw)) if tcp else d.udp_raw(qw)
        assert w is not None
        assert_error_answer(w, qw, dns.rcode.NOTIMP)
        assert (header(w)[1] >> 11) & 0xf == opcode
    assert serving(d)


def test_qdcount_other_than_one_gets_formerr(daemon):
    d = daemon
    one = make(d.origin, "SOA", qid=0x1234).to_wire()
    question = one[12:]
    none = struct.pack("!6H", 0x1234, RD, 0, 0, 0, 0)
    two = struct.pack("!6H", 0x1234, RD, 2, 0, 0, 0) + question * 2
    # QDCOUNT 0 with a question after it, and 2 claiming more than sent.
    none_trailing = struct.pack("!6H", 0x1234, 0, 0, 0, 0, 0) + question
    two_claimed = struct.pack("!6H", 0x1234, 0, 2, 0, 0, 0) + question
    for qw in (none, two, none_trailing, two_claimed):
        for tcp in (False, True):
            w = d.tcp_raw(frame(qw)) if tcp else d.udp_raw(qw)
            assert w is not None
            # The question cannot be trusted, so it is not echoed.
            assert_error_answer(w, qw, dns.rcode.FORMERR, qd=0)
    assert serving(d)


def test_other_classes_refused(daemon):
    d = daemon
    for name, rdtype, rdclass in (
            ("version.bind.", "TXT", "CH"), ("id.server.", "TXT", "CH"),
            (d.origin, "SOA", "CH"), (d.origin, "SOA", "HS"),
            (d.origin, "SOA", "ANY"), (d.origin, "SOA", "NONE"),
            (d.origin, "SOA", 4711)):
        q = make(name, rdtype, rdclass)
        for tcp in (False, True):
            r = d.exchange(q, tcp=tcp)
            assert_error_answer(r.wire, q.to_wire(), dns.rcode.REFUSED)
    # version.bind in class IN is merely outside the zone.
    q = make("version.bind.", "TXT")
    assert_error_answer(d.exchange(q).wire, q.to_wire(), dns.rcode.REFUSED)


@pytest.mark.daemon(chaos_enabled=True, chaos_id="node-7.test")
def test_chaos_answers_when_enabled(daemon):
    d = daemon
    version = d.ctl_json("status")["version"]
    for name, text in (("version.bind.", "flipdns " + version),
                       ("ID.Server.", "node-7.test")):
        for rdtype in ("TXT", "ANY"):
            q = make(name, rdtype, "CH")
            r = d.exchange(q)
            assert r.rcode() == dns.rcode.NOERROR
            assert r.flags & dns.flags.AA and not r.flags & dns.flags.RA
            assert header(r.wire)[2:] == (1, 1, 0, 0)
            assert [(rr.name.to_text(), rr.ttl, rr.to_text())
                    for rr in r.answer] == [
                (name, 0, "%s 0 CH TXT \"%s\"" % (name, text))]
    # Only those two names, only TXT; IN is unaffected.
    for name, rdtype, rdclass in (("hostname.bind.", "TXT", "CH"),
                                  ("version.server.", "TXT", "CH"),
                                  ("version.bind.", "A", "CH"),
                                  ("version.bind.", "TXT", "IN")):
        q = make(name, rdtype, rdclass)
        assert_error_answer(d.exchange(q).wire, q.to_wire(),
                            dns.rcode.REFUSED)


def test_names_compressed(daemon):
    """Owners point at the question; in-zone names at the origin."""
    d = daemon
    origin = b"\x08failover\x07example\x04test\x00"
    d.ctl("app", "add", "web", "--addr", "192.0.2.1", "--addr", "192.0.2.2")
    name = d.fqdn(d.create_group("--primary", "web", "--label", "grp"))
    r = d.exchange(make(name, "A"))
    # Header, question, then two A records of 2 + 10 + 4 octets.
    qlen = question_len(make(name, "A").to_wire())
    assert len(r.wire) == 12 + qlen + 2 * 16
    assert r.wire[12 + qlen:12 + qlen + 2] == b"\xc0\x0c"
    for qname, rdtype in ((d.origin, "NS"), (d.origin, "SOA"),
                          (d.fqdn("nosuchlabel"), "A")):
        w = d.exchange(make(qname, rdtype)).wire
        assert w.count(origin) == 1, "the origin written once: %s" % qname


# -- EDNS -----------------------------------------------------------------

def opt_rr(wire):
    """The raw OPT record at the end of an answer: (size, ext_rcode,
    version, flags, rdata)."""
    owner, rtype, size, ext, version, flags, rdlen = struct.unpack(
        "!BHHBBHH", wire[-11:])
    assert owner == 0 and rtype == 41 and rdlen == 0, wire[-11:]
    return size, ext, version, flags


def test_edns_opt_echoed_with_default_udp_size(daemon):
    d = daemon
    for payload in (512, 1232, 4096, 65535):
        q = make(d.origin, "SOA", use_edns=0, payload=payload)
        r = d.exchange(q)
        assert r.rcode() == dns.rcode.NOERROR and len(r.answer) == 1
        assert r.edns == 0 and r.payload == 1232 and r.options == ()
        assert not r.ednsflags & dns.flags.DO
        assert header(r.wire)[2:] == (1, 1, 0, 1)
        assert opt_rr(r.wire) == (1232, 0, 0, 0)
    # Without EDNS, no OPT.
    r = d.exchange(make(d.origin, "SOA"))
    assert r.edns == -1 and header(r.wire)[5] == 0


@pytest.mark.daemon(edns_udp_size=4000)
def test_edns_udp_size_configured(daemon):
    d = daemon
    r = d.exchange(make(d.origin, "SOA", use_edns=0, payload=1232))
    assert r.edns == 0 and r.payload == 4000
    assert opt_rr(r.wire) == (4000, 0, 0, 0)


def test_edns_version_1_gets_badvers(daemon):
    d = daemon
    for version in (1, 255):
        q = make(d.origin, "SOA")
        # After make_query: its want_dnssec() resets the version to 0.
        q.use_edns(version)
        assert q.to_wire()[-5] == version
        for tcp in (False, True):
            r = d.exchange(q, tcp=tcp)
            assert r.rcode() == dns.rcode.BADVERS
            assert r.edns == 0, "we speak version 0"
            assert opt_rr(r.wire) == (1232, 1, 0, 0)    # 16 = 1 << 4
            assert r.flags & 0xf == 0
            assert not r.flags & (dns.flags.AA | dns.flags.TC)
            assert header(r.wire)[2:] == (1, 0, 0, 1)
            assert r.question == q.question


def test_edns_do_bit_copied(daemon):
    d = daemon
    r = d.exchange(make(d.origin, "SOA", want_dnssec=True))
    assert r.ednsflags & dns.flags.DO
    assert opt_rr(r.wire) == (1232, 0, 0, 0x8000)
    assert r.rcode() == dns.rcode.NOERROR and len(r.answer) == 1
    # Also on a negative answer.
    r = d.exchange(make(d.fqdn("nosuchlabel"), "A", want_dnssec=True))
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert opt_rr(r.wire) == (1232, 0, 0, 0x8000)


def test_edns_unknown_option_ignored(daemon):
    d = daemon
    d.ctl("app", "add", "web", "--addr", "192.0.2.5")
    name = d.fqdn(d.create_group("--primary", "web"))
    opts = [dns.edns.GenericOption(65001, b"\x01\x02\x03"),
            dns.edns.GenericOption(3, b""),          # NSID, not supported
            dns.edns.GenericOption(65002, b"x" * 300)]
    for tcp in (False, True):
        r = d.exchange(make(name, "A", use_edns=0, options=opts), tcp=tcp)
        assert r.rcode() == dns.rcode.NOERROR
        assert [rr.to_text() for rr in r.answer[0]] == ["192.0.2.5"]
        assert r.options == ()
        assert opt_rr(r.wire) == (1232, 0, 0, 0)


def test_two_opts_get_formerr(daemon):
    d = daemon
    qw = bytearray(make(d.origin, "SOA", use_edns=0).to_wire())
    qw[11] += 1                                      # ARCOUNT 2
    qw = bytes(qw) + b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00"
    for tcp in (False, True):
        w = d.tcp_raw(frame(qw)) if tcp else d.udp_raw(qw)
        assert w is not None
        # The OPTs cannot be trusted: no OPT in the answer.
        assert_error_answer(w, qw, dns.rcode.FORMERR)
    assert serving(d)


def test_opt_in_answer_or_authority_gets_formerr(daemon):
    """An OPT belongs in the additional section only (RFC 6891 6.1.1):
    one in the answer or authority section is a malformed query, answered
    FORMERR as NSD and Knot do (found by a differential check)."""
    d = daemon
    opt = b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00"
    for count_at in (6, 8):                  # ANCOUNT, NSCOUNT
        qw = bytearray(make(d.origin, "SOA", use_edns=False).to_wire())
        qw[count_at + 1] = 1
        qw = bytes(qw) + opt
        for tcp in (False, True):
            w = d.tcp_raw(frame(qw)) if tcp else d.udp_raw(qw)
            assert w is not None
            assert_error_answer(w, qw, dns.rcode.FORMERR)
    assert serving(d)


def test_client_udp_size_below_512_means_512(daemon):
    d = daemon
    d.ctl("app", "add", "many", *sum((["--addr", "192.0.2.%d" % i]
                                      for i in range(1, 21)), []))
    name = d.fqdn(d.create_group("--primary", "many"))
    # 20 A records: about 400 bytes, more than the 300 asked for.
    r = d.exchange(make(name, "A", use_edns=0, payload=300))
    assert 300 < len(r.wire) <= 512
    assert not r.flags & dns.flags.TC and len(r.answer[0]) == 20


# -- large answers: truncation over UDP, full over TCP --------------------

def check_truncated(d, r, q, limit, edns):
    assert r.flags & dns.flags.TC
    assert r.flags & dns.flags.AA
    assert r.rcode() == dns.rcode.NOERROR
    assert header(r.wire)[2:] == (1, 0, 0, 1 if edns else 0)
    assert r.question == q.question
    assert len(r.wire) <= limit
    if edns:
        assert r.payload == our_udp_size(d)


def our_udp_size(d):
    return d.optional.get("edns_udp_size", 1232)


def check_full(r, name, n=64):
    assert not r.flags & dns.flags.TC
    assert r.rcode() == dns.rcode.NOERROR
    assert header(r.wire)[3] == n
    assert sorted(rr.to_text() for rr in r.answer[0]) == sorted(
        "2001:db8::%x" % (i + 1) for i in range(n))
    assert r.answer[0].name.to_text().lower() == name


def test_large_answer_default_udp_size(daemon):
    d = daemon
    name = add_big_app(d)
    q = make(name, "AAAA")
    check_truncated(d, d.exchange(q), q, 512, edns=False)
    for payload in (1232, 4096):
        q = make(name, "AAAA", use_edns=0, payload=payload)
        # 64 AAAA take about 1850 bytes, above our 1232.
        check_truncated(d, d.exchange(q), q, 1232, edns=True)
    for q in (make(name, "AAAA"), make(name, "AAAA", use_edns=0)):
        check_full(d.exchange(q, tcp=True), name)
    assert serving(d)


@pytest.mark.daemon(edns_udp_size=4096)
def test_large_answer_with_edns_udp_size_4096(daemon):
    d = daemon
    name = add_big_app(d)
    q = make(name, "AAAA", use_edns=0, payload=4096)
    r = d.exchange(q)
    check_full(r, name)
    assert 1232 < len(r.wire) <= 4096 and r.payload == 4096
    # The client's own limit still rules.
    for payload in (512, 1232, 1800):
        q = make(name, "AAAA", use_edns=0, payload=payload)
        check_truncated(d, d.exchange(q), q, payload, edns=True)
    q = make(name, "AAAA")
    check_truncated(d, d.exchange(q), q, 512, edns=False)
    check_full(d.exchange(q, tcp=True), name)


# -- TCP ------------------------------------------------------------------

def test_tcp_pipelined_queries_answered_in_order(daemon):
    d = daemon
    d.ctl("app", "add", "web", "--addr", "192.0.2.1")
    group = d.fqdn(d.create_group("--primary", "web"))
    kinds = [(d.origin, "SOA", dns.rcode.NOERROR),
             (group, "A", dns.rcode.NOERROR),
             (d.fqdn("nosuchlabel"), "A", dns.rcode.NXDOMAIN),
             ("example.com.", "A", dns.rcode.REFUSED),
             (d.origin, "NS", dns.rcode.NOERROR)]
    queries = [make(kinds[i % 5][0], kinds[i % 5][1], qid=1000 + i)
               for i in range(50)]
    with d.tcp_connect() as s:
        s.sendall(b"".join(frame(q.to_wire()) for q in queries))
        for i, q in enumerate(queries):
            r = dns.message.from_wire(read_framed(s))
            assert r.id == 1000 + i, "answers in query order"
            assert r.question == q.question
            assert r.rcode() == kinds[i % 5][2]
        # The connection stays open for more.
        assert tcp_query(s, make(group, "A", qid=7)).rcode() == 0


def test_tcp_query_in_pieces(daemon):
    d = daemon
    d.ctl("app", "add", "web", "--addr", "192.0.2.1")
    group = d.fqdn(d.create_group("--primary", "web"))
    queries = [make(group, "A", qid=1), make(d.origin, "SOA", qid=2),
               make(group, "AAAA", qid=3)]
    stream = b"".join(frame(q.to_wire()) for q in queries)
    rnd = random.Random(20240607)
    with d.tcp_connect() as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The length prefix alone, split, then the rest in small pieces.
        pos = 0
        for cut in (1, 2):
            s.sendall(stream[pos:cut])
            pos = cut
            time.sleep(0.02)
        while pos < len(stream):
            n = rnd.randint(1, 7)
            s.sendall(stream[pos:pos + n])
            pos += n
            time.sleep(0.005)
        got = [dns.message.from_wire(read_framed(s)) for _ in queries]
    assert [r.id for r in got] == [1, 2, 3]
    assert [rr.to_text() for rr in got[0].answer[0]] == ["192.0.2.1"]
    assert got[1].rcode() == 0 and len(got[1].answer) == 1
    assert got[2].rcode() == 0 and got[2].answer == []
    assert len(got[2].authority) == 1


@pytest.mark.daemon(tcp_idle_timeout=1)
def test_tcp_idle_timeout(daemon):
    d = daemon
    start = time.monotonic()
    silent = d.tcp_connect()
    used = d.tcp_connect()
    busy = d.tcp_connect()
    try:
        assert tcp_query(used, make(d.origin, "SOA", qid=1)).rcode() == 0
        used_at = time.monotonic()
        # A connection that keeps asking is not idle, however old.
        for i in range(8):
            assert tcp_query(busy, make(d.origin, "SOA", qid=i)).rcode() == 0
            time.sleep(0.3)
        assert time.monotonic() - start > 2.0
        assert still_open(busy)
        assert tcp_query(busy, make(d.origin, "SOA", qid=99)).rcode() == 0
        t0 = time.monotonic()
        # Each wait ends as the daemon closes the connection; a slow
        # machine makes t0's elapsed time longer, never shorter.
        assert closed_within(silent, start), "never used: closed"
        assert closed_within(used, used_at), "idle after an answer: closed"
        assert closed_within(busy, t0), "idle after its last answer: closed"
        assert time.monotonic() - t0 > 0.5, "closed before it was idle"
    finally:
        for s in (silent, used, busy):
            s.close()
    assert serving(d, tcp=True)


# Seconds between the bytes of a trickled query: well within the query
# timeout (1 s), and the whole query takes longer than CLOSE_GUARD.
TRICKLE = 0.3


@pytest.mark.daemon(tcp_idle_timeout=1, tcp_query_timeout=1)
def test_tcp_trickling_client_closed_at_query_timeout(daemon):
    """Progress is a whole query: a byte now and then does not keep a
    connection (tcp.c); a query must arrive whole within
    tcp.query_timeout of its first byte, so a slow trickle cannot hold a
    slot."""
    d = daemon
    wire = frame(make(d.origin, "SOA").to_wire())
    assert (len(wire) - 1) * TRICKLE > CLOSE_GUARD + 2, len(wire)
    with d.tcp_connect() as s:
        t0 = time.monotonic()
        sent = 0
        while sent < len(wire) - 1 and still_open(s):
            try:
                s.send(wire[sent:sent + 1])
            except ConnectionError:
                break
            sent += 1
            time.sleep(TRICKLE)
        elapsed = time.monotonic() - t0
        assert sent < len(wire) - 1, "still open after %.1fs" % elapsed
        assert 0.9 < elapsed < CLOSE_GUARD, elapsed
        assert closed(s)
    assert serving(d, tcp=True)


@pytest.mark.daemon(workers=1, tcp_max_clients=3)
def test_tcp_connection_cap_closes_oldest_idle(daemon):
    d = daemon
    conns = []

    def connect():
        s = d.tcp_connect()
        conns.append(s)
        # Answered: the daemon has accepted it (and made room before).
        assert tcp_query(s, make(d.origin, "SOA")).rcode() == 0
        return s

    try:
        c1, c2, c3 = connect(), connect(), connect()
        c4 = connect()
        assert closed(c1), "the oldest idle one made room"
        assert all(still_open(c) for c in (c2, c3, c4))
        # c2 asks again: now c3 is the oldest idle connection.
        assert tcp_query(c2, make(d.origin, "NS")).rcode() == 0
        c5 = connect()
        assert closed(c3)
        assert all(still_open(c) for c in (c2, c4, c5))
        # A connection halfway through a query is not idle.
        q = frame(make(d.origin, "SOA", qid=4242).to_wire())
        c2.sendall(q[:5])
        time.sleep(0.1)
        c6 = connect()
        assert closed(c4)
        assert all(still_open(c) for c in (c2, c5, c6))
        c2.sendall(q[5:])
        r = dns.message.from_wire(read_framed(c2))
        assert r.id == 4242 and r.rcode() == 0
        # New clients keep being served.
        for _ in range(5):
            connect()
    finally:
        for s in conns:
            s.close()


# The cap is split over the workers (tcp.c): each worker closes its own
# oldest idle connection, so a new client is served whichever worker
# accepts it.
@pytest.mark.daemon(workers=4, tcp_max_clients=2)
def test_tcp_connection_cap_serves_new_clients_with_several_workers(daemon):
    d = daemon
    conns, refused = [], []
    try:
        for i in range(20):
            s = d.tcp_connect(timeout=ANSWER_GUARD)
            conns.append(s)          # kept open: only the cap frees slots
            try:
                tcp_query(s, make(d.origin, "SOA", qid=i))
            except (ConnectionError, socket.timeout):
                refused.append(i)
        assert refused == [], "new clients refused: %s" % refused
    finally:
        for s in conns:
            s.close()


# -- IPv6 -----------------------------------------------------------------

def test_ipv6_udp_and_tcp(daemon):
    d = daemon
    if not d.v6:
        pytest.skip("no IPv6 loopback")
    d.ctl("app", "add", "web", "--addr", "2001:db8::1")
    name = d.fqdn(d.create_group("--primary", "web"))
    for tcp in (False, True):
        r = d.exchange(make(name, "AAAA"), tcp=tcp, where="::1")
        assert r.rcode() == 0 and r.flags & dns.flags.AA
        assert [rr.to_text() for rr in r.answer[0]] == ["2001:db8::1"]
        r = d.exchange(make(d.fqdn("nosuchlabel"), "A", use_edns=0),
                       tcp=tcp, where="::1")
        assert r.rcode() == dns.rcode.NXDOMAIN and r.payload == 1232
    with d.tcp_connect(where="::1") as s:
        for i in range(3):
            assert tcp_query(s, make(name, "AAAA", qid=i)).rcode() == 0
