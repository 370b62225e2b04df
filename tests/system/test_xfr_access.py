"""Who gets the zone, and what hostile transfer requests cost.

transfer.allow lets 127.0.0.1 transfer with key sec1 only.  A request
without a key, with another known key, with an unknown key or with the
wrong secret gets NOTAUTH (with the TSIG error RFC 8945 5.2 names), one
from another address REFUSED; none gets a record, and each refusal is
logged.  A signed ordinary query with an unknown key gets NOTAUTH/BADKEY
too.  AXFR over UDP is refused, IXFR over UDP gets the SOA alone, an IXFR
whose SOA is bogus gets FORMERR.  Clients that ask for an AXFR and never
read hold nothing but their own connection until tcp.query_timeout: the
server answers others, commits, and serves another transfer meanwhile.
"""

import os
import socket
import struct
import subprocess
import time

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.tsigkeyring
import pytest

import flipdns
from flipdns import read_framed
from test_xfr_fleet import write_keys

SEC1 = ("sec1.", "hmac-sha256", "3cXxOuGbo3Wn3qmTgW0HqTf5LL0X6vEGsXcqK8hnQGI=")
SEC2 = ("sec2.", "hmac-sha512",
        "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4")
WRONG = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="
ALGS = {"hmac-sha256": dns.tsig.HMAC_SHA256,
        "hmac-sha512": dns.tsig.HMAC_SHA512}


def start(extra="", **kw):
    d = flipdns.Daemon(**kw)
    keys = write_keys(d, (SEC1, SEC2))
    d.extra_config = ("transfer:\n  keys: %s\n"
                      "  allow: [{from: 127.0.0.1, key: sec1}]\n%s"
                      % (keys, extra))
    return d.start()


@pytest.fixture
def daemons(request):
    made = []

    def make(*a, **kw):
        d = start(*a, **kw)
        made.append(d)
        return d
    yield make
    rep = getattr(request.node, "rep_call", None)
    for d in made:
        if rep is not None and rep.failed:
            print(d.read_log()[-6000:])
        if d.running:
            assert d.stop() == 0, d.read_log()
        d.cleanup()


def request(d, qtype, key=None, secret=None, serial=None):
    q = dns.message.make_query(d.origin, qtype)
    if serial is not None:
        q.authority.append(dns.rrset.from_text(
            d.origin, 0, "IN", "SOA", ". . %d 0 0 0 0" % serial))
    if key is not None:
        name, alg, default = key
        ring = dns.tsigkeyring.from_text({name: secret or default})
        q.use_tsig(ring, keyname=name, algorithm=ALGS[alg])
    return q


def tcp_exchange(d, q, source="127.0.0.1"):
    """q over TCP from source: (header rcode, ancount, the wire)."""
    wire = q.to_wire()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.bind((source, 0))
        s.connect(("127.0.0.1", d.port))
        s.sendall(struct.pack("!H", len(wire)) + wire)
        got = read_framed(s)
    return got[3] & 0xf, struct.unpack("!H", got[6:8])[0], got


def tsig_error(wire, q):
    """The answer's TSIG error as dnspython names it, or None (unsigned
    answer or a good signature)."""
    def any_key(msg, name):
        return dns.tsig.Key(name, b"\0" * 32, dns.tsig.HMAC_SHA256)
    try:
        r = dns.message.from_wire(wire, keyring=any_key,
                                  request_mac=q.mac or b"")
    except dns.tsig.PeerBadKey:
        return "BADKEY"
    except dns.tsig.PeerBadSignature:
        return "BADSIG"
    except dns.tsig.PeerBadTime:
        return "BADTIME"
    except dns.tsig.BadSignature:
        return None     # signed with a key any_key does not have: fine
    return None if r.tsig is None else "signed"


