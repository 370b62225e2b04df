#!/usr/bin/python3
"""make_corpus.py - write the fuzzers' seed corpora into tests/fuzz/corpus/.

Seeds are realistic inputs that already reach deep into each target, so
the fuzzer spends its time mutating answers, commands and configs rather
than rediscovering the DNS header.  The names used match the fixed store
of fixture.c.  Rerun after changing fixture.c; the output is
deterministic (fixed query IDs), so git shows only real changes.
"""
import os
import struct
import sys

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.rrset
import dns.tsig
import dns.opcode
import dns.rdataclass

HERE = os.path.dirname(os.path.abspath(__file__))
ORIGIN = "failover.example.test."
LONG = "x123456789" * 6 + "xyz"


def query(name, rdtype, rdclass="IN", qid=0x1234, **kw):
    m = dns.message.make_query(name, rdtype, rdclass, **kw)
    m.id = qid
    return m.to_wire()


def answer_seeds():
    o = ORIGIN
    s = {
        "soa-apex": query(o, "SOA"),
        "ns-apex": query(o, "NS"),
        "any-apex-edns": query(o, "ANY", use_edns=0),
        "axfr": query(o, "AXFR"),
        "ixfr": query(o, "IXFR"),
        "a-solo-cname": query("solo." + o, "A"),
        "cname-solo": query("solo." + o, "CNAME"),
        "aaaa-both-edns4096": query("both." + o, "AAAA", use_edns=0,
                                    payload=4096),
        "a-both-do": query("both." + o, "A", want_dnssec=True),
        "aaaa-flipped-big-noedns": query("flipped." + o, "AAAA"),
        "aaaa-flipped-edns512": query("flipped." + o, "AAAA", use_edns=0,
                                      payload=512),
        "a-chain-group-to-group": query("chain." + o, "A", use_edns=0),
        "a-loopy": query("loopy." + o, "A"),
        "a-intoring": query("intoring." + o, "A"),
        "a-long-chain": query("long1." + o, "A", use_edns=0),
        "a-dead-nxtarget": query("dead." + o, "A"),
        "a-reserved-nxdomain": query("reserved." + o, "A"),
        "soa-solo-cname": query("solo." + o, "SOA"),
        "ns-chain-cname": query("chain." + o, "NS", use_edns=0),
        "a-gone-tombstoned": query("gone." + o, "A"),
        "a-nxdomain": query("nosuchgroup." + o, "A"),
        "a-below-group": query("x.solo." + o, "A"),
        "a-ns1-glue": query("ns1." + o, "A"),
        "aaaa-ns2-nodata": query("ns2." + o, "AAAA"),
        "txt-status": query("aaaaaaaaaaaa._status." + o, "TXT"),
        "txt-status-none": query("hhhhhhhhhhhh._status." + o, "TXT"),
        "txt-status-ent": query("_status." + o, "TXT"),
        "aaaa-long-label": query(LONG + "." + o, "AAAA", use_edns=0,
                                 payload=65535),
        "mixed-case-0x20": query("SoLo.FailOver.Example.TEST.", "A"),
        "outside-refused": query("www.example.com.", "A"),
        "root": query(".", "NS"),
        "chaos-version": query("version.bind.", "TXT", "CH"),
        "chaos-id": query("id.server.", "TXT", "CH"),
        "class-any": query("solo." + o, "A", "ANY"),
        "txt-group": query("both." + o, "TXT"),
        "a-apex-ns-nodata": query(o, "A"),
        "aaaa-apex-ns": query(o, "AAAA"),
        "any-ns1": query("ns1." + o, "ANY"),
        "a-broken-record": query("broken." + o, "A"),
        "a-badcname": query("badcname." + o, "A"),
        "a-orphan": query("orphan." + o, "AAAA"),
        "txt-status-bad-app": query("kkkkkkkkkkkk._status." + o, "TXT"),
        "txt-status-ghost": query("jjjjjjjjjjjj._status." + o, "TXT"),
        # the fuzzer's third call sizes the output by the ID's low byte
        "tight-buffer-12": query("solo." + o, "A", qid=0x0003),
        "tight-buffer-opt": query("both." + o, "A", qid=0x000f,
                                  use_edns=0),
        "tight-buffer-drop": query("solo." + o, "A", qid=0x0002),
        "edns-options": query("both." + o, "A", use_edns=0, options=[
            dns.edns.GenericOption(10, b"\x01" * 8),          # cookie
            dns.edns.ECSOption("192.0.2.0", 24)]),
    }
    m = dns.message.make_query("solo." + o, "A")
    m.id = 0x4141
    m.use_edns(edns=1)
    s["badvers"] = m.to_wire()
    m = dns.message.make_query("solo." + o, "A")
    m.id = 0x4242
    m.set_opcode(dns.opcode.NOTIFY)
    s["opcode-notify"] = m.to_wire()
    m = dns.message.make_query("solo." + o, "A")
    m.id = 0x4343
    m.flags |= dns.flags.QR
    s["qr-set-dropped"] = m.to_wire()
    # Hand-made: two questions, and a question name that is one pointer.
    hdr = struct.pack(">HHHHHH", 0x5151, 0x0100, 2, 0, 0, 0)
    q1 = dns.message.make_query("solo." + o, "A").to_wire()[12:]
    s["two-questions"] = hdr + q1 + q1
    hdr = struct.pack(">HHHHHH", 0x5252, 0x0100, 1, 0, 0, 0)
    s["pointer-loop"] = hdr + b"\xc0\x0c\x00\x01\x00\x01"
    s["header-only"] = struct.pack(">HHHHHH", 0x5353, 0x0100, 0, 0, 0, 0)
    # Transfers: IXFR from serials around the fixture's journal (two
    # deltas up to the store's serial), and signed requests: with the
    # fixture's key (fixture.h), an unknown one, a wrong secret.
    for serial in range(1, 60, 4):
        m = dns.message.make_query(o, "IXFR")
        m.id = 0x6000 + serial
        m.authority.append(dns.rrset.from_text(
            o, 0, "IN", "SOA", ". . %d 0 0 0 0" % serial))
        s["ixfr-from-%d" % serial] = m.to_wire()
    for name, key, secret, qtype in (
            ("axfr-signed", "fuzz-key.", b"fuzz-secret-fuzz-secret-fuzz-32b",
             "AXFR"),
            ("soa-signed", "fuzz-key.", b"fuzz-secret-fuzz-secret-fuzz-32b",
             "SOA"),
            ("soa-signed-unknown-key", "other-key.", b"x" * 32, "SOA"),
            ("axfr-signed-wrong-secret", "fuzz-key.", b"y" * 32, "AXFR")):
        m = dns.message.make_query(o, qtype)
        m.id = 0x7000 + len(s)
        m.use_tsig({dns.name.from_text(key): secret}, keyname=key,
                   algorithm=dns.tsig.HMAC_SHA256)
        s[name] = m.to_wire()
    m = dns.message.make_query(o, "IXFR")
    m.id = 0x7100
    m.authority.append(dns.rrset.from_text("other.example.", 0, "IN", "SOA",
                                           ". . 5 0 0 0 0"))
    s["ixfr-bogus-soa"] = m.to_wire()
    return s


