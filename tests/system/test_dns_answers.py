"""What the real flipdnsd answers, row by row of the README's "DNS answers".

Every answer is checked whole: rcode, the header flags (AA on
authoritative answers, RD copied, RA and TC never here), the question
echoed, and each section record by record with its TTL.  Header counts
come from the wire, so a duplicated record cannot hide in dnspython's
RRset merging.

Zone used by the fixture (flipdns.py): origin failover.example.test.,
zone.ttl 30, SOA ttl 3600 (the default) and minimum 30, so negative
answers live 30 s; one in-zone nameserver ns1 on 127.0.0.1 and ::1.
"""

import re
import subprocess

import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest

from flipdns import ORIGIN

NS1 = "ns1." + ORIGIN
SOA_RDATA = "%s hostmaster.example.test. %%d 3600 600 604800 30" % NS1
NEG_TTL = 30          # min(SOA ttl 3600, minimum 30)


# -- helpers --------------------------------------------------------------

def ask(d, name, rdtype, rd=True, tcp=False, rdclass="IN", **kw):
    """One query; checks the header rules every answer shares and
    returns the answer with .wire."""
    q = dns.message.make_query(name, rdtype, rdclass, **kw)
    if not rd:
        q.flags &= ~dns.flags.RD
    r = d.exchange(q, tcp=tcp)
    assert r.id == q.id
    assert r.flags & dns.flags.QR
    assert r.opcode() == dns.opcode.QUERY
    assert not r.flags & dns.flags.RA, "RA is never set"
    assert not r.flags & dns.flags.TC
    assert bool(r.flags & dns.flags.RD) == rd, "RD is copied"
    assert len(r.question) == 1
    assert r.question[0].name.to_text() == q.question[0].name.to_text()
    assert r.question[0].rdtype == q.question[0].rdtype
    assert r.question[0].rdclass == q.question[0].rdclass
    return r


def counts(r):
    """(QD, AN, NS, AR) from the wire header."""
    w = r.wire
    return tuple(int.from_bytes(w[i:i + 2], "big") for i in (4, 6, 8, 10))


def records(section):
    """Every record as "owner ttl class type rdata", owner lower-cased,
    in packet order (RRsets in order of first appearance)."""
    out = []
    for rrset in section:
        for rd in rrset:
            out.append("%s %d %s %s %s" % (
                rrset.name.to_text().lower(), rrset.ttl,
                dns.rdataclass.to_text(rrset.rdclass),
                dns.rdatatype.to_text(rrset.rdtype), rd.to_text()))
    return out


def check(r, rcode, answer=(), authority=(), additional=(), aa=True,
          ordered=False):
    """Exact rcode, AA, and sections (sorted unless ordered)."""
    assert r.rcode() == rcode, "rcode %s, wanted %s\n%s" % (
        dns.rcode.to_text(r.rcode()), dns.rcode.to_text(rcode), r)
    assert bool(r.flags & dns.flags.AA) == aa, r
    got = [records(r.answer), records(r.authority), records(r.additional)]
    want = [list(answer), list(authority), list(additional)]
    if not ordered:
        got = [sorted(x) for x in got]
        want = [sorted(x) for x in want]
    assert got == want, r
    assert counts(r) == (1, len(want[0]), len(want[1]), len(want[2])), r


def soa(d, ttl=NEG_TTL, serial=None):
    if serial is None:
        serial = d.serial()
    return "%s %d IN SOA %s" % (d.origin, ttl, SOA_RDATA % serial)


def nodata(d, r):
    check(r, dns.rcode.NOERROR, authority=[soa(d)])


def nxdomain(d, r):
    check(r, dns.rcode.NXDOMAIN, authority=[soa(d)])


def addrs(owner, ttl, *ips):
    return ["%s %d IN %s %s" % (owner, ttl, "AAAA" if ":" in ip else "A", ip)
            for ip in ips]


def cname(owner, ttl, target):
    return "%s %d IN CNAME %s" % (owner, ttl, target)


def status_name(d, app):
    return d.ctl_json("app", "show", app)["status_name"]


def txt(owner, text, ttl=30):
    return '%s %d IN TXT "%s"' % (owner, ttl, text)


# -- apex -----------------------------------------------------------------