def test_keys_and_addresses(daemons):
    d = daemons()
    d.ctl("app", "add", "a", "--addr", "192.0.2.1")
    d.create_group("--primary", "a")
    cases = [
        # (what, qtype, key, secret, source, rcode, tsig error, log words)
        ("no key", "AXFR", None, None, "127.0.0.1", dns.rcode.NOTAUTH,
         None, "unsigned, transfer.allow asks for a key"),
        ("another key", "AXFR", SEC2, None, "127.0.0.1", dns.rcode.NOTAUTH,
         "BADKEY", "signed with a key transfer.allow does not name"),
        ("unknown key", "AXFR", ("nokey.", "hmac-sha256", SEC1[2]), None,
         "127.0.0.1", dns.rcode.NOTAUTH, "BADKEY", "unknown key (BADKEY)"),
        ("wrong secret", "AXFR", SEC1, WRONG, "127.0.0.1",
         dns.rcode.NOTAUTH, "BADSIG", "wrong signature (BADSIG)"),
        ("address", "AXFR", SEC1, None, "127.0.0.2", dns.rcode.REFUSED,
         None, "address not in transfer.allow"),
        ("ixfr, no key", "IXFR", None, None, "127.0.0.1",
         dns.rcode.NOTAUTH, None, "unsigned"),
    ]
    for what, qtype, key, secret, source, rcode, err, words in cases:
        offset = len(d.read_log())
        q = request(d, qtype, key, secret,
                    serial=1 if qtype == "IXFR" else None)
        got_rcode, ancount, wire = tcp_exchange(d, q, source)
        assert got_rcode == rcode and ancount == 0, (what, got_rcode,
                                                     ancount)
        assert tsig_error(wire, q) in (err, "signed" if err is None and
                                       key is SEC1 else None), what
        d.wait_log("refused", offset)
        assert words in d.read_log()[offset:], (what, d.read_log()[offset:])
    # the key transfer.allow names gets the zone, signed throughout
    ring = dns.tsigkeyring.from_text({SEC1[0]: SEC1[2]})
    msgs = list(dns.query.xfr("127.0.0.1", d.origin, port=d.port,
                              keyring=ring, keyname=SEC1[0],
                              keyalgorithm=dns.tsig.HMAC_SHA256))
    rrs = [rr for m in msgs for rr in m.answer]
    assert rrs[0].rdtype == dns.rdatatype.SOA and \
        rrs[-1].rdtype == dns.rdatatype.SOA and len(rrs) >= 5, rrs


def test_signed_query_with_unknown_key(daemons):
    d = daemons()
    q = dns.message.make_query(d.origin, "SOA")
    q.use_tsig(dns.tsigkeyring.from_text({"nokey.": SEC1[2]}),
               keyname="nokey.", algorithm=dns.tsig.HMAC_SHA256)
    for tcp in (False, True):
        wire = d.tcp_raw(struct.pack("!H", len(q.to_wire())) + q.to_wire(),
                         timeout=5) if tcp else d.udp_raw(q.to_wire(), timeout=5)
        assert wire[3] & 0xf == dns.rcode.NOTAUTH, tcp
        assert tsig_error(wire, q) == "BADKEY", tcp
    # and with the right key: answered, signed, verified by dnspython
    q = dns.message.make_query(d.origin, "SOA")
    q.use_tsig(dns.tsigkeyring.from_text({SEC1[0]: SEC1[2]}),
               keyname=SEC1[0], algorithm=dns.tsig.HMAC_SHA256)
    r = dns.query.udp(q, "127.0.0.1", port=d.port, timeout=5)
    assert r.rcode() == dns.rcode.NOERROR and r.answer and r.had_tsig


def test_malformed_requests(daemons):
    d = daemons()
    # AXFR over UDP: REFUSED (RFC 5936 4.2)
    r = dns.message.from_wire(d.udp_raw(request(d, "AXFR").to_wire(), timeout=5))
    assert r.rcode() == dns.rcode.REFUSED and not r.answer
    # IXFR over UDP: the SOA alone, "ask over TCP" (RFC 1995 2)
    r = dns.message.from_wire(d.udp_raw(request(d, "IXFR", serial=0)
                                        .to_wire(), timeout=5))
    assert r.rcode() == dns.rcode.NOERROR and len(r.answer) == 1 and \
        r.answer[0].rdtype == dns.rdatatype.SOA
    # IXFR whose SOA is another zone's, or has no serial: FORMERR
    bogus = request(d, "IXFR", SEC1)
    bogus.authority.append(dns.rrset.from_text(
        "other.example.", 0, "IN", "SOA", ". . 5 0 0 0 0"))
    rcode, ancount, _ = tcp_exchange(d, bogus)
    assert rcode == dns.rcode.FORMERR and ancount == 0
    q = request(d, "IXFR", serial=5).to_wire()
    cut = q[:-4]                                   # the SOA's last 4 bytes
    cut = cut[:-22] + struct.pack("!H", 18) + cut[-20:]   # RDLENGTH 18
    got = d.tcp_raw(struct.pack("!H", len(cut)) + cut, timeout=5)
    assert got is not None and got[3] & 0xf == dns.rcode.FORMERR
    # still serving
    assert d.query(d.origin, "SOA").rcode() == dns.rcode.NOERROR


