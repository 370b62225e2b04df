"""A secondary loaded from `flipctl export` answers exactly as flipdns does.

flipdns answers from its store and exports through the same record model
(src/dns/records.c); this test checks the promise from outside.  It builds
a zone with every kind of group, exports it, loads the file into NSD on a
free loopback port, and asks both servers the same questions: every name
in the zone, names that do not exist, names below groups and status names,
each with A AAAA CNAME SOA NS TXT MX ANY.  For each it compares the rcode,
AA, and the answer, authority and additional sections (records sorted,
TTLs included).

Deliberate differences, kept out of the zone or the comparison:
* ANY: both answer one RRset (RFC 8482; NSD 4 does so too), but which one
  is the server's choice.  flipdns's must be one of NSD's: the same
  records NSD gives when asked for that type; rcode, AA and authority are
  compared as for any type.
* CNAME chains longer than 8 links: flipdns stops there (README), NSD
  follows on.  The zone's chains are shorter.
* NSD adds the NS set to positive answers unless told not to; flipdns
  answers minimally, so NSD runs with minimal-responses.

The test fails when the model breaks: answering NODATA for a reserved
group, or NODATA for a CNAME group asked SOA, turns it red.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

import flipdns
from flipdns import ORIGIN

NSD = shutil.which("nsd") or "/usr/sbin/nsd"
NSD_CHECKCONF = shutil.which("nsd-checkconf") or "/usr/sbin/nsd-checkconf"
NSD_START_TIMEOUT = 20
TYPES = ("A", "AAAA", "CNAME", "SOA", "NS", "TXT", "MX", "ANY")
EDNS_SIZE = 1232   # both servers' answers here fit; no truncation to compare

NSD_CONF = """\
# written by tests/system/test_dns_export_equivalence.py
server:
  ip-address: 127.0.0.1@{port}
  zonesdir: "{dir}"
  database: ""
  pidfile: "{dir}/nsd.pid"
  xfrdfile: "{dir}/xfrd.state"
  zonelistfile: "{dir}/zone.list"
  logfile: "{dir}/nsd.log"
  username: ""
  chroot: ""
  server-count: 1
  verbosity: 1
  hide-version: yes
  minimal-responses: yes
  refuse-any: no
remote-control:
  control-enable: no
zone:
  name: "{origin}"
  zonefile: "zone.db"
