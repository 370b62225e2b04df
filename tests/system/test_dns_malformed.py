"""Malformed packets, over UDP and over TCP (length-framed).

README: queries with no header are dropped; a malformed question, a bad
compression pointer or QDCOUNT != 1 gets FORMERR.  Here every packet of
a corpus (truncated headers of every length, truncated questions,
compression loops, pointers forward and out of range, names over 255
octets, labels over 63, counts claiming records that are not there,
garbage OPT records, random bytes from a fixed seed) must get FORMERR or
be dropped, and the daemon must answer a normal query right afterwards:
checked after every single packet.

Over UDP the malformed packet and the probe go out back to back from one
socket: the daemon reads one socket's datagrams in order (one worker,
answers sent in order), so an answer with the probe's ID first means the
malformed one was dropped, and no waiting for a timeout is needed.
Over TCP, the probe follows on the same connection, or on a new one when
the daemon closed it (as it does for a message without a header).
"""

import random
import socket
import struct

import dns.message
import dns.rcode
import pytest

from flipdns import ORIGIN, read_framed

PROBE_ID = 0x4242
QID = 0xbad1
QR, AA, TC, RA = 0x8000, 0x0400, 0x0200, 0x0080
FORMERR, NOTIMP = dns.rcode.FORMERR, dns.rcode.NOTIMP


# -- building packets -----------------------------------------------------

def hdr(qd=1, an=0, ns=0, ar=0, flags=0x0100, qid=QID):
    return struct.pack("!6H", qid, flags, qd, an, ns, ar)


def name(text):
    """Uncompressed wire name of a dotted text name (no escapes)."""
    out = b""
    for label in text.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def labels(*raw):
    """A wire name from raw labels (bytes), root added."""
    return b"".join(bytes([len(x)]) + x for x in raw) + b"\x00"


def zone_name(total):
    """A name in the zone of exactly total octets: 3 labels of 63 and
    one to make up the rest, then the origin."""
    origin = name(ORIGIN)
    last = total - 3 * 64 - len(origin) - 1
    n = labels(*[b"b" * 63] * 3, b"c" * last)[:-1] + origin
    assert len(n) == total
    return n


A_IN = struct.pack("!HH", 1, 1)
QNAME = name("www." + ORIGIN)
QUESTION = QNAME + A_IN
QUERY = hdr() + QUESTION


def rr(owner, rtype=1, rclass=1, ttl=0, rdata=b"\x7f\x00\x00\x01",
       rdlen=None):
    return owner + struct.pack("!HHIH", rtype, rclass, ttl,
                               len(rdata) if rdlen is None else rdlen) + rdata


def opt(owner=b"\x00", size=1232, ttl=0, rdata=b"", rdlen=None):
    return rr(owner, 41, size, ttl, rdata, rdlen)