def stalled_axfr(d):
    """Ask for the zone with a tiny receive window, and never read."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    s.connect(("127.0.0.1", d.port))
    q = request(d, "AXFR", SEC1).to_wire()
    s.sendall(struct.pack("!H", len(q)) + q)
    return s


def test_clients_that_never_read(daemons):
    d = daemons(tcp_query_timeout=3)
    path = os.path.join(d.dir, "big.yaml")
    with open(path, "w") as f:
        f.write("apps:\n  - {name: a, addrs: [192.0.2.1, \"2001:db8::1\"]}\n"
                "  - {name: b, cname: some.long.host.name.example.com}\n"
                "groups:\n")
        # more than the kernel queues behind a socket (tcp_wmem's 4 MiB
        # on Debian): 100,000 groups are ~6 MiB of AXFR
        for i in range(100000):
            f.write("  - {label: big%06d, primary: a, backup: b}\n" % i)
    d.ctl("import", path)
    d.ctl("app", "add", "c", "--addr", "192.0.2.3")
    label = d.create_group("--primary", "c", "--backup", "a")
    # eight stalled transfers: every transfer slot
    offset = len(d.read_log())
    stalled = [stalled_axfr(d) for _ in range(8)]
    try:
        time.sleep(0.5)
        # the server goes on: UDP, TCP, a change
        assert d.query(d.fqdn(label), "A").rcode() == dns.rcode.NOERROR
        assert d.query(d.fqdn(label), "A", tcp=True).answer
        t0 = time.monotonic()
        d.ctl("group", "switch", label)
        switch_s = time.monotonic() - t0
        assert d.query(d.fqdn(label), "A").answer[0][0].address == \
            "192.0.2.1"
        # a ninth is told to come back later, nothing more
        rcode, ancount, _ = tcp_exchange(d, request(d, "AXFR", SEC1))
        assert rcode == dns.rcode.SERVFAIL and ancount == 0
        # tcp.query_timeout ends them (a message not taken in time), and
        # frees their slots
        assert "xfr: AXFR to" not in d.read_log()[offset:], \
            "a transfer to a client that does not read ended"
        end = time.monotonic() + 60
        while d.read_log()[offset:].count("cut short: connection closed") < 8:
            assert time.monotonic() < end, d.read_log()[-3000:]
            time.sleep(0.1)
    finally:
        for s in stalled:
            s.close()
    ring = dns.tsigkeyring.from_text({SEC1[0]: SEC1[2]})
    msgs = list(dns.query.xfr("127.0.0.1", d.origin, port=d.port,
                              keyring=ring, keyname=SEC1[0],
                              keyalgorithm=dns.tsig.HMAC_SHA256))
    assert sum(len(rrs) for m in msgs for rrs in m.answer) > 200000
    print("a switch took %.1f ms with 8 stalled transfers" % (switch_s * 1e3))


def test_example_primary_config_is_valid(tmp_path):
    """conf/examples/flipdns-primary.yaml passes --check-config (with its
    key file and paths made local)."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "../../conf/examples/flipdns-primary.yaml"))\
            as f:
        text = f.read()
    keys = tmp_path / "tsig.keys"
    keys.write_text('key "sec1" { algorithm hmac-sha256; secret "%s"; };\n'
                    % SEC1[2])
    keys.chmod(0o640)
    text = text.replace("/etc/flipdns/tsig.keys", str(keys))
    conf = tmp_path / "flipdns.yaml"
    conf.write_text(text)
    r = subprocess.run([flipdns.FLIPDNSD, "-c", str(conf), "--check-config"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