def test_apex_soa_carries_the_store_serial(daemon):
    d = daemon
    serial = d.serial()
    r = ask(d, d.origin, "SOA")
    check(r, dns.rcode.NOERROR,
          answer=["%s 3600 IN SOA %s" % (d.origin, SOA_RDATA % serial)])

    d.ctl("app", "add", "web1", "--addr", "192.0.2.1")
    d.ctl("app", "add", "web2", "--addr", "192.0.2.2")
    label = d.create_group("--primary", "web1", "--backup", "web2")
    before = d.serial()
    assert before == serial + 3
    check(ask(d, d.origin, "SOA", rd=False), dns.rcode.NOERROR,
          answer=["%s 3600 IN SOA %s" % (d.origin, SOA_RDATA % before)])
    d.ctl("group", "switch", label)
    after = d.serial()
    assert after == before + 1
    check(ask(d, d.origin, "SOA"), dns.rcode.NOERROR,
          answer=["%s 3600 IN SOA %s" % (d.origin, SOA_RDATA % after)])


@pytest.mark.daemon(ns_ttl=7200, nameservers=[
    ("ns1." + ORIGIN, ["127.0.0.1", "::1"]),
    ("ns2." + ORIGIN, ["192.0.2.53"]),
    ("ns.elsewhere.example.", [])])
def test_apex_ns_with_glue_for_in_zone_nameservers(daemon):
    d = daemon
    r = ask(d, d.origin, "NS")
    check(r, dns.rcode.NOERROR,
          answer=["%s 7200 IN NS %s" % (d.origin, ns) for ns in
                  (NS1, "ns2." + d.origin, "ns.elsewhere.example.")],
          additional=addrs(NS1, 7200, "127.0.0.1", "::1") +
          addrs("ns2." + d.origin, 7200, "192.0.2.53"))


@pytest.mark.daemon(ns_ttl=7200, nameservers=[
    ("ns1." + ORIGIN, ["127.0.0.1", "::1"]),
    ("ns2." + ORIGIN, ["192.0.2.53", "192.0.2.54"]),
    ("ns.elsewhere.example.", [])])
def test_in_zone_nameserver_addresses(daemon):
    d = daemon
    check(ask(d, NS1, "A"), dns.rcode.NOERROR,
          answer=addrs(NS1, 7200, "127.0.0.1"))
    check(ask(d, NS1, "AAAA"), dns.rcode.NOERROR,
          answer=addrs(NS1, 7200, "::1"))
    ns2 = "ns2." + d.origin
    check(ask(d, ns2, "A"), dns.rcode.NOERROR,
          answer=addrs(ns2, 7200, "192.0.2.53", "192.0.2.54"))
    nodata(d, ask(d, ns2, "AAAA"))      # it has no IPv6 address
    nodata(d, ask(d, NS1, "TXT"))
    nodata(d, ask(d, NS1, "CNAME"))
    # Not our zone: the out-of-zone nameserver's addresses are not ours.
    check(ask(d, "ns.elsewhere.example.", "A"), dns.rcode.REFUSED,
          aa=False)


# -- groups ---------------------------------------------------------------

def test_group_with_a_host_name_answers_a_cname(daemon):
    d = daemon
    d.ctl("app", "add", "web", "--cname", "lb-1.example.com")
    label = d.create_group("--primary", "web", "--ttl", "45")
    name = d.fqdn(label)
    for rdtype in ("A", "AAAA", "TXT", "MX", "CNAME", "SRV", "HTTPS"):
        check(ask(d, name, rdtype), dns.rcode.NOERROR,
              answer=[cname(name, 45, "lb-1.example.com.")])
    # SOA and NS too: a CNAME is alone at its name and answers every
    # type (RFC 1034 3.6.2, 4.3.2), as a secondary serving the export does.
    for rdtype in ("SOA", "NS"):
        check(ask(d, name, rdtype), dns.rcode.NOERROR,
              answer=[cname(name, 45, "lb-1.example.com.")])