def corpus():
    """(category, case name, packet, what is allowed).  allowed: "drop"
    (nothing may come back), "formerr" (FORMERR or dropped), "random"
    (as the header says: QR=1 dropped, other opcodes NOTIMP)."""
    c = []

    def add(cat, case, pkt, allowed="formerr"):
        c.append((cat, case, pkt, allowed))

    # No header to answer with: dropped.
    for n in range(12):
        add("header", "header[:%d]" % n, QUERY[:n], "drop")

    # A question cut anywhere, and a question with no qtype/qclass.
    for n in range(len(QUESTION)):
        add("question", "question[:%d]" % n, hdr() + QUESTION[:n])
    add("question", "name only", hdr() + QNAME)
    add("question", "pointer cut", hdr() + b"\x03www\xc0")
    add("question", "pointer, no type", hdr() + b"\x03www\xc0\x0c")

    # Compression loops: every pointer must go strictly backwards.
    add("loops", "self", hdr() + b"\xc0\x0c" + A_IN)
    add("loops", "label then self", hdr() + b"\x01a\xc0\x0c" + A_IN)
    add("loops", "two labels back to start",
        hdr() + b"\x01a\x01b\xc0\x0c" + A_IN)
    add("loops", "mutual", hdr() + b"\xc0\x0e\xc0\x0c" + A_IN)
    add("loops", "three-way",
        hdr() + b"\xc0\x0e\xc0\x10\xc0\x0c" + A_IN)
    # In records after a good question: an answer RR owner pointing at
    # itself, and an OPT owner pointing at itself.
    off = 12 + len(QUESTION)
    add("loops", "answer owner self",
        hdr(an=1) + QUESTION + rr(struct.pack("!H", 0xc000 | off)))
    add("loops", "answer owner mutual",
        hdr(an=1) + QUESTION +
        rr(b"\x01x" + struct.pack("!H", 0xc000 | off)))
    add("loops", "opt owner self",
        hdr(ar=1) + QUESTION + opt(owner=struct.pack("!H", 0xc000 | off)))
    # A long run of pointers, each to the one before: strictly backward,
    # so not a loop, but never ending in a label either.
    chain = hdr() + b"\xc0\x0c"
    for i in range(200):
        chain += struct.pack("!H", 0xc000 | (12 + 2 * i))
    add("loops", "pointer chain without labels", chain + A_IN)

    # Pointers forward and out of range.
    add("pointers", "forward", hdr() + b"\xc0\x10" + A_IN + QNAME)
    add("pointers", "forward past end", hdr() + b"\xc0\x40" + A_IN)
    add("pointers", "max offset", hdr() + b"\xff\xff" + A_IN)
    add("pointers", "to itself + 1", hdr() + b"\x01a\xc0\x0f" + A_IN)
    add("pointers", "record owner forward",
        hdr(an=1) + QUESTION + rr(b"\xc0\x7f"))
    add("pointers", "record owner out of range",
        hdr(an=1) + QUESTION + rr(b"\xff\xf0"))
    add("pointers", "0x40 label type", hdr() + b"\x41" + b"a" * 65 + A_IN)
    add("pointers", "0x80 label type", hdr() + b"\x80\x01a\x00" + A_IN)

    # Names over 255 octets.
    add("long", "4 labels of 63 (257)",
        hdr() + labels(*[b"a" * 63] * 4) + A_IN)
    add("long", "128 labels of 1 (257)",
        hdr() + labels(*[b"a"] * 128) + A_IN)
    add("long", "in-zone, 256", hdr() + zone_name(256) + A_IN)
    # Over 255 only through compression: 2 x 63 labels + a pointer to a
    # 129-octet question name.
    q129 = labels(b"d" * 63, b"e" * 63)
    add("long", "via compression (258)",
        hdr(an=1) + q129 + A_IN +
        rr(labels(b"f" * 63, b"g" * 63)[:-1] + b"\xc0\x0c"))

    # Labels over 63 octets (64..127 and up are not plain labels).
    for n in (64, 100, 127):
        add("label", "label of %d" % n,
            hdr() + bytes([n]) + b"h" * n + QNAME + A_IN)
    add("label", "last label 64", hdr() + b"\x03www" + b"\x40" +
        b"i" * 64 + b"\x00" + A_IN)

    # Counts claiming records that are not there.
    add("counts", "ancount 1", hdr(an=1) + QUESTION)
    add("counts", "nscount 1", hdr(ns=1) + QUESTION)
    add("counts", "arcount 1", hdr(ar=1) + QUESTION)
    add("counts", "ancount 65535", hdr(an=65535) + QUESTION + rr(QNAME))
    add("counts", "arcount 2, one OPT", hdr(ar=2) + QUESTION + opt())
    add("counts", "ancount 2, one RR", hdr(an=2) + QUESTION + rr(QNAME))
    add("counts", "RR cut in its fixed part",
        hdr(an=1) + QUESTION + rr(QNAME)[:len(QNAME) + 5])
    add("counts", "RR rdata cut", hdr(an=1) + QUESTION + rr(QNAME)[:-1])
    add("counts", "RR rdlen beyond packet",
        hdr(ns=1) + QUESTION + rr(b"\x00", rdlen=200))

    # Garbage OPT records.
    add("opt", "rdlen beyond packet", hdr(ar=1) + QUESTION + opt(rdlen=50))
    add("opt", "rdlen 65535", hdr(ar=1) + QUESTION + opt(rdlen=65535))
    add("opt", "option length beyond rdata", hdr(ar=1) + QUESTION +
        opt(rdata=struct.pack("!HH", 10, 20) + b"xx"))
    add("opt", "option header cut", hdr(ar=1) + QUESTION +
        opt(rdata=b"\x00\x0a\x00"))
    add("opt", "second option cut", hdr(ar=1) + QUESTION +
        opt(rdata=struct.pack("!HH", 10, 2) + b"ab" + b"\x00\x0b"))
    add("opt", "fixed part cut", hdr(ar=1) + QUESTION + opt()[:7])
    add("opt", "non-root owner", hdr(ar=1) + QUESTION +
        opt(owner=name("a.")))
    add("opt", "owner is the question name (pointer)",
        hdr(ar=1) + QUESTION + opt(owner=b"\xc0\x0c"))
    add("opt", "two OPTs", hdr(ar=2) + QUESTION + opt() + opt())
    add("opt", "two OPTs around an A",
        hdr(an=0, ns=0, ar=3) + QUESTION + opt() + rr(QNAME) + opt())

    # Random bytes from a fixed seed.  With QR and the opcode cleared the
    # rules leave only FORMERR (or a drop); the unconstrained ones also
    # meet the QR and opcode rules.
    rnd = random.Random(0xf11d)
    for i in range(60):
        pkt = bytearray(rnd.randbytes(rnd.randint(12, 300)))
        pkt[0:2] = struct.pack("!H", QID)
        pkt[2] &= 0x07           # QR 0, opcode QUERY
        add("random", "cleared #%d" % i, bytes(pkt))
    for i in range(40):
        pkt = bytearray(rnd.randbytes(rnd.randint(12, 300)))
        pkt[0:2] = struct.pack("!H", QID)
        add("random", "raw #%d" % i, bytes(pkt), "random")
    # Random tails after a good header claiming one question.
    for i in range(40):
        pkt = hdr(an=rnd.randint(0, 3), ar=rnd.randint(0, 2)) + \
            rnd.randbytes(rnd.randint(1, 120))
        add("random", "tail #%d" % i, pkt)
    return c


