"""IXFR from the journal to real NSD, Knot and BIND secondaries.

* After the first AXFR, later transfers are IXFR: flipctl secondaries
  (which tells secondaries apart by the address their transfers come
  from) and flipdns's transfer log say so for each.
* An app set that moves 1,000 groups reaches the secondaries as one IXFR
  of one delta, and each then answers the new address for every group.
* A journal shorter than the gap (journal.max_serials 3, a secondary away
  for 5 commits) gives an AXFR, and the secondary converges.
* A secondary stopped during 50 switches catches up when it returns.
* flipdns restarted between changes still serves IXFR from its journal.
"""

import os

import pytest

import secondaries
from test_xfr_fleet import Fleet, lines

SECS = secondaries.ALL


def transfers(fl):
    """flipctl secondaries: {address: (kind, serial)} of last transfers."""
    out = {}
    for s in fl.d.ctl_json("secondaries")["secondaries"]:
        t = s["transfer"]
        out[s["address"].split(":")[0]] = (t["kind"], t["serial"]) if t \
            else None
    return out


def xfr_lines(fl, after=0):
    return [l for l in fl.d.read_log()[after:].splitlines() if "xfr: " in l]


@pytest.fixture
def make_fleet(request):
    made = []

    def make(**kw):
        fl = Fleet(**kw)
        made.append(fl)
        return fl.start()
    yield make
    rep = getattr(request.node, "rep_call", None)
    for fl in made:
        if rep is not None and rep.failed:
            print(fl.logs())
        fl.cleanup()


def test_later_transfers_are_ixfr(make_fleet):
    fl = make_fleet()
    d = fl.d
    d.ctl("app", "add", "a", "--addr", "192.0.2.1")
    d.ctl("app", "add", "b", "--addr", "192.0.2.2")
    label = d.create_group("--primary", "a", "--backup", "b")
    fl.wait_all()
    first = transfers(fl)
    offset = len(d.read_log())
    for _ in range(3):
        d.ctl("group", "switch", label)
        fl.wait_all()
    last = transfers(fl)
    serial = d.serial()
    for s in fl.secs:
        assert first[s.addr] is not None, first
        assert last[s.addr] == ("IXFR", serial), (s.name, last)
    # flipdns's log: only IXFRs since, one or more per secondary
    log = xfr_lines(fl, offset)
    assert log and all("IXFR to" in l and "(from the journal)" in l
                       for l in log), "\n".join(log)
    for s in fl.secs:
        assert any("to %s#" % s.addr in l for l in log), (s.name, log)
    # and the secondary's own word, where it logs the kind (Knot)
    assert "IXFR, incoming" in fl.secs[1].log()


def test_app_set_moving_1000_groups_is_one_ixfr(make_fleet):
    fl = make_fleet()
    d = fl.d
    path = os.path.join(d.dir, "many.yaml")
    with open(path, "w") as f:
        f.write("apps:\n  - {name: web, addrs: [192.0.2.1]}\n"
                "  - {name: spare, addrs: [192.0.2.9]}\ngroups:\n")
        for i in range(1000):
            f.write("  - {label: m%04d, primary: web, backup: spare}\n" % i)
    d.ctl("import", path)
    fl.wait_all()
    offset = len(d.read_log())
    d.ctl("app", "set", "web", "--addr", "198.51.100.7")
    serial = d.serial()
    fl.wait_all(serial)
    log = xfr_lines(fl, offset)
    for s in fl.secs:
        mine = [l for l in log if "to %s#" % s.addr in l]
        # one IXFR: SOA, old SOA, 1,000 A removed, new SOA, 1,000 added, SOA
        assert len(mine) == 1 and "IXFR to" in mine[0] and \
            "serial %d (from the journal): 2004 records" % serial in \
            mine[0], (s.name, log)
        for i in range(0, 1000, 7):
            got = lines(s.query(d.fqdn("m%04d" % i), "A").answer)
            assert got == ["m%04d.%s 30 in a 198.51.100.7"
                           % (i, d.origin)], (s.name, i, got)