def test_cname_to_another_group_is_followed(daemon):
    d = daemon
    d.ctl("app", "add", "addrs", "--addr", "192.0.2.7", "--addr",
          "192.0.2.8")
    # a host name in the zone must name something there: groups first
    d.create_group("--label", "chain-b", "--primary", "addrs", "--ttl", "20")
    d.create_group("--label", "chain-c")
    d.ctl("app", "add", "to-b", "--cname", "chain-b." + d.origin)
    d.ctl("app", "add", "to-c", "--cname", "chain-c." + d.origin)
    d.ctl("app", "add", "ext", "--cname", "lb.example.com")
    d.create_group("--label", "chain-a", "--primary", "to-b", "--ttl", "40")
    a, b = d.fqdn("chain-a"), d.fqdn("chain-b")
    check(ask(d, a, "A"), dns.rcode.NOERROR, ordered=True,
          answer=[cname(a, 40, b)] + addrs(b, 20, "192.0.2.7", "192.0.2.8"))
    # The target has no AAAA: the CNAME, then its NODATA.
    check(ask(d, a, "AAAA"), dns.rcode.NOERROR, ordered=True,
          answer=[cname(a, 40, b)], authority=[soa(d)])
    # qtype CNAME: the CNAME alone, not followed.
    check(ask(d, a, "CNAME"), dns.rcode.NOERROR, answer=[cname(a, 40, b)])

    # b now points at a reserved group, a name with no records: NXDOMAIN
    # after the chain.
    d.ctl("group", "set", "chain-b", "--primary", "to-c")
    check(ask(d, a, "A"), dns.rcode.NXDOMAIN, ordered=True,
          answer=[cname(a, 40, b), cname(b, 20, "chain-c." + d.origin)],
          authority=[soa(d)])
    # ... and out of the zone: the chain ends there, the resolver goes on.
    d.ctl("group", "set", "chain-b", "--primary", "ext")
    check(ask(d, a, "A"), dns.rcode.NOERROR, ordered=True,
          answer=[cname(a, 40, b), cname(b, 20, "lb.example.com.")])


def chain(d, prefix, links):
    """Groups PREFIX-0 .. PREFIX-<links>, each a CNAME to the next, the
    last one answering 192.0.2.99; the CNAME records expected, in order."""
    d.create_group("--label", "%s-%d" % (prefix, links), "--primary", "end")
    # from the end: each host name names a group that exists already
    for i in reversed(range(links)):
        app = "%s-to-%d" % (prefix, i + 1)
        d.ctl("app", "add", app, "--cname",
              d.fqdn("%s-%d" % (prefix, i + 1)))
        d.create_group("--label", "%s-%d" % (prefix, i), "--primary", app)
    return [cname(d.fqdn("%s-%d" % (prefix, i)), 30,
                  d.fqdn("%s-%d" % (prefix, i + 1))) for i in range(links)]


def test_cname_chain_is_followed_up_to_the_limit(daemon):
    d = daemon
    d.ctl("app", "add", "end", "--addr", "192.0.2.99")
    # 7 links: every one followed, down to the address.
    want = chain(d, "short", 7)
    check(ask(d, d.fqdn("short-0"), "A"), dns.rcode.NOERROR, ordered=True,
          answer=want + addrs(d.fqdn("short-7"), 30, "192.0.2.99"))
    # 12 links: the answer stops after 8 CNAMEs (README: at most 8 links).
    want = chain(d, "long", 12)
    check(ask(d, d.fqdn("long-0"), "A"), dns.rcode.NOERROR, ordered=True,
          answer=want[:8])
    # The middle of the chain answers from there on.
    check(ask(d, d.fqdn("long-5"), "A"), dns.rcode.NOERROR, ordered=True,
          answer=want[5:] + addrs(d.fqdn("long-12"), 30, "192.0.2.99"))


def test_cname_loop_between_groups_cannot_be_made(daemon):
    # flipctl refuses a loop (test_ctl_input.py), so none is served; how
    # an answer stops at a loop in an older store is a unit test
    # (test_answer.c, test_cname_loop_limited).
    d = daemon
    d.create_group("--label", "loop-a", "--ttl", "11")
    d.create_group("--label", "loop-b", "--ttl", "12")
    d.ctl("app", "add", "to-b", "--cname", "loop-b." + d.origin)
    d.ctl("app", "add", "to-a", "--cname", "LOOP-A." + d.origin)
    d.ctl("group", "set", "loop-a", "--primary", "to-b")
    r = d.ctl("group", "set", "loop-b", "--primary", "to-a", check=False)
    assert r.returncode == 1 and "CNAME loop" in r.stderr, r
    a, b = d.fqdn("loop-a"), d.fqdn("loop-b")
    # loop-b still has no records: the chain ends there
    check(ask(d, a, "A"), dns.rcode.NXDOMAIN, ordered=True,
          answer=[cname(a, 11, b)], authority=[soa(d)])
    check(ask(d, d.origin, "SOA"), dns.rcode.NOERROR,
          answer=[soa(d, ttl=3600)])


