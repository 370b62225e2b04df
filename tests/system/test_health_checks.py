"""What a check calls up or down (README "Health checks"): HTTPS with a
certificate from a CA the test makes (right name, wrong name, expired,
untrusted), a body that lacks the text, a server that accepts and never
answers, expected codes; probes that start when a check is set and stop
when it is removed, shared by apps that check the same endpoint the
same way; checks from an import file; and a restart that restores the
states and switches nothing until fresh probes confirm them.
"""

import os
import tempfile
import time

import pytest

import flipdns
from servers import (HTTPServer, TCPListener, make_ca, make_cert, wait_for)

GUARD = 60
HOST = "www.example.test"


def health(d, app):
    return d.ctl_json("app", "health", app)


def state(d, app):
    h = health(d, app)["health"]
    return h["state"] if h else "unknown"


def settled(d, app, guard=GUARD):
    """Wait until app is up or down; its app health result."""
    wait_for("%s decided" % app, lambda: state(d, app) != "unknown", guard,
             step=0.05)
    return health(d, app)


@pytest.fixture(scope="module")
def pki():
    """A CA the daemon trusts (health.ca_file), one it does not, and
    certificates for HOST: good, expired, and signed by the stranger."""
    dir = tempfile.mkdtemp(prefix="flipdns-pki-")
    ca, _ = make_ca(os.path.join(dir, "ca"))
    make_ca(os.path.join(dir, "other"), "some other CA")
    good = make_cert(os.path.join(dir, "ca"), "good", [HOST])
    expired = make_cert(os.path.join(dir, "ca"), "expired", [HOST],
                        "20200101000000Z", "20200201000000Z")
    stranger = make_cert(os.path.join(dir, "other"), "stranger", [HOST])
    yield {"ca": ca, "good": good, "expired": expired, "stranger": stranger}
    import shutil
    shutil.rmtree(dir, ignore_errors=True)


@pytest.fixture
def hdaemon(pki):
    d = flipdns.Daemon(health_min_interval=0.05, health_ca_file=pki["ca"])
    try:
        d.start()
        yield d
        assert d.stop() == 0
    finally:
        d.cleanup()


def add_checked(d, app, addr, *check):
    d.ctl("app", "add", app, "--addr", addr)
    d.ctl("app", "check", app, "--interval", 0.3, "--timeout", 0.3,
          "--fall", 2, "--rise", 1, *check)


def test_https_good_wrong_name_expired_untrusted(hdaemon, pki):
    d = hdaemon
    servers = {
        "good": HTTPServer("127.0.0.31", certfile=pki["good"][0],
                           keyfile=pki["good"][1]).start(),
        "expired": HTTPServer("127.0.0.32", certfile=pki["expired"][0],
                              keyfile=pki["expired"][1]).start(),
        "stranger": HTTPServer("127.0.0.33", certfile=pki["stranger"][0],
                               keyfile=pki["stranger"][1]).start(),
    }
    try:
        for name, srv in servers.items():
            add_checked(d, name, srv.host, "--type", "https", "--port",
                        srv.port, "--host", HOST, "--path", "/healthz")
        # the right certificate, for the wrong name
        add_checked(d, "wrongname", "127.0.0.31", "--type", "https",
                    "--port", servers["good"].port, "--host",
                    "other.example.test")
        got = {a: settled(d, a) for a in
               ("good", "expired", "stranger", "wrongname")}
        for a, h in got.items():
            print(a, h["health"]["state"], h["endpoints"][0]["last_error"])
        assert got["good"]["health"]["state"] == "up"
        # Host and SNI were the configured name; the path was asked for
        _, path, host, _ = servers["good"].requests[0]
        assert (path, host) == ("/healthz", "%s:%d" % (
            HOST, servers["good"].port))
        for a in ("expired", "stranger", "wrongname"):
            h = got[a]
            assert h["health"]["state"] == "down", (a, h)
            err = h["endpoints"][0]["last_error"].lower()
            assert "ssl" in err or "certificate" in err, (a, err)
        assert "expired" in got["expired"]["endpoints"][0]["last_error"]
        assert "other.example.test" in got["wrongname"]["endpoints"][0][
            "last_error"]
    finally:
        for srv in servers.values():
            srv.stop()