CORPUS = corpus()
CATEGORIES = sorted({cat for cat, _, _, _ in CORPUS})


# -- checking answers -----------------------------------------------------

def probe():
    q = dns.message.make_query(ORIGIN, "SOA")
    q.id = PROBE_ID
    return q.to_wire()


def check_probe_answer(wire):
    r = dns.message.from_wire(wire)
    assert r.id == PROBE_ID
    assert r.rcode() == dns.rcode.NOERROR and len(r.answer) == 1, r
    assert r.answer[0].name.to_text() == ORIGIN


def check_error_answer(pkt, wire, allowed):
    """What came back for a malformed packet is an acceptable error."""
    qid, qflags = struct.unpack("!HH", pkt[:4])
    rid, rflags, qd, an, ns, ar = struct.unpack("!6H", wire[:12])
    assert allowed != "drop", "answered a packet that has no header"
    assert rid == qid
    assert rflags & QR and not rflags & (AA | TC | RA)
    assert rflags & 0x7800 == qflags & 0x7800, "opcode echoed"
    assert rflags & 0x0100 == qflags & 0x0100, "RD copied"
    opcode = (qflags >> 11) & 0xf
    assert not qflags & QR, "answered a packet with QR=1"
    want = {FORMERR} if opcode == 0 else {FORMERR, NOTIMP}
    assert rflags & 0xf in want, "rcode %d" % (rflags & 0xf)
    # Nothing but the question, if it was readable; no OPT: an OPT that
    # came with a malformed packet cannot be trusted.
    assert (an, ns, ar) == (0, 0, 0), (an, ns, ar)
    assert qd in (0, 1)
    end = 12
    if qd:
        # The echoed question: the first name in the packet, so written
        # without compression.
        while wire[end] != 0:
            assert wire[end] <= 63
            end += 1 + wire[end]
        end += 1 + 4
    assert len(wire) == end