"""


class Nsd:
    """NSD serving one zone file from a temporary directory: no chroot,
    no user switch (the tests run as root), no control socket, in the
    foreground so the test owns the process."""

    def __init__(self, zone_text, origin):
        self.dir = os.path.realpath(tempfile.mkdtemp(prefix="flipdns-nsd-"))
        self.origin = origin
        self.proc = None
        self.port = None
        with open(os.path.join(self.dir, "zone.db"), "w") as f:
            f.write(zone_text)

    def start(self, serial):
        for attempt in range(5):
            self.port = flipdns.free_port(v6=False)
            conf = os.path.join(self.dir, "nsd.conf")
            with open(conf, "w") as f:
                f.write(NSD_CONF.format(port=self.port, dir=self.dir,
                                        origin=self.origin))
            r = subprocess.run([NSD_CHECKCONF, conf], capture_output=True,
                               text=True)
            assert r.returncode == 0, r.stdout + r.stderr
            self.proc = subprocess.Popen(
                [NSD, "-d", "-c", conf], cwd=self.dir,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT)
            if self._wait_ready(serial):
                return self
            self.stop()
            # Lost the port to someone else: try another.
            if "in use" not in self.log():
                break
        raise AssertionError("nsd did not serve the export:\n" + self.log())

    def _wait_ready(self, serial):
        deadline = time.monotonic() + NSD_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                r = self.query(self.origin, "SOA", timeout=0.5)
                if (r.rcode() == dns.rcode.NOERROR and r.answer and
                        r.answer[0][0].serial == serial):
                    return True
            except Exception:
                pass
            time.sleep(0.05)
        return False

    def query(self, name, rdtype, timeout=2):
        q = dns.message.make_query(name, rdtype, use_edns=0,
                                   payload=EDNS_SIZE)
        return dns.query.udp(q, "127.0.0.1", port=self.port,
                             timeout=timeout)

    def log(self):
        try:
            with open(os.path.join(self.dir, "nsd.log"),
                      errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cleanup(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def flip_query(d, name, rdtype):
    return d.query(name, rdtype, use_edns=0, payload=EDNS_SIZE)


def lines(section):
    """A section as sorted "owner ttl class type rdata" lines."""
    return sorted(line.lower() for rrset in section
                  for line in rrset.to_text().splitlines())


def view(r):
    """What is compared: rcode, AA, and the three sections (no OPT)."""
    return {"rcode": dns.rcode.to_text(r.rcode()),
            "aa": bool(r.flags & dns.flags.AA),
            "tc": bool(r.flags & dns.flags.TC),
            "answer": lines(r.answer),
            "authority": lines(r.authority),
            "additional": lines(r.additional)}


# -- the zone -------------------------------------------------------------

# (label, primary app, backup app, ttl); apps below.  Labels are chosen so
# the failure messages read well; the CNAME apps point at them.
APPS = [
    ("both", ["--addr", "192.0.2.1", "--addr", "192.0.2.2",
              "--addr", "2001:db8::1", "--addr", "2001:db8::2"]),
    ("v4", ["--addr", "192.0.2.4"]),
    ("v6", ["--addr", "2001:db8::6"]),
    ("back", ["--addr", "198.51.100.9", "--addr", "2001:db8:b::9"]),
    ("out", ["--cname", "lb.example.com"]),
    ("to-addrs", ["--cname", "addrs." + ORIGIN]),
    ("to-chain", ["--cname", "chain." + ORIGIN]),
    ("to-reserved", ["--cname", "reserved." + ORIGIN]),
    ("to-apex", ["--cname", ORIGIN]),
    ("to-ns1", ["--cname", "ns1." + ORIGIN]),
    ("to-deep", ["--cname", "deep." + ORIGIN]),
    ("unused", ["--addr", "192.0.2.200"]),    # in no group: status none
]
GROUPS = [
    ("addrs", "both", None, None),           # A + AAAA
    ("v4only", "v4", None, "90"),
    ("v6only", "v6", None, None),
    ("switched", "both", "back", "120"),     # switched to backup below
    ("primary-only", "v4", None, None),
    ("standby", "both", "back", None),       # backup there, not active
    ("cname-out", "out", None, "45"),        # CNAME out of the zone
    ("chain", "to-addrs", None, "50"),       # CNAME to a group in-zone
    ("chain2", "to-chain", None, None),      # two links
    ("to-reserved", "to-reserved", None, None),
    # No loops, no chain into a deleted or missing name: flipctl refuses
    # to make them now (test_ctl_input.py).
    ("to-apex", "to-apex", None, None),      # SOA, NS through a CNAME
    ("to-ns1", "to-ns1", None, None),
    ("to-deep", "to-deep", None, None),      # to an empty non-terminal
    ("reserved", None, None, None),          # no app: no records
    ("gone", None, None, None),              # deleted below
]


def build_zone(d):
    # the groups first: a host name in the zone must name one that exists
    for label, _, _, _ in GROUPS:
        d.create_group("--label", label)
    for name, args in APPS:
        d.ctl("app", "add", name, *args)
    for label, primary, backup, ttl in GROUPS:
        args = []
        if primary:
            args += ["--primary", primary]
        if backup:
            args += ["--backup", backup]
        if ttl:
            args += ["--ttl", ttl]
        if args:
            d.ctl("group", "set", label, *args)
    d.ctl("group", "switch", "switched")
    d.ctl("group", "delete", "--yes", "gone")


def questions(d):
    """Every name of the zone, and names around them that do not exist."""
    o = d.origin
    status = [d.ctl_json("app", "show", name)["status_name"]
              for name, _ in APPS]
    names = [o, "ns1." + o, "ns3.deep." + o, "deep." + o, "_status." + o]
    names += [d.fqdn(label) for label, _, _, _ in GROUPS]
    names += status
    names += ["nothere." + o, "x.addrs." + o, "a.b.chain." + o,
              "x.reserved." + o, "x.gone." + o, "x.ns1." + o,
              "x.deep." + o, "x." + status[0], "zzzzzzzzzzzz._status." + o,
              "x.y.z." + o, "other.example."]
    return names


@pytest.fixture
def nsd_factory():
    started = []

    def start(zone_text, origin, serial):
        n = Nsd(zone_text, origin)
        started.append(n)
        return n.start(serial)
    yield start
    for n in started:
        n.cleanup()


@pytest.mark.daemon(nameservers=[
    ("ns1." + ORIGIN, ["127.0.0.1", "::1"]),
    ("ns3.deep." + ORIGIN, ["127.0.0.3"]),
    ("ns.elsewhere.example.", [])])
def test_nsd_serving_the_export_answers_as_flipdns(daemon, nsd_factory):
    assert os.access(NSD, os.X_OK), "nsd is missing: run tools/deps test"
    d = daemon
    build_zone(d)
    zone = d.ctl("export").stdout
    nsd = nsd_factory(zone, d.origin, d.serial())

    diffs, compared = [], 0
    nsd_answers = {}
    for name in questions(d):
        for rdtype in TYPES:
            want = nsd.query(name, rdtype)
            got = flip_query(d, name, rdtype)
            nsd_answers[(name, rdtype)] = want
            w, g = view(want), view(got)
            if rdtype == "ANY":
                # One RRset each, the server's pick: flipdns's must be
                # what NSD answers for that RRset's type.
                assert len(got.answer) <= 1, got
                if got.answer and got.answer[0].rdtype != \
                        dns.rdatatype.CNAME:
                    t = dns.rdatatype.to_text(got.answer[0].rdtype)
                    w["answer"] = lines(
                        rs for rs in nsd.query(name, t).answer
                        if rs.name == got.answer[0].name and
                        rs.rdtype == got.answer[0].rdtype)
                w["additional"] = g["additional"] = []
            compared += 1
            if w != g:
                diffs.append("%s %s\n  nsd:     %s\n  flipdns: %s"
                             % (name, rdtype, w, g))
    assert not diffs, "%d of %d answers differ:\n%s\n--- export:\n%s" % (
        len(diffs), compared, "\n".join(diffs), zone)

    # Spot checks, so "the same" cannot mean "both empty" or "both wrong".
    o = d.origin

    def rc(name, rdtype):
        return nsd_answers[(name, rdtype)].rcode()
    assert rc("reserved." + o, "A") == dns.rcode.NXDOMAIN
    assert rc("gone." + o, "A") == dns.rcode.NXDOMAIN
    assert rc("to-reserved." + o, "A") == dns.rcode.NXDOMAIN
    assert rc("deep." + o, "A") == dns.rcode.NOERROR
    r = nsd_answers[("cname-out." + o, "SOA")]
    assert lines(r.answer) == [
        "cname-out.%s 45 in cname lb.example.com." % o], r
    r = nsd_answers[("to-apex." + o, "NS")]
    assert len(r.answer) == 2 and r.additional, r
    r = nsd_answers[("switched." + o, "A")]
    assert lines(r.answer) == ["switched.%s 120 in a 198.51.100.9" % o], r
    r = nsd_answers[("chain2." + o, "AAAA")]
    assert len(r.answer) == 3, r
    assert compared == len(questions(d)) * len(TYPES)