def test_group_with_addresses_answers_exact_sets(daemon):
    d = daemon
    v4 = ["192.0.2.10", "192.0.2.11", "198.51.100.7"]
    v6 = ["2001:db8::10", "2001:db8::11"]
    args = []
    for ip in v4 + v6:
        args += ["--addr", ip]
    d.ctl("app", "add", "both", *args)
    d.ctl("app", "add", "v6only", "--addr", "2001:db8::99")
    both = d.fqdn(d.create_group("--primary", "both"))
    v6only = d.fqdn(d.create_group("--primary", "v6only", "--ttl", "90"))

    check(ask(d, both, "A"), dns.rcode.NOERROR, answer=addrs(both, 30, *v4))
    check(ask(d, both, "AAAA", rd=False), dns.rcode.NOERROR,
          answer=addrs(both, 30, *v6))
    check(ask(d, v6only, "AAAA"), dns.rcode.NOERROR,
          answer=addrs(v6only, 90, "2001:db8::99"))
    nodata(d, ask(d, v6only, "A"))
    for rdtype in ("TXT", "MX", "CNAME", "SOA", "NS", "SRV"):
        nodata(d, ask(d, both, rdtype))


def test_reserved_group_answers_nxdomain(daemon):
    # No app on the active side: no record, so no name, as in the export.
    d = daemon
    name = d.fqdn(d.create_group())
    for rdtype in ("A", "AAAA", "CNAME", "TXT", "SOA", "NS", "ANY"):
        nxdomain(d, ask(d, name, rdtype))
    # Emptied again after pointing at an app.
    d.ctl("app", "add", "web", "--addr", "192.0.2.1")
    d.ctl("group", "set", name, "--primary", "web")
    check(ask(d, name, "A"), dns.rcode.NOERROR,
          answer=addrs(name, 30, "192.0.2.1"))
    d.ctl("group", "set", name, "--primary", "none")
    nxdomain(d, ask(d, name, "A"))
    # A CNAME chain ending there ends in NXDOMAIN (RFC 6604).
    d.ctl("app", "add", "to-reserved", "--cname", name)
    via = d.fqdn(d.create_group("--primary", "to-reserved"))
    check(ask(d, via, "A"), dns.rcode.NXDOMAIN,
          answer=[cname(via, 30, name)], authority=[soa(d)])


def test_status_txt_follows_switches(daemon):
    d = daemon
    d.ctl("app", "add", "web1", "--addr", "192.0.2.1")
    d.ctl("app", "add", "web2", "--cname", "lb.example.com")
    s1, s2 = status_name(d, "web1"), status_name(d, "web2")
    assert re.match(r"^[a-z2-7]{12}\._status\.%s$" % re.escape(d.origin), s1)
    assert s1 != s2

    def expect(st1, st2):
        check(ask(d, s1, "TXT"), dns.rcode.NOERROR, answer=[txt(s1, st1)])
        check(ask(d, s2, "TXT"), dns.rcode.NOERROR, answer=[txt(s2, st2)])
        assert d.ctl("app", "status", "web1").stdout.strip() == st1
        assert d.ctl("app", "status", "web2").stdout.strip() == st2

    expect("none", "none")
    g = d.create_group("--primary", "web1", "--backup", "web2")
    expect("online", "offline")
    d.ctl("group", "switch", g)
    expect("offline", "online")
    g2 = d.create_group("--primary", "web1")
    expect("online", "online")
    d.ctl("group", "set", g2, "--primary", "none")
    d.ctl("group", "switch", g, "--to", "primary")
    expect("online", "offline")
    d.ctl("group", "set", g, "--backup", "none")
    expect("online", "none")

    # The name is case-insensitive, and the question keeps its case.
    upper = s1.upper()
    r = ask(d, upper, "TXT")
    check(r, dns.rcode.NOERROR, answer=[txt(s1, "online")])
    assert r.question[0].name.to_text() == upper
    # Other types at a status name: NODATA; the empty non-terminal
    # _status itself: NODATA; below a status name: NXDOMAIN.
    nodata(d, ask(d, s1, "A"))
    nodata(d, ask(d, "_status." + d.origin, "TXT"))
    nxdomain(d, ask(d, "x." + s1, "TXT"))
    nxdomain(d, ask(d, "aaaaaaaaaaaa._status." + d.origin, "TXT"))
    # A removed app's status name is gone.
    d.ctl("app", "remove", "--yes", "web2")
    nxdomain(d, ask(d, s2, "TXT"))


