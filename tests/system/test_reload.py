"""Reload (README "Reload and signals"): SIGHUP and `flipctl reload`
re-read the configuration and apply what can change live, atomically and
without dropping a query; a file with an error, or one changing a setting
that needs a restart, is refused whole and the old configuration keeps
running; every signal the daemon may get has a documented effect."""

import signal
import socket
import subprocess
import threading

import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from flipdns import EXIT_FAIL

ADDR = "192.0.2.1"


def soa(d):
    ans = d.query(d.origin, "SOA", timeout=10)
    assert ans.rcode() == dns.rcode.NOERROR, ans
    return ans.answer[0][0]


def ns_ttl(d):
    return d.query(d.origin, "NS", timeout=10).answer[0].ttl


def rewrite(d, **changes):
    """New settings into the daemon's config file (same port)."""
    for key, value in changes.items():
        if key in d.settings:
            d.settings[key] = value
        else:
            d.optional[key] = value
    d.write_config()


def dig_soa(d):
    """The SOA as dig prints it (+short): the last field is the minimum."""
    r = subprocess.run(["dig", "@127.0.0.1", "-p", str(d.port), "+short",
                        "+tries=3", "+time=10", d.origin, "SOA"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def test_reload_applies_live_settings(daemon):
    d = daemon
    assert soa(d).minimum == 30
    assert dig_soa(d)[-1] == "30"
    rewrite(d, minimum=45, ns_ttl=1800, ttl=90)
    r = d.ctl("reload")
    assert "reloaded" in r.stdout, r.stdout
    assert soa(d).minimum == 45
    assert dig_soa(d)[-1] == "45"
    assert ns_ttl(d) == 1800
    # the default TTL of new groups follows too
    d.ctl("app", "add", "web1", "--addr", ADDR)
    label = d.create_group("--primary", "web1")
    assert d.query(d.fqdn(label), "A").answer[0].ttl == 90
    assert "reloaded" in d.read_log()


def test_sighup_reloads(daemon):
    d = daemon
    rewrite(d, minimum=50)
    offset = len(d.read_log())
    d.proc.send_signal(signal.SIGHUP)
    # wait on the event: the log line says it is done (hang guard: 60 s)
    d.wait_log("reloaded", offset, 60)
    assert soa(d).minimum == 50
    assert d.running


def test_reload_under_load_loses_no_query(daemon):
    """Queries in a loop while the config flips between two SOA
    minimums: every query is answered (a generous per-query timeout
    tells a lost datagram from a slow machine), with one value or the
    other, and the last reload wins."""
    d = daemon
    stop = threading.Event()
    seen, errors = [], []

    def query_loop():
        while not stop.is_set():
            try:
                seen.append(soa(d).minimum)
            except Exception as e:   # a timeout is a lost query
                errors.append(repr(e))
                return

    t = threading.Thread(target=query_loop)
    t.start()
    try:
        for i in range(20):
            rewrite(d, minimum=100 + i % 2)
            d.ctl("reload")
    finally:
        stop.set()
        t.join(120)
    assert not t.is_alive()
    assert errors == [], errors
    assert seen and set(seen) <= {30, 100, 101}, set(seen)
    assert soa(d).minimum == 101


def test_bad_reload_keeps_the_old_config(daemon):
    d = daemon
    rewrite(d, minimum=60)
    d.ctl("reload")
    with open(d.conf, "a") as f:
        f.write("bogus_key: 1\n")
    r = d.ctl("reload", check=False)
    assert r.returncode == EXIT_FAIL, (r.stdout, r.stderr)
    assert "nothing changed" in r.stderr, r.stderr
    assert "flipdns.yaml:" in r.stderr and "bogus_key" in r.stderr, r.stderr
    assert soa(d).minimum == 60
    assert "reload refused" in d.read_log()
    # SIGHUP with the same bad file: refused too, and the daemon lives
    offset = len(d.read_log())
    d.proc.send_signal(signal.SIGHUP)
    d.wait_log("reload refused", offset, 60)
    assert d.running
    assert soa(d).minimum == 60


@pytest.mark.parametrize("change", [{"workers": 1},
                                    {"tcp_idle_timeout": 5}])
def test_restart_settings_are_refused_by_name(daemon, change):
    d = daemon
    rewrite(d, minimum=77, **change)
    r = d.ctl("reload", check=False)
    assert r.returncode == EXIT_FAIL, (r.stdout, r.stderr)
    key = {"workers": "workers", "tcp_idle_timeout": "tcp.idle_timeout"}[
        list(change)[0]]
    assert "take a restart: %s" % key in r.stderr, r.stderr
    # refused whole: the live setting in the same file did not apply
    assert soa(d).minimum == 30


@pytest.mark.parametrize("sig,line", [(signal.SIGUSR1, "serving"),
                                      (signal.SIGUSR2, "ignored")])
def test_other_signals_do_what_the_readme_says(daemon, sig, line):
    d = daemon
    offset = len(d.read_log())
    d.proc.send_signal(sig)
    d.wait_log("signal %d" % sig, offset, 60)
    assert line in d.read_log()[offset:]
    assert d.running
    assert soa(d).minimum == 30


def burst(d, n):
    """n copies of one query sent at once; the answers that came back."""
    q = dns.message.make_query(d.fqdn("nosuch"), "A").to_wire()
    got = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1.0)
        for _ in range(n):
            s.sendto(q, ("127.0.0.1", d.port))
        try:
            while True:
                s.recv(4096)
                got += 1
        except socket.timeout:
            pass
    return got


def test_reload_turns_rate_limiting_on_and_off(daemon):
    """rrl.* follow a reload: each UDP thread takes them with the zone."""
    d = daemon
    # off (the harness's default): every one of a sequence is answered
    for _ in range(20):
        assert d.query(d.fqdn("nosuch"), "A").rcode() == dns.rcode.NXDOMAIN
    rewrite(d, rrl_rate=5, rrl_slip=0)
    d.ctl("reload")
    # a burst of 200 from one address: about 5 answered, never most
    assert burst(d, 200) < 100
    rewrite(d, rrl_rate=0)
    d.ctl("reload")
    for _ in range(20):
        assert d.query(d.fqdn("nosuch"), "A").rcode() == dns.rcode.NXDOMAIN