def try_udp(d, pkt, allowed):
    """Send pkt then the probe from one socket; check what comes back."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2.0)
        s.connect(("127.0.0.1", d.port))
        s.send(pkt)
        s.send(probe())
        got = s.recv(65535)
        if got[:2] != struct.pack("!H", PROBE_ID):
            check_error_answer(pkt, got, allowed)
            got = s.recv(65535)
        check_probe_answer(got)
        # Nothing else: an answer to pkt would have come before.
        s.setblocking(False)
        with pytest.raises(BlockingIOError):
            s.recv(65535)


def try_tcp(d, pkt, allowed):
    """Send pkt framed, then the probe on the same connection if the
    daemon kept it open, and on a new one in any case."""
    with d.tcp_connect(timeout=2.0) as s:
        s.sendall(len(pkt).to_bytes(2, "big") + pkt)
        try:
            got = read_framed(s)
        except ConnectionError:
            got = None          # dropped, and the connection closed
        if got is not None:
            check_error_answer(pkt, got, allowed)
            # The framing held: the same connection answers on.
            p = probe()
            s.sendall(len(p).to_bytes(2, "big") + p)
            check_probe_answer(read_framed(s))
    with d.tcp_connect(timeout=2.0) as s:
        p = probe()
        s.sendall(len(p).to_bytes(2, "big") + p)
        check_probe_answer(read_framed(s))


# -- the tests ------------------------------------------------------------

def test_corpus_is_what_it_claims():
    """The corpus itself: the good query it mutates is answered by
    dnspython's parser, and no malformed packet parses as a query."""
    dns.message.from_wire(QUERY)
    for cat, case, pkt, allowed in CORPUS:
        if allowed == "drop":
            assert len(pkt) < 12
            continue
        with pytest.raises(Exception):
            m = dns.message.from_wire(pkt)
            # Parsed: it must still break the one-question rule.
            if len(m.question) != 1:
                raise ValueError("qdcount")
    assert len(CORPUS) > 200


@pytest.mark.daemon(log_queries=True)
@pytest.mark.parametrize("transport", ["udp", "tcp"])
@pytest.mark.parametrize("category", CATEGORIES)
def test_malformed(daemon, category, transport):
    d = daemon
    send = try_udp if transport == "udp" else try_tcp
    failures = []
    cases = [x for x in CORPUS if x[0] == category]
    assert cases
    for _, case, pkt, allowed in cases:
        try:
            send(d, pkt, allowed)
        except Exception as e:   # collect them all, then report
            failures.append("%s (%s): %r" % (case, pkt.hex(), e))
        assert d.running, "flipdnsd died on %s: %s" % (case, pkt.hex())
    assert failures == [], "\n".join(failures)


def test_oversized_udp_datagram_dropped(daemon):
    """A datagram beyond the 4096-byte receive buffer is cut by the kernel
    and dropped: its tail (the OPT) is lost."""
    d = daemon
    pkt = hdr(ar=1) + QUESTION + opt(rdata=struct.pack("!HH", 65001, 5000)
                                     + b"z" * 5000)
    try_udp(d, pkt, "drop")


def test_odd_but_valid_names_answered(daemon):
    """Not malformed: binary labels, a 255-octet name, a pointer into the
    question.  Answered normally (and logged without harm)."""
    d = daemon
    origin = [x.encode() for x in ORIGIN.rstrip(".").split(".")]
    cases = [
        (labels(b"\x00\xff.", *origin), dns.rcode.NXDOMAIN),
        (labels(b"a b", b"\\", *origin), dns.rcode.NXDOMAIN),
        (zone_name(255), dns.rcode.NXDOMAIN),     # the longest name
        (labels(*[b"x"] * 127), dns.rcode.REFUSED),
        (b"\x00", dns.rcode.REFUSED),
    ]
    assert len(cases[3][0]) == 255
    for qname, rcode in cases:
        pkt = hdr() + qname + A_IN
        for tcp in (False, True):
            if tcp:
                got = d.tcp_raw(len(pkt).to_bytes(2, "big") + pkt)
            else:
                got = d.udp_raw(pkt)
            assert got is not None
            rid, rflags, qd, an, ns, ar = struct.unpack("!6H", got[:12])
            assert rid == QID and rflags & 0xf == rcode
            assert got[12:12 + len(qname) + 4] == qname + A_IN
    # The question name reached through a pointer in the question itself
    # is not possible; a pointer back into the header is, and reads the
    # header's bytes as a name: here the root (QDCOUNT's high byte, 0).
    pkt = hdr() + b"\xc0\x04" + A_IN
    got = d.udp_raw(pkt)
    assert got is not None
    assert struct.unpack("!H", got[2:4])[0] & 0xf == dns.rcode.REFUSED