def test_nxdomain_below_unknown_or_deleted(daemon):
    d = daemon
    d.ctl("app", "add", "web", "--addr", "192.0.2.1")
    label = d.create_group("--primary", "web")
    gone = d.create_group()
    d.ctl("group", "delete", "--yes", gone)
    for name in ("x." + d.fqdn(label),          # below a group
                 "a.b." + d.fqdn(label),
                 d.fqdn("nosuchlabel"),         # unknown
                 d.fqdn("aaaaaaaaaaaa"),
                 "x.nosuchlabel." + d.origin,
                 d.fqdn(gone),                  # deleted (tombstoned)
                 "x." + d.fqdn(gone),
                 "x.ns1." + d.origin):          # below a nameserver
        for rdtype in ("A", "AAAA", "TXT"):
            nxdomain(d, ask(d, name, rdtype))
    # The live group next to them still answers.
    check(ask(d, d.fqdn(label), "A"), dns.rcode.NOERROR,
          answer=addrs(d.fqdn(label), 30, "192.0.2.1"))


def test_outside_the_zone_is_refused_without_aa(daemon):
    d = daemon
    for name in ("example.com.", "example.test.", "test.", ".",
                 "xfailover.example.test.", "failover.example.test.evil.",
                 "ns1.failover.example.org."):
        for rdtype in ("A", "SOA", "NS", "ANY"):
            check(ask(d, name, rdtype), dns.rcode.REFUSED, aa=False)


def test_any_is_one_rrset(daemon):
    d = daemon
    d.ctl("app", "add", "both", "--addr", "192.0.2.1", "--addr",
          "192.0.2.2", "--addr", "2001:db8::1")
    d.ctl("app", "add", "v6", "--addr", "2001:db8::6")
    d.ctl("app", "add", "host", "--cname", "lb.example.com")
    both = d.fqdn(d.create_group("--primary", "both"))
    v6 = d.fqdn(d.create_group("--primary", "v6"))
    host = d.fqdn(d.create_group("--primary", "host", "--ttl", "50"))
    st = status_name(d, "both")

    check(ask(d, d.origin, "ANY"), dns.rcode.NOERROR,
          answer=["%s 3600 IN SOA %s" % (d.origin, SOA_RDATA % d.serial())])
    r = ask(d, both, "ANY")
    assert records(r.answer) in (
        sorted(addrs(both, 30, "192.0.2.1", "192.0.2.2")),
        addrs(both, 30, "2001:db8::1")), r
    check(r, dns.rcode.NOERROR, answer=records(r.answer))
    check(ask(d, v6, "ANY"), dns.rcode.NOERROR,
          answer=addrs(v6, 30, "2001:db8::6"))
    check(ask(d, host, "ANY"), dns.rcode.NOERROR,
          answer=[cname(host, 50, "lb.example.com.")])
    check(ask(d, st, "ANY"), dns.rcode.NOERROR, answer=[txt(st, "online")])
    r = ask(d, NS1, "ANY")
    assert records(r.answer) in (addrs(NS1, 3600, "127.0.0.1"),
                                 addrs(NS1, 3600, "::1")), r
    check(r, dns.rcode.NOERROR, answer=records(r.answer))
    nxdomain(d, ask(d, d.fqdn("nosuchlabel"), "ANY"))


@pytest.mark.daemon(soa_ttl=20, minimum=300)
def test_negative_ttl_is_soa_ttl_when_smaller(daemon):
    d = daemon
    rdata = "%s hostmaster.example.test. %d 3600 600 604800 300" % (
        NS1, d.serial())
    neg = "%s 20 IN SOA %s" % (d.origin, rdata)
    check(ask(d, d.fqdn("nosuchlabel"), "A"), dns.rcode.NXDOMAIN,
          authority=[neg])
    check(ask(d, d.origin, "TXT"), dns.rcode.NOERROR, authority=[neg])
    check(ask(d, d.origin, "SOA"), dns.rcode.NOERROR,
          answer=["%s 20 IN SOA %s" % (d.origin, rdata)])