def test_journal_shorter_than_the_gap_gives_axfr(make_fleet):
    fl = make_fleet(extra="  journal: {max_serials: 3}\n")
    d = fl.d
    d.ctl("app", "add", "a", "--addr", "192.0.2.1")
    d.ctl("app", "add", "b", "--addr", "192.0.2.2")
    label = d.create_group("--primary", "a", "--backup", "b")
    fl.wait_all()
    for s in fl.secs:
        s.stop()
    for _ in range(5):
        d.ctl("group", "switch", label)
    offset = len(d.read_log())
    for s in fl.secs:
        s.start(port=s.port)
    fl.wait_all()
    want = lines(d.query(d.fqdn(label), "A").answer)
    log = xfr_lines(fl, offset)
    for s in fl.secs:
        assert lines(s.query(d.fqdn(label), "A").answer) == want, s.name
        mine = [l for l in log if "to %s#" % s.addr in l]
        assert mine and not any("(from the journal)" in l for l in mine), \
            (s.name, log)
        # Knot and BIND keep their zone across a restart and ask for an
        # IXFR from it; NSD, without a zone file written, asks for AXFR
        if s.name != "nsd":
            assert any("IXFR as AXFR to" in l for l in mine), (s.name, log)


def test_stopped_secondary_catches_up(make_fleet):
    fl = make_fleet()
    d = fl.d
    d.ctl("app", "add", "a", "--addr", "192.0.2.1")
    d.ctl("app", "add", "b", "--cname", "lb.example.com")
    labels = [d.create_group("--primary", "a", "--backup", "b")
              for _ in range(5)]
    fl.wait_all()
    # Knot and BIND keep their zone while stopped (NSD, with no zone file
    # written, would start over with an AXFR)
    away = [s for s in fl.secs if s.name != "nsd"]
    for s in away:
        s.stop()
    for i in range(50):
        d.ctl("group", "switch", labels[i % 5])
    for s in away:
        lag = [e for e in d.ctl_json("secondaries")["secondaries"]
               if e["address"].startswith(s.addr + ":")][0]["lag"]
        assert lag == 50, (s.name, lag)
    for s in away:
        s.start(port=s.port)
    fl.wait_all()
    for label in labels:
        for t in ("A", "CNAME"):
            want = lines(d.query(d.fqdn(label), t).answer)
            for s in fl.secs:
                assert lines(s.query(d.fqdn(label), t).answer) == want, \
                    (s.name, label, t)
    for s in away:
        assert transfers(fl)[s.addr][0] == "IXFR", (s.name, transfers(fl))


def test_restart_keeps_ixfr(make_fleet):
    """Deltas written before a restart serve IXFR after it: Knot and BIND
    (which keep their zones) are away across the restart and the changes
    before it."""
    fl = make_fleet()
    d = fl.d
    d.ctl("app", "add", "a", "--addr", "192.0.2.1")
    d.ctl("app", "add", "b", "--addr", "192.0.2.2")
    label = d.create_group("--primary", "a", "--backup", "b")
    fl.wait_all()
    away = [s for s in fl.secs if s.name != "nsd"]
    for s in away:
        s.stop()
    for _ in range(3):
        d.ctl("group", "switch", label)
    d.restart()
    offset = len(d.read_log())
    for s in away:
        s.start(port=s.port)
    fl.wait_all()
    log = xfr_lines(fl, offset)
    for s in away:
        mine = [l for l in log if "to %s#" % s.addr in l]
        assert mine and all("IXFR to" in l and "(from the journal)" in l
                            for l in mine), (s.name, log)
    want = lines(d.query(d.fqdn(label), "A").answer)
    for s in fl.secs:
        assert lines(s.query(d.fqdn(label), "A").answer) == want, s.name


def test_reload_that_changes_the_zone_reaches_secondaries(make_fleet):
    """A reload that changes the zone's own records (here the SOA
    minimum) raises the serial and breaks the journal: the secondaries
    take the whole zone and serve the new SOA."""
    fl = make_fleet()
    d = fl.d
    d.ctl("app", "add", "a", "--addr", "192.0.2.1")
    fl.wait_all()
    before = d.serial()
    offset = len(d.read_log())
    d.settings["minimum"] = 42
    d.write_config()
    d.ctl("reload")
    d.wait_log("zone.reload", offset)
    assert d.serial() != before
    fl.wait_all()
    for s in fl.secs:
        assert s.query(d.origin, "SOA").answer[0][0].minimum == 42, s.name
    log = xfr_lines(fl, offset)
    assert not any("(from the journal)" in l for l in log), log
    # a reload that changes nothing in the zone leaves the serial alone
    serial = d.serial()
    d.ctl("reload")
    assert d.serial() == serial
