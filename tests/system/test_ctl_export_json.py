"""flipctl export --json: the zone's RRsets as JSON lines.

README "flipctl" (zonefile.h):
  - one object per RRset and line: {"name", "type", "ttl", "data"}, data
    being each record's RDATA as the master file writes it;
  - the same walk of the record model as the master file: the two list
    exactly the same records, at the same snapshot;
  - streamed, like the master file; a bad format in the protocol is
    refused.
"""

import json
import re
import socket

import dns.rdata
import dns.rdataclass
import dns.rdatatype


def seed(d):
    d.ctl("app", "add", "web1", "--addr", "192.0.2.1", "--addr",
          "2001:db8::1")
    d.ctl("app", "add", "web2", "--cname", "lb.example.com")
    d.ctl("group", "create", "--label", "shop", "--primary", "web1",
          "--backup", "web2", "--ttl", "60")
    d.ctl("group", "create", "--label", "blog", "--primary", "web2")
    d.ctl("group", "create", "--label", "empty")


def records_from_text(text):
    """{(name, type): (ttl, sorted rdata)} from the master file."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith(";"):
            continue
        name, ttl, _, rtype, rdata = line.split("\t")
        key = (name, rtype)
        got = out.setdefault(key, (int(ttl), []))
        got[1].append(rdata)
    return {k: (t, sorted(r)) for k, (t, r) in out.items()}


def test_json_lines_hold_what_the_master_file_holds(daemon):
    d = daemon
    seed(d)
    text = d.ctl("export").stdout
    lines = d.ctl("--json", "export").stdout.splitlines()
    rrsets = [json.loads(line) for line in lines]
    assert all(sorted(r) == ["data", "name", "ttl", "type"] for r in rrsets)
    got = {(r["name"], r["type"]): (r["ttl"], sorted(r["data"]))
           for r in rrsets}
    assert len(got) == len(rrsets), "an RRset split over lines"
    assert got == records_from_text(text)
    # the pieces a script reads
    shop = got[(d.fqdn("shop"), "A")]
    assert shop == (60, ["192.0.2.1"])
    assert got[(d.fqdn("shop"), "AAAA")] == (60, ["2001:db8::1"])
    assert got[(d.fqdn("blog"), "CNAME")] == (30, ["lb.example.com."])
    soa = got[(d.origin, "SOA")][1][0].split()
    assert int(soa[2]) == d.serial()
    status = d.ctl_json("app", "show", "web1")["status_name"]
    assert got[(status, "TXT")][1] == ['"online"']
    assert (d.fqdn("empty"), "A") not in got
    # every RDATA parses as what its type says
    for r in rrsets:
        for rd in r["data"]:
            dns.rdata.from_text(dns.rdataclass.IN,
                                dns.rdatatype.from_text(r["type"]), rd)


def test_json_export_of_many_names_streams(daemon, tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text("apps:\n  - {name: a, addrs: [192.0.2.1]}\ngroups:\n" +
                    "".join("  - {label: g%05d, primary: a}\n" % i
                            for i in range(3000)))
    daemon.ctl("import", str(path))
    lines = daemon.ctl("--json", "export").stdout.splitlines()
    names = [json.loads(line)["name"] for line in lines]
    groups = [n for n in names if re.match(r"^g\d{5}\.", n)]
    assert len(groups) == 3000 == len(set(groups))


def test_bad_format_refused(daemon):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(daemon.socket)
        s.sendall(b'{"v": 1, "id": 1, "cmd": "export", '
                  b'"args": {"format": "xml"}}\n')
        reply = json.loads(s.makefile().readline())
    assert reply["ok"] is False
    assert reply["error"]["code"] == "invalid", reply
