"""An app given by a host name (--cname) is checked at every address the
name resolves to, through the resolvers of resolver.addresses, and again
when the answer's TTL runs out (README "Health checks").

The resolver here is the daemon itself: the host name is one of its own
groups (TTL 1), whose app the test moves from two addresses to one, so
the prober must follow the DNS answer, not a list it was given.
"""

import pytest

import flipdns
from servers import HTTPServer, wait_for

GUARD = 60


@pytest.fixture
def d():
    d = flipdns.Daemon(health_min_interval=0.05)
    try:
        d.start()
        # the daemon resolves through itself: its port is known now
        d.optional["resolvers"] = ["127.0.0.1:%d" % d.port]
        d.restart()
        yield d
        assert d.stop() == 0
    finally:
        d.cleanup()


def endpoints(d, app):
    return sorted(e["address"] for e in
                  d.ctl_json("app", "health", app)["endpoints"])


def test_every_resolved_address_is_checked_and_followed_by_ttl(d):
    a = HTTPServer("127.0.0.61").start()
    b = HTTPServer("127.0.0.62", port=a.port).start()
    c = HTTPServer("127.0.0.63", port=a.port).start()
    try:
        d.ctl("app", "add", "pool", "--addr", "127.0.0.61", "--addr",
              "127.0.0.62")
        d.create_group("--label", "lb", "--primary", "pool", "--ttl", 1)
        host = "lb." + d.origin.rstrip(".")
        d.ctl("app", "add", "web", "--cname", host)
        d.ctl("app", "check", "web", "--type", "http", "--port", a.port,
              "--interval", 0.2, "--timeout", 0.2)
        want = ["127.0.0.61:%d" % a.port, "127.0.0.62:%d" % a.port]
        wait_for("both addresses checked", lambda: endpoints(d, "web") ==
                 want, GUARD)
        h = d.ctl_json("app", "health", "web")
        assert h["resolving"] == host
        wait_for("web up", lambda: (d.ctl_json("app", "health", "web")[
            "health"] or {}).get("state") == "up", GUARD)
        # Host: the app's own name (no --host given)
        wait_for("probes at both", lambda: a.count() > 0 and b.count() > 0,
                 GUARD)
        assert a.requests[0][2] == "%s:%d" % (host, a.port)
        # the name moves: after its TTL the prober checks the new address
        d.ctl("app", "set", "pool", "--addr", "127.0.0.63")
        wait_for("the new address checked", lambda: endpoints(d, "web") ==
                 ["127.0.0.63:%d" % a.port], GUARD)
        wait_for("probes at the new one", lambda: c.count() > 0, GUARD)
        # the old ones are no longer probed
        n = a.count() + b.count()
        wait_for("more at the new one", lambda: c.count() >= 5, GUARD)
        assert a.count() + b.count() - n <= 2
    finally:
        a.stop()
        b.stop()
        c.stop()