REQ = '{"v": 1, "id": %d, "cmd": "%s"%s}'


def req(i, cmd, args=None):
    return (REQ % (i, cmd, ', "args": ' + args if args else "")).encode()


IMPORT_YAML = b"""apps:
  - {name: web9, cname: lb-9.example.com}
  - {name: web8, addrs: [192.0.2.80, "2001:db8::80"]}
groups:
  - {primary: web9, backup: web8}
  - {label: shop, primary: web9, backup: web8, active: backup, ttl: 60}
  - {label: reuse, primary: web1}
"""


APPLY_YAML = b"""apps:
  - {name: web1, cname: lb-1.example.com}
  - {name: spare, delete: true}
groups:
  - {label: both, primary: web1, backup: web2, ttl: 90, active: backup}
  - {label: solo, backup: null}
  - {label: reserved, delete: true}
  - {label: newone, primary: web2}
"""


def control_seeds():
    return {
        "app-add-cname": req(1, "app.add",
                             '{"name": "web3", "cname": "lb-3.example.com"}'),
        "app-add-addrs": req(2, "app.add", '{"name": "web4", "addrs": '
                             '["192.0.2.44", "2001:db8::44"]}'),
        "app-set": req(3, "app.set", '{"name": "web1", "addrs": ["10.0.0.1"]}'),
        "app-list": req(4, "app.list"),
        "app-show": req(5, "app.show", '{"name": "big"}'),
        "app-remove-used": req(6, "app.remove", '{"name": "web1"}'),
        "app-remove-free": req(7, "app.remove", '{"name": "spare"}'),
        "app-status": req(8, "app.status", '{"name": "web2"}'),
        "group-create": req(9, "group.create",
                            '{"primary": "web1", "backup": "web2", "ttl": 60}'),
        "group-create-label": req(10, "group.create",
                                  '{"label": "shop", "primary": "spare"}'),
        "group-create-tombstoned": req(11, "group.create", '{"label": "gone"}'),
        "group-list": req(12, "group.list"),
        "group-show": req(13, "group.show",
                          '{"address": "both.failover.example.test."}'),
        "group-set": req(14, "group.set", '{"address": "solo", '
                         '"backup": "web2", "ttl": 120}'),
        "group-set-null": req(15, "group.set",
                              '{"address": "both", "backup": null}'),
        "group-switch": req(16, "group.switch",
                            '{"address": "both", "to": "backup"}'),
        "group-switch-toggle": req(17, "group.switch", '{"address": "flipped"}'),
        "group-delete": req(18, "group.delete", '{"address": "reserved"}'),
        "group-set-ring": req(25, "group.set", '{"address": "ring2", '
                              '"primary": "hop1"}'),
        "history": req(19, "history", '{"address": "flipped", "limit": 5}'),
        "app-failover": req(26, "app.failover", '{"name": "web1"}'),
        "app-failover-to": req(27, "app.failover",
                               '{"name": "web2", "to": "primary"}'),
        "status": req(20, "status"),
        "export": req(21, "export"),
        "export-json": req(28, "export", '{"format": "json"}'),
        "import": req(22, "import", '{"name": "fuzz.yaml"}') + b"\0"
        + IMPORT_YAML,
        "import-no-payload": req(23, "import"),
        "apply": req(29, "apply", '{"name": "state.yaml"}') + b"\0"
        + APPLY_YAML,
        "apply-dry-run": req(30, "apply", '{"name": "state.yaml", '
                             '"dry_run": true}') + b"\0" + APPLY_YAML,
        "bad-version": b'{"v": 2, "id": "x", "cmd": "status"}',
        "unknown-cmd": b'{"id": null, "cmd": "zone.drop"}',
        "unknown-arg": req(24, "app.show", '{"name": "web1", "nmae": 1}'),
        "not-object": b'["cmd", "status"]',
        "app-check": req(26, "app.check", '{"name": "web1", "type": '
                         '"https", "port": 443, "path": "/healthz", "host": '
                         '"www.example.com", "expect": "200-299,301", "body": '
                         '"ok", "interval": "5", "timeout": "0.5", "fall": 3, '
                         '"rise": "2"}'),
        "app-check-none": req(27, "app.check", '{"name": "web2", "type": '
                              '"none"}'),
        "app-health": req(28, "app.health", '{"name": "web1"}'),
        "group-set-policy": req(29, "group.set", '{"address": "both", '
                                '"policy": "auto", "failback": true, "hold": '
                                '60, "both_down": "primary"}'),
        "import-checks": req(30, "import", '{"name": "h.yaml"}') + b"\0"
        + b"""apps:
  - {name: hc, addrs: [192.0.2.90], check: {type: tcp, port: 22}}
groups:
  - {primary: hc, policy: auto, failback: true, hold: 5}
""",
    }


