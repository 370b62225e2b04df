"""Webhooks (README "Health checks: notifications"): a receiver on
loopback gets a signed JSON POST for every committed group switch
(automatic or by an operator) and every app health change, each once,
in history order; while it is down (connection refused, or answering
503) the events wait and are retried, and it gets them all once it is
back, still once each and in order.
"""

import hashlib
import hmac
import json

import pytest

import flipdns
from servers import HTTPServer, WebhookReceiver, wait_for

SECRET = "correct horse battery staple"
GUARD = 60


@pytest.fixture
def rx():
    r = WebhookReceiver().start()
    yield r
    r.stop()


@pytest.fixture
def hd(rx):
    d = flipdns.Daemon(health_min_interval=0.05, webhooks=[rx.url],
                       notify_secret=SECRET, notify_retry_max=1)
    try:
        d.start()
        yield d
        assert d.stop() == 0
    finally:
        d.cleanup()


def expected(d):
    """The history rows a receiver must get, oldest first."""
    rows = d.ctl_json("history", "--limit", "1000")["entries"]
    return [r for r in reversed(rows)
            if r["op"] in ("group.switch", "app.failover", "app.health")]


def check_delivery(d, rx):
    """Every event once, in order, signed; returns the events."""
    want = expected(d)
    wait_for("%d events" % len(want), lambda: len(rx.posts) >= len(want),
             GUARD)
    with rx.lock:
        posts = list(rx.posts)
    got = [json.loads(body) for body, _ in posts]
    assert [e["serial"] for e in got] == [r["serial"] for r in want]
    for (body, headers), e, r in zip(posts, got, want):
        mac = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Signature"] == "sha256=" + mac
        assert headers["Content-Type"] == "application/json"
        kind = "health" if r["op"] == "app.health" else "switch"
        assert e["event"] == kind and headers["X-Flipdns-Event"] == kind
        assert {k: v for k, v in e.items() if k != "event"} == r
    return got


def test_each_event_once_in_order_signed_and_after_an_outage(hd, rx):
    d = hd
    ps = HTTPServer("127.0.0.51").start()
    bs = HTTPServer("127.0.0.52", port=ps.port).start()
    try:
        for app, srv in (("p", ps), ("b", bs)):
            d.ctl("app", "add", app, "--addr", srv.host)
            d.ctl("app", "check", app, "--type", "http", "--port", srv.port,
                  "--interval", 0.2, "--timeout", 0.2)
        d.create_group("--label", "g", "--primary", "p", "--backup", "b")
        d.ctl("group", "set", "g", "--policy", "auto")
        ps.stop()
        wait_for("failover", lambda: d.ctl_json("group", "show", "g")[
            "active"] == "backup", GUARD)
        d.ctl("group", "switch", "g")     # by an operator: told too
        d.ctl("app", "failover", "p")     # p's groups to their other side
        got = check_delivery(d, rx)
        assert "app.failover" in [e["op"] for e in got]
        kinds = [(e["event"], e["subject"], e["actor"]) for e in got]
        assert ("switch", "g", "health") in kinds
        assert ("switch", "g", "root") in kinds
        assert ("health", "p", "health") in kinds

        # the receiver is gone (refused), then answers 503: events wait
        sent = d.ctl_json("stats")["health"]["webhooks"]["failed"]
        rx.stop()
        d.ctl("group", "switch", "g")
        d.ctl("group", "switch", "g")
        wait_for("tries that failed", lambda: d.ctl_json("stats")[
            "health"]["webhooks"]["failed"] >= sent + 2, GUARD)
        rx.down = True
        rx.start()
        d.ctl("group", "switch", "g")
        wait_for("503s", lambda: rx.refused >= 2, GUARD)
        assert d.ctl_json("stats")["health"]["webhooks_queued"] == 3
        rx.down = False
        # back: everything, once, in order
        check_delivery(d, rx)
        wait_for("queue empty", lambda: d.ctl_json("stats")["health"][
            "webhooks_queued"] == 0, GUARD)
    finally:
        ps.stop()
        bs.stop()


def test_webhooks_need_a_secret(tmp_path):
    d = flipdns.Daemon(webhooks=["http://127.0.0.1:9/hook"])
    try:
        d.port = flipdns.free_port()
        d.write_config()
        import subprocess
        r = subprocess.run([flipdns.FLIPDNSD, "-c", d.conf,
                            "--check-config"], capture_output=True,
                           text=True)
        assert r.returncode == 2
        assert "notify.webhooks: needs notify.secret" in r.stderr + r.stdout
    finally:
        d.cleanup()