def test_body_codes_and_a_server_that_never_answers(hdaemon):
    d = hdaemon
    web = HTTPServer("127.0.0.34", body="status: all good").start()
    hang = TCPListener("127.0.0.35", silent=True).start()
    try:
        add_checked(d, "body-ok", web.host, "--type", "http", "--port",
                    web.port, "--body", "all good")
        add_checked(d, "body-bad", web.host, "--type", "http", "--port",
                    web.port, "--body", "all bad")
        add_checked(d, "code-bad", web.host, "--type", "http", "--port",
                    web.port, "--expect", "204")
        add_checked(d, "silent", hang.host, "--type", "http", "--port",
                    hang.port)
        add_checked(d, "silent-tcp", hang.host, "--type", "tcp", "--port",
                    hang.port)
        assert settled(d, "body-ok")["health"]["state"] == "up"
        bad = settled(d, "body-bad")
        assert bad["health"]["state"] == "down"
        assert "lacks \"all bad\"" in bad["endpoints"][0]["last_error"]
        code = settled(d, "code-bad")
        assert code["health"]["state"] == "down"
        assert "HTTP 200, expected 204" in code["endpoints"][0]["last_error"]
        silent = settled(d, "silent")
        assert silent["health"]["state"] == "down"
        assert "timed out" in silent["endpoints"][0]["last_error"].lower()
        # it did accept: the prober reached it and waited in vain
        assert hang.accepted > 0
        # a tcp check only connects: up
        assert settled(d, "silent-tcp")["health"]["state"] == "up"
    finally:
        web.stop()
        hang.stop()


def test_probes_start_with_the_check_stop_without_and_are_shared(hdaemon):
    d = hdaemon
    web = HTTPServer("127.0.0.36").start()
    try:
        for app in ("one", "two"):
            d.ctl("app", "add", app, "--addr", web.host)
        assert web.count() == 0
        # set: probes start at once, no query or group needed
        for app in ("one", "two"):
            d.ctl("app", "check", app, "--type", "http", "--port",
                  web.port, "--interval", 0.2, "--timeout", 0.2)
        wait_for("probes", lambda: web.count() >= 5, GUARD)
        # the same endpoint and check: one prober for both apps
        stats = d.ctl_json("stats")["health"]
        assert stats["apps"] == 2 and stats["endpoints"] == 1, stats
        t0, n0 = time.monotonic(), web.count()
        wait_for("probes", lambda: web.count() >= n0 + 10, GUARD)
        rate = (web.count() - n0) / (time.monotonic() - t0)
        assert rate < 2 / 0.2, rate     # not one schedule per app
        # removed from one app: the other's keeps going
        d.ctl("app", "check", "one", "--type", "none")
        assert health(d, "one")["endpoints"] == []
        assert health(d, "one")["health"] is None
        n1 = web.count()
        wait_for("probes", lambda: web.count() >= n1 + 3, GUARD)
        # removed from both: they stop
        d.ctl("app", "check", "two", "--type", "none")
        wait_for("prober empty", lambda: d.ctl_json("stats")["health"][
            "endpoints"] == 0, GUARD)
        time.sleep(0.5)
        n2 = web.count()
        time.sleep(1.0)
        assert web.count() - n2 <= 1, (n2, web.count())
    finally:
        web.stop()


def test_new_endpoints_are_probed_and_the_state_confirmed_again(hdaemon):
    """app set: the endpoints that stay keep their counts, the new one is
    probed, and the app's state is confirmed again (fresh), so policies
    keep acting on it."""
    d = hdaemon
    a = HTTPServer("127.0.0.43").start()
    b = HTTPServer("127.0.0.44", port=a.port).start()
    try:
        d.ctl("app", "add", "w", "--addr", a.host)
        d.ctl("app", "check", "w", "--type", "http", "--port", a.port,
              "--interval", 0.2, "--timeout", 0.2)
        wait_for("confirmed up", lambda: health(d, "w")["confirmed"] and
                 state(d, "w") == "up", GUARD)
        d.ctl("app", "set", "w", "--addr", a.host, "--addr", b.host)
        wait_for("both probed", lambda: len(health(d, "w")["endpoints"]) ==
                 2 and b.count() > 0, GUARD)
        wait_for("confirmed again", lambda: health(d, "w")["confirmed"],
                 GUARD)
        assert state(d, "w") == "up"
    finally:
        a.stop()
        b.stop()


