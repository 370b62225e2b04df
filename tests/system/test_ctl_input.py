"""Input that would hurt a customer is refused, or warned about, with why.

README "Behaviour rules" (endpoints.c, cnames.c, changes.c):
  - a host name that is an IP address or a single label is refused;
  - addresses no client can reach are refused: 0.0.0.0/8, ::, multicast,
    broadcast, IPv4-mapped IPv6; loopback and private ranges are
    accepted with a warning (stderr; "warnings" in the JSON result);
  - a host name inside our zone must name something that exists there,
    and host names must not make a loop through the zone's groups (either
    side); a group an app's host name names is not deleted;
  - a TTL is 0..86400 in flipctl, the protocol, an import and the
    config, and 0 only with zone.allow_zero_ttl.
Every refusal exits 1 (code invalid or refused) and changes nothing.
"""

import json
import subprocess

import pytest

from flipdns import EXIT_FAIL, EXIT_USAGE, FLIPDNSD


def refused(d, *args, says):
    r = d.expect_error(*args, code=EXIT_FAIL)
    assert says in r.stderr, r.stderr
    return r


# -- host names ---------------------------------------------------------

@pytest.mark.parametrize("host", ["192.0.2.1", "192.0.2.1.", "2001:db8::1",
                                  "::ffff:192.0.2.1"])
def test_ip_literal_host_name_refused(daemon, host):
    refused(daemon, "app", "add", "web1", "--cname", host,
            says="'%s' is an IP address, not a host name: give it as an "
                 "address (--addr" % host)


@pytest.mark.parametrize("host", ["single", "single.", "localhost"])
def test_single_label_host_name_refused(daemon, host):
    refused(daemon, "app", "add", "web1", "--cname", host,
            says="is a single label, which resolvers take as a top-level "
                 "domain")