@pytest.mark.daemon(soa_ttl=600, minimum=45)
def test_negative_ttl_is_minimum_when_smaller(daemon):
    d = daemon
    rdata = "%s hostmaster.example.test. %d 3600 600 604800 45" % (
        NS1, d.serial())
    neg = "%s 45 IN SOA %s" % (d.origin, rdata)
    check(ask(d, d.fqdn("nosuchlabel"), "A"), dns.rcode.NXDOMAIN,
          authority=[neg])
    check(ask(d, d.origin, "A"), dns.rcode.NOERROR, authority=[neg])


@pytest.mark.daemon(ttl=90)
def test_group_ttl(daemon):
    d = daemon
    d.ctl("app", "add", "web", "--addr", "192.0.2.1")
    d.ctl("app", "add", "host", "--cname", "lb.example.com")
    dflt = d.fqdn(d.create_group("--primary", "web"))
    own = d.fqdn(d.create_group("--primary", "web", "--ttl", "300"))
    check(ask(d, dflt, "A"), dns.rcode.NOERROR,
          answer=addrs(dflt, 90, "192.0.2.1"))
    check(ask(d, own, "A"), dns.rcode.NOERROR,
          answer=addrs(own, 300, "192.0.2.1"))
    d.ctl("group", "set", own, "--ttl", "5", "--primary", "host")
    check(ask(d, own, "A"), dns.rcode.NOERROR,
          answer=[cname(own, 5, "lb.example.com.")])
    # The status TXT lives zone.ttl, like a default group answer.
    st = status_name(d, "web")
    check(ask(d, st, "TXT"), dns.rcode.NOERROR,
          answer=[txt(st, "online", ttl=90)])


# -- with the real dig and kdig -------------------------------------------

def run_tool(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, "%s: %s%s" % (cmd, r.stdout, r.stderr)
    return r.stdout


def section(out, title):
    """The record lines of one section of dig's or kdig's output, split
    into fields, owner lower-cased."""
    lines, on = [], False
    for line in out.splitlines():
        if line.startswith(";"):
            on = title in line
            continue
        if on and line.strip():
            f = line.split()
            lines.append([f[0].lower()] + f[1:])
    return sorted(lines)


def test_dig_sees_the_answer(daemon):
    d = daemon
    d.ctl("app", "add", "web", "--addr", "192.0.2.44", "--addr",
          "192.0.2.45")
    name = d.fqdn(d.create_group("--primary", "web", "--ttl", "77"))
    out = run_tool(["dig", "@127.0.0.1", "-p", str(d.port), "+norec",
                    "+noedns", "+nocookie", name, "A"])
    assert re.search(r"opcode: QUERY, status: NOERROR, id: \d+", out), out
    m = re.search(r";; flags: ([a-z ]+);", out)
    assert m and sorted(m.group(1).split()) == ["aa", "qr"], out
    assert re.search(r"QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 0",
                     out), out
    assert section(out, "ANSWER SECTION") == [
        [name, "77", "IN", "A", "192.0.2.44"],
        [name, "77", "IN", "A", "192.0.2.45"]]
    short = run_tool(["dig", "@127.0.0.1", "-p", str(d.port), "+short",
                      name, "A"])
    assert sorted(short.split()) == ["192.0.2.44", "192.0.2.45"]


def test_kdig_over_tcp_sees_nxdomain_with_soa(daemon):
    d = daemon
    name = d.fqdn("nosuchlabel")
    out = run_tool(["kdig", "@127.0.0.1", "-p", str(d.port), "+tcp",
                    "+noedns", name, "AAAA"])
    assert re.search(r"opcode: QUERY; status: NXDOMAIN; id: \d+", out), out
    m = re.search(r"Flags: ([a-z ]+);", out)
    assert m and sorted(m.group(1).split()) == ["aa", "qr", "rd"], out
    assert section(out, "AUTHORITY SECTION") == [
        [d.origin, "30", "IN", "SOA", NS1, "hostmaster.example.test.",
         str(d.serial()), "3600", "600", "604800", "30"]]
    assert section(out, "ANSWER SECTION") == []