def test_check_validation_and_usage(hdaemon):
    d = hdaemon
    d.ctl("app", "add", "a", "--addr", "127.0.0.37")
    d.expect_error("app", "check", "a", "--port", 80,
                   code=flipdns.EXIT_USAGE)           # no --type
    d.expect_error("app", "check", "a", "--type", "gopher")
    d.expect_error("app", "check", "a", "--type", "http")   # no port
    d.expect_error("app", "check", "a", "--type", "tcp", "--port", 22,
                   "--path", "/x")
    d.expect_error("app", "check", "a", "--type", "http", "--port", 80,
                   "--interval", 0.01)                # below min_interval
    d.expect_error("app", "check", "a", "--type", "http", "--port", 80,
                   "--interval", 1, "--timeout", 2)
    d.expect_error("app", "check", "nope", "--type", "tcp", "--port", 22,
                   code=flipdns.EXIT_NOTFOUND)
    d.expect_error("group", "set", d.create_group(), "--failback",
                   code=flipdns.EXIT_FAIL)            # needs --policy
    # app show and app list carry the check
    d.ctl("app", "check", "a", "--type", "http", "--port", 8080, "--path",
          "/up", "--expect", "200,204", "--interval", 0.5)
    c = d.ctl_json("app", "show", "a")["check"]
    assert c == {"type": "http", "port": 8080, "path": "/up", "host": None,
                 "expect": "200,204", "body": None, "interval": 0.5,
                 "timeout": 0.5, "fall": 3, "rise": 2}
    # the same check again is no change
    serial = d.serial()
    d.ctl("app", "check", "a", "--type", "http", "--port", 8080, "--path",
          "/up", "--expect", "200,204", "--interval", 0.5)
    assert d.serial() == serial


def test_import_sets_checks_and_policies(hdaemon, tmp_path):
    d = hdaemon
    web = HTTPServer("127.0.0.38").start()
    try:
        f = tmp_path / "in.yaml"
        f.write_text("""\
apps:
  - {name: ip, addrs: [127.0.0.38],
     check: {type: http, port: %d, interval: 0.2, timeout: 0.2}}
  - {name: ib, addrs: [127.0.0.39]}
groups:
  - {label: ig, primary: ip, backup: ib, policy: auto, failback: true,
     hold: 30, both_down: primary}
""" % web.port)
        d.ctl("import", str(f))
        assert settled(d, "ip")["health"]["state"] == "up"
        pol = d.ctl_json("group", "show", "ig")["policy"]
        assert pol == {"mode": "auto", "failback": True, "hold": 30,
                       "both_down": "primary"}
        bad = tmp_path / "bad.yaml"
        bad.write_text("apps:\n  - {name: x, addrs: [127.0.0.40], "
                       "check: {type: http, port: 80, colour: red}}\n")
        r = d.ctl("import", str(bad), check=False)
        assert r.returncode == flipdns.EXIT_FAIL
        assert "unknown key 'colour' in a check" in r.stderr
    finally:
        web.stop()


def test_restart_restores_states_and_switches_nothing_by_itself(hdaemon):
    """The primary is down and stored down, and an operator put the group
    back on it.  After a restart the state is restored, not yet
    confirmed, and nothing switches; once fresh probes confirm it, the
    policy acts."""
    d = hdaemon
    bs = HTTPServer("127.0.0.42").start()
    try:
        d.ctl("app", "add", "p", "--addr", "127.0.0.41")
        d.ctl("app", "add", "b", "--addr", bs.host)
        # slow probes: a wide window between start and fresh evidence
        for app in ("p", "b"):
            d.ctl("app", "check", app, "--type", "http", "--port", bs.port,
                  "--interval", 2, "--timeout", 1, "--fall", 2, "--rise", 1)
        d.create_group("--label", "g", "--primary", "p", "--backup", "b")
        wait_for("p down", lambda: state(d, "p") == "down", GUARD)
        wait_for("b up", lambda: state(d, "b") == "up", GUARD)
        d.ctl("group", "set", "g", "--policy", "auto")
        wait_for("switched", lambda: d.ctl_json("group", "show", "g")[
            "active"] == "backup", GUARD)
        d.ctl("group", "switch", "g", "--to", "primary")
        serial = d.serial()
        d.restart()
        h = health(d, "p")
        assert h["health"]["state"] == "down" and not h["confirmed"], h
        assert d.ctl_json("group", "show", "g")["active"] == "primary"
        assert d.serial() == serial
        # fresh evidence confirms p down: now the policy switches
        wait_for("switched after fresh probes", lambda: d.ctl_json(
            "group", "show", "g")["active"] == "backup", GUARD)
        assert health(d, "p")["confirmed"]
    finally:
        bs.stop()