def config_seeds():
    with open(os.path.join(HERE, "..", "..", "conf", "flipdns.yaml"),
              "rb") as f:
        shipped = f.read()
    full = b"""zone:
  origin: Failover.Example.Test
  ttl: 60
  ns_ttl: 7200
  soa:
    mname: ns1.failover.example.test.
    rname: hostmaster.example.test.
    ttl: 600
    refresh: 3600
    retry: 600
    expire: 604800
    minimum: 300
  nameservers:
    - name: ns1.failover.example.test.
      addresses: [192.0.2.53, "2001:db8::53"]
    - name: ns.outside.example.
listen:
  - 0.0.0.0:53
  - "[::]:53"
storage:
  path: /var/lib/flipdns
  map_size: 16G
control:
  socket: /run/flipdns/control.sock
  allow_uids: [0, 1000, root]
  allow_gids: [root]
workers: 8
edns: {udp_size: 1400}
tcp: {idle_timeout: 30, max_clients: 5000}
chaos: {enabled: yes, id: ns1.example}
log: {syslog: on, queries: true}
rrl: {rate: 20, slip: 2}
user: root
"""
    minimal = b"""zone:
  origin: a.test
  soa: {mname: ns.a.test, rname: h.a.test}
  nameservers: [{name: ns.a.test, addresses: [127.0.0.1]}]
listen: ["127.0.0.1:5353"]
"""
    return {
        "shipped": shipped,
        "full": full,
        "minimal": minimal,
        "anchors": b"""zone: &z
  origin: a.test
  soa: {mname: ns.a.test, rname: h.a.test}
  nameservers: [{name: ns.a.test, addresses: [127.0.0.1]}]
listen: &l ["127.0.0.1:5353"]
storage: {path: *l}
""",
        "unknown-key": minimal + b"colour: blue\n",
        "bad-range": minimal + b"workers: 1000\n",
        "bad-listen": minimal.replace(b"127.0.0.1:5353", b"[::1]:99999"),
        "map-size-suffixes": minimal + b"storage: {map_size: 1024K}\n",
        "duplicate-key": minimal + b"workers: 2\nworkers: 3\n",
        "many-ns": minimal.replace(
            b"nameservers: [{name: ns.a.test, addresses: [127.0.0.1]}]",
            b"nameservers: [" + b", ".join(
                b"{name: ns%d.a.test, addresses: [127.0.0.%d, \"::%d\"]}"
                % (i, i, i) for i in range(1, 10)) + b"]"),
        "ns-at-apex": minimal.replace(b"name: ns.a.test,", b"name: a.test,"),
        "long-name": minimal.replace(
            b"origin: a.test", b"origin: " + b".".join([b"a" * 63] * 4)),
        "empty": b"",
        "multi-doc": minimal + b"---\n" + minimal,
        "tags-and-scalars": minimal + b"workers: !!str 3\nedns: "
        b"{udp_size: '1232'}\nchaos: {enabled: \"off\"}\n",
        "health": minimal + b"""health: {min_interval: 0.25, ca_file: /etc/ssl/ca.pem}
resolver: {addresses: [127.0.0.53, "[::1]:5353"]}
notify:
  webhooks: [http://127.0.0.1:8080/hook, "https://hooks.example.com/x?t=1"]
  secret: s3cret
  retry_max: 30
""",
    }


def write(target, seeds):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    print("%s: %d seeds" % (target, len(seeds)), file=sys.stderr)


if __name__ == "__main__":
    write("answer", answer_seeds())
    write("control", control_seeds())
    write("config", config_seeds())