def test_host_names_in_an_import_too(daemon, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("apps:\n  - {name: ok, cname: lb.example.com}\n"
                    "  - {name: web1, cname: 10.0.0.1}\n")
    r = refused(daemon, "import", str(path), says="is an IP address")
    assert "bad.yaml:3:5:" in r.stderr, r.stderr


# -- addresses ----------------------------------------------------------

UNREACHABLE = [
    ("0.0.0.0", "unspecified"), ("0.1.2.3", "this network"),
    ("::", "the unspecified address"), ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("255.255.255.255", "the broadcast address"),
    ("::ffff:192.0.2.1", "IPv4-mapped"), ("::ffff:0:0", "IPv4-mapped"),
]


@pytest.mark.parametrize("addr,why", UNREACHABLE)
def test_unreachable_address_refused(daemon, addr, why):
    r = refused(daemon, "app", "add", "web1", "--addr", "192.0.2.1",
                "--addr", addr, says=why)
    assert addr in r.stderr
    daemon.ctl("app", "add", "web2", "--addr", "192.0.2.2")
    refused(daemon, "app", "set", "web2", "--addr", addr, says=why)
    r = daemon.ctl("--json", "app", "add", "web3", "--addr", addr,
                   check=False)
    assert json.loads(r.stdout)["error"]["code"] == "invalid"


WARNED = [
    ("127.0.0.1", "loopback"), ("127.9.9.9", "loopback"),
    ("::1", "loopback"), ("10.1.2.3", "private address (10.0.0.0/8"),
    ("172.16.0.1", "private address (172.16.0.0/12"),
    ("172.31.255.255", "private"), ("192.168.1.1", "private"),
    ("fd00::1", "unique local"), ("169.254.1.1", "link-local"),
    ("fe80::1", "link-local"), ("100.64.0.1", "shared address space"),
]


@pytest.mark.parametrize("addr,why", WARNED)
def test_inside_addresses_warned(daemon, addr, why):
    r = daemon.ctl("app", "add", "web1", "--addr", addr, "--addr",
                   "192.0.2.1")
    warnings = [line for line in r.stderr.splitlines()
                if line.startswith("flipctl: warning: ")]
    assert len(warnings) == 1, r.stderr
    assert addr in warnings[0] and why in warnings[0], warnings
    assert r.stdout.startswith("name:")      # the result as ever
    res = daemon.ctl_json("app", "set", "web1", "--addr", addr)
    assert len(res["warnings"]) == 1 and why in res["warnings"][0], res


def test_public_addresses_not_warned(daemon):
    r = daemon.ctl("app", "add", "web1", "--addr", "192.0.2.1", "--addr",
                   "2001:db8::1", "--addr", "172.32.0.1", "--addr",
                   "11.0.0.1")
    assert r.stderr == ""
    assert "warnings" not in daemon.ctl_json("app", "show", "web1")


# -- host names inside our own zone -------------------------------------

def test_target_in_zone_must_exist(daemon):
    d = daemon
    o = d.origin
    refused(d, "app", "add", "x", "--cname", "loop." + o,
            says="loop.%s is in this zone (%s) and does not exist" % (o, o))
    r = d.ctl("--json", "app", "add", "x", "--cname", "loop." + o,
              check=False)
    assert json.loads(r.stdout)["error"]["code"] == "refused"
    d.ctl("group", "create", "--label", "loop")
    d.ctl("app", "add", "x", "--cname", "loop." + o)
    # names that exist: the apex, a nameserver
    d.ctl("app", "add", "apex", "--cname", o)
    d.ctl("app", "add", "ns", "--cname", "ns1." + o)
    # names that do not: below a group, or a label no one has
    refused(d, "app", "add", "below", "--cname", "www.loop." + o,
            says="does not exist")
    refused(d, "app", "add", "unknown", "--cname", "a.b.c." + o,
            says="does not exist")
    refused(d, "app", "set", "x", "--cname", "gone." + o,
            says="does not exist")
    # outside the zone, anything that is a host name
    d.ctl("app", "add", "out", "--cname", "lb.example.com")


def test_loop_through_the_zone_refused(daemon):
    d = daemon
    o = d.origin
    d.ctl("group", "create", "--label", "loop")
    d.ctl("app", "add", "x", "--cname", "loop." + o)
    d.ctl("app", "add", "web", "--addr", "192.0.2.1")
    refused(d, "group", "set", "loop", "--primary", "x",
            says="group loop would make a CNAME loop through this zone")
    # the backup side too: it would loop at the next switch
    d.ctl("group", "set", "loop", "--primary", "web")
    refused(d, "group", "set", "loop", "--backup", "x", says="CNAME loop")
    refused(d, "group", "create", "--label", "other", "--primary", "x",
            "--backup", "x", says="different")
    # two groups: g1 -> a -> g2 -> b -> g1
    d.ctl("group", "create", "--label", "g1")
    d.ctl("group", "create", "--label", "g2")
    d.ctl("app", "add", "a", "--cname", "g2." + o)
    d.ctl("app", "add", "b", "--cname", "g1." + o)
    d.ctl("group", "set", "g1", "--primary", "a")
    refused(d, "group", "set", "g2", "--primary", "b",
            says="group g2 would make a CNAME loop")
    # by an app set: g2 -> b -> g1 -> a, then a back to g2
    d.ctl("group", "set", "g2", "--primary", "web")
    d.ctl("app", "set", "a", "--cname", "lb.example.com")
    d.ctl("group", "set", "g2", "--backup", "b")
    refused(d, "app", "set", "a", "--cname", "g2." + o,
            says="app a would make a CNAME loop")
    # answers still end: no loop was stored
    ans = d.query(d.fqdn("g1"), "A")
    assert len(ans.answer) >= 1


def test_target_group_not_deleted(daemon):
    d = daemon
    d.ctl("group", "create", "--label", "target")
    d.ctl("app", "add", "x", "--cname", "target." + d.origin)
    refused(d, "group", "delete", "--yes", "target",
            says="app x has host name target.%s" % d.origin)
    d.ctl("app", "set", "x", "--cname", "lb.example.com")
    d.ctl("group", "delete", "--yes", "target")


# -- TTL ----------------------------------------------------------------

def test_ttl_bounds_in_flipctl(daemon):
    daemon.expect_error("group", "create", "--ttl", "86401", code=EXIT_USAGE)
    daemon.ctl("group", "create", "--label", "g", "--ttl", "86400")
    refused(daemon, "group", "create", "--ttl", "0",
            says="ttl 0 is refused: caches would keep nothing")
    refused(daemon, "group", "set", "g", "--ttl", "0",
            says="zone.allow_zero_ttl")
    r = daemon.ctl("help", "group", "create").stdout
    assert "0..86400" in r


def test_ttl_bounds_in_the_protocol_and_import(daemon, tmp_path):
    import socket
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(daemon.socket)
        s.sendall(b'{"v": 1, "id": 1, "cmd": "group.create", '
                  b'"args": {"ttl": 86401}}\n')
        reply = json.loads(s.makefile().readline())
    assert reply["error"]["code"] == "invalid", reply
    assert "0..86400" in reply["error"]["message"]
    path = tmp_path / "t.yaml"
    path.write_text("groups:\n  - {label: z, ttl: 0}\n")
    refused(daemon, "import", str(path), says="ttl 0 is refused")
    path.write_text("groups:\n  - {label: z, ttl: 86401}\n")
    refused(daemon, "import", str(path), says="0..86400")


@pytest.mark.daemon(allow_zero_ttl=True)
def test_zero_ttl_when_the_config_allows_it(daemon):
    daemon.ctl("group", "create", "--label", "g", "--ttl", "0")
    assert daemon.ctl_json("group", "show", "g")["ttl"] == 0


@pytest.mark.daemon(allow_zero_ttl=True, ttl=0)
def test_zone_ttl_zero_when_allowed(daemon):
    daemon.ctl("group", "create", "--label", "g")
    assert daemon.ctl_json("group", "show", "g")["ttl"] == 0


def test_config_ttl_zero_refused(tmp_path):
    from flipdns import Daemon
    d = Daemon(ttl=0)
    try:
        d.port = 1
        d.write_config()
        r = subprocess.run([FLIPDNSD, "-c", d.conf, "--check-config"],
                           capture_output=True, text=True)
        assert r.returncode == 2
        assert "zone.ttl: 0 is refused" in r.stderr, r.stderr
        assert "zone.allow_zero_ttl: true" in r.stderr
    finally:
        d.cleanup()
