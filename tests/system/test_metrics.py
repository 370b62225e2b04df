"""Metrics (README "Metrics"): GET /metrics on metrics.listen serves
Prometheus text that promtool accepts; the counters match a known mix of
queries and commands exactly; `flipctl stats` shows the same numbers."""

import json
import shutil
import socket
import struct
import subprocess
import urllib.error
import urllib.request

import dns.message
import dns.query
import dns.rcode
import pytest

import flipdns

ADDR = "192.0.2.1"


def metrics_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mdaemon(request):
    port = metrics_port()
    d = flipdns.Daemon(metrics_listen="127.0.0.1:%d" % port)
    d.metrics_url = "http://127.0.0.1:%d/metrics" % port
    try:
        d.start()
        yield d
        assert d.stop() == 0, d.read_log()
    finally:
        d.cleanup()


def scrape(d):
    with urllib.request.urlopen(d.metrics_url, timeout=30) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain")
        return r.read().decode()


def samples(text):
    """{'name{label="v"}': value} of every sample line."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            # counts are integers; CPU seconds are not
            out[name] = float(value) if "." in value else int(value)
    return out


def raw_udp(d, wire):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        s.sendto(wire, ("127.0.0.1", d.port))
        try:
            return s.recv(4096)
        except socket.timeout:
            return None


def test_counters_match_a_known_mix(mdaemon):
    d = mdaemon
    d.ctl("app", "add", "web1", "--addr", ADDR)
    label = d.create_group("--primary", "web1")
    d.expect_error("group", "show", "nosuchgroup",          # not_found
                   code=flipdns.EXIT_NOTFOUND)
    d.expect_error("app", "add", "Bad_Name", "--addr", ADDR)  # invalid
    before = samples(scrape(d))

    for _ in range(7):
        assert d.query(d.fqdn(label), "A").rcode() == dns.rcode.NOERROR
    for _ in range(3):
        assert d.query(d.fqdn(label), "AAAA",
                       tcp=True).rcode() == dns.rcode.NOERROR
    for _ in range(4):
        assert d.query(d.fqdn("nosuch"), "TXT").rcode() == \
            dns.rcode.NXDOMAIN
    for _ in range(2):
        assert d.query("example.com.", "A").rcode() == dns.rcode.REFUSED
    # QDCOUNT 2: FORMERR; a response (QR=1): dropped, no answer
    q = dns.message.make_query(d.fqdn(label), "A").to_wire()
    formerr = q[:4] + struct.pack(">H", 2) + q[6:]
    assert raw_udp(d, formerr) is not None
    assert raw_udp(d, q[:2] + bytes([q[2] | 0x80]) + q[3:]) is None
    d.ctl("group", "set", label, "--ttl", "60")
    after = samples(scrape(d))

    def delta(name):
        return after.get(name, 0) - before.get(name, 0)

    assert delta('flipdns_queries_total{proto="udp"}') == 7 + 4 + 2 + 1
    assert delta('flipdns_queries_total{proto="tcp"}') == 3
    assert delta('flipdns_queries_dropped_total{proto="udp"}') == 1
    assert delta('flipdns_queries_by_type_total{qtype="A"}') == 7 + 2
    # the FORMERR query's question is not read: its type is unknown
    assert delta('flipdns_queries_by_type_total{qtype="other"}') == 1
    assert delta('flipdns_queries_by_type_total{qtype="AAAA"}') == 3
    assert delta('flipdns_queries_by_type_total{qtype="TXT"}') == 4
    assert delta('flipdns_responses_by_rcode_total{rcode="NOERROR"}') == 10
    assert delta('flipdns_responses_by_rcode_total{rcode="NXDOMAIN"}') == 4
    assert delta('flipdns_responses_by_rcode_total{rcode="REFUSED"}') == 2
    assert delta('flipdns_responses_by_rcode_total{rcode="FORMERR"}') == 1
    assert delta('flipdns_tcp_connections_accepted_total') == 3
    assert delta('flipdns_commits_total') == 1
    assert delta('flipdns_changes_total') == 1
    assert delta('flipdns_switches_total') == 0
    assert after['flipdns_zone_serial'] == d.serial()
    assert after['flipdns_groups'] == 1 and after['flipdns_apps'] == 1
    assert before['flipdns_control_commands_total{result="not_found"}'] == 1
    assert before['flipdns_control_commands_total{result="invalid"}'] == 1
    assert after['flipdns_store_pages_used'] > 0
    assert after['flipdns_store_map_size_bytes'] == 4 << 30


def test_promtool_accepts_it(mdaemon):
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: tools/deps test installs prometheus"
    mdaemon.ctl("app", "add", "web1", "--addr", ADDR)
    mdaemon.query(mdaemon.origin, "SOA")
    r = subprocess.run([promtool, "check", "metrics"], input=scrape(mdaemon),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, (r.stdout, r.stderr)


def test_flipctl_stats_shows_the_same(mdaemon):
    d = mdaemon
    d.ctl("app", "add", "web1", "--addr", ADDR)
    for _ in range(5):
        d.query(d.origin, "SOA")
    stats = json.loads(d.ctl("--json", "stats").stdout)
    m = samples(scrape(d))
    assert stats["queries"]["udp"] == m['flipdns_queries_total{proto="udp"}']
    assert stats["qtype"]["SOA"] == m[
        'flipdns_queries_by_type_total{qtype="SOA"}']
    assert stats["serial"] == m["flipdns_zone_serial"] == d.serial()
    text = d.ctl("stats").stdout
    assert "queries.udp %d\n" % stats["queries"]["udp"] in text, text


def test_only_metrics_is_served(mdaemon):
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(mdaemon.metrics_url.replace("/metrics", "/x"),
                               timeout=30)
    assert e.value.code == 404


def test_off_by_default(daemon):
    assert "metrics on" not in daemon.read_log()
    assert daemon.ctl_json("stats")["queries"]["udp"] >= 0
