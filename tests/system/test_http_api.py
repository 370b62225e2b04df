"""The HTTP API (README "HTTP API and dashboard"): every route maps to the
control command of the same rules, errors to HTTP statuses; bearer tokens
(none, unknown, revoked, read-only writing); malformed JSON, oversized
bodies, the per-token rate; a change through the API is a history row
whose actor is the token's name, and the DNS answer follows it."""

import http.client
import json
import socket
import time

import pytest

import flipdns
import httpapi

A1, A2 = "192.0.2.1", "198.51.100.7"


@pytest.fixture
def api():
    d = httpapi.start()
    try:
        d.api = httpapi.Api(d.http_base, httpapi.token(d, "ci-bot", "write"))
        yield d
        assert d.stop() == 0, d.read_log()
    finally:
        d.cleanup()


def a_records(d, fqdn):
    r = d.query(fqdn, "A")
    return sorted(rr.to_text() for rrset in r.answer for rr in rrset
                  if rrset.rdtype == 1)


def test_every_route(api):
    d, a = api, api.api
    st, body, _ = a.post("/api/v1/apps", {"name": "web1", "addrs": [A1]})
    assert st == 201 and body["name"] == "web1", body
    st, body, _ = a.post("/api/v1/apps", {"name": "web2", "addrs": [A2]})
    assert st == 201
    st, body, _ = a.get("/api/v1/apps")
    assert st == 200 and [x["name"] for x in body["apps"]] == ["web1", "web2"]
    st, body, _ = a.put("/api/v1/apps/web2", {"cname": "b.example.net."})
    assert st == 200 and body["name"] == "web2"
    st, body, _ = a.put("/api/v1/apps/web2", {"addrs": [A2]})
    assert st == 200

    st, g, _ = a.post("/api/v1/groups", {"primary": "web1",
                                         "backup": "web2"})
    assert st == 201, g
    address = g["address"]
    assert address.endswith("." + d.origin)
    assert g["primary"] == "web1" and g["backup"] == "web2"
    assert a_records(d, address) == [A1]

    st, body, _ = a.get("/api/v1/groups")
    assert st == 200 and [x["address"] for x in body["groups"]] == [address]
    st, body, _ = a.get("/api/v1/groups/" + address)
    assert st == 200 and body["address"] == address
    st, body, _ = a.get("/api/v1/apps/web1")
    assert st == 200 and body["followers"][0]["address"] == address
    st, body, _ = a.get("/api/v1/apps/web1/status")
    assert st == 200 and body["status"] in ("online", "offline", "none")

    st, body, _ = a.post("/api/v1/groups/%s/switch" % address)
    assert st == 200 and body["active"] == "backup", body
    assert a_records(d, address) == [A2]
    st, body, _ = a.post("/api/v1/groups/%s/switch" % address,
                         {"to": "primary"})
    assert st == 200 and body["active"] == "primary"
    assert a_records(d, address) == [A1]

    st, body, _ = a.get("/api/v1/status")
    assert st == 200 and body["groups"] == 1 and body["apps"] == 2

    st, body, _ = a.get("/api/v1/history?limit=3")
    assert st == 200 and len(body["entries"]) == 3
    st, body, _ = a.get("/api/v1/history?address=" + address)
    assert st == 200 and body["entries"][0]["op"] == "group.switch"
    for row in body["entries"]:
        assert row["actor"] == "ci-bot", row
        assert row["uid"] is None

    # refused: the group still points at the apps
    st, body, _ = a.delete("/api/v1/apps/web1")
    assert st == 409 and body["error"]["code"] == "refused", body
    assert address.split(".")[0] in body["error"]["message"]
    st, body, _ = a.call("PATCH", "/api/v1/groups/" + address,
                         {"primary": None, "backup": None})
    assert st == 200 and body["primary"] is None
    st, body, _ = a.delete("/api/v1/groups/" + address)
    assert st == 200 and body["address"] == address
    st, body, _ = a.delete("/api/v1/apps/web1")
    assert st == 200
    st, body, _ = a.get("/api/v1/groups/" + address)
    assert st == 404 and body["error"]["code"] == "not_found"


@pytest.mark.parametrize("method,path,body,status,code", [
    ("GET", "/api/v1/groups/nosuch", None, 404, "not_found"),
    ("GET", "/api/v1/apps/nosuch", None, 404, "not_found"),
    ("POST", "/api/v1/apps", {"name": "Bad_Name", "addrs": [A1]}, 400,
     "invalid"),
    ("POST", "/api/v1/apps", {"name": "x", "addrs": [A1], "bogus": 1}, 400,
     "proto"),
    ("POST", "/api/v1/groups", {"primary": "nosuch"}, 404, "not_found"),
    ("GET", "/api/v1/history?bogus=1", None, 400, "proto"),
    ("GET", "/api/v1/nothing", None, 404, "not_found"),
    ("PUT", "/api/v1/groups", {}, 405, "proto"),
])
def test_errors_map_to_statuses(api, method, path, body, status, code):
    before = api.snapshot()
    st, got, _ = api.api.call(method, path, body)
    assert st == status, (st, got)
    assert got["error"]["code"] == code, got
    assert got["error"]["message"]
    assert api.snapshot() == before


def test_exists_is_409(api):
    a = api.api
    assert a.post("/api/v1/apps", {"name": "web1", "addrs": [A1]})[0] == 201
    st, body, _ = a.post("/api/v1/apps", {"name": "web1", "addrs": [A1]})
    assert st == 409 and body["error"]["code"] == "exists"


def test_malformed_json(api):
    before = api.snapshot()
    for raw in (b"{", b"[1, 2]", b"\"web1\"", b"{\"name\": \"web1\",}"):
        st, body, _ = api.api.call("POST", "/api/v1/apps", raw=raw)
        assert st == 400, raw
        assert body["error"]["code"] == "proto", body
    assert api.snapshot() == before


def test_oversized_body():
    d = httpapi.start(http_max_body=2048)
    try:
        a = httpapi.Api(d.http_base, httpapi.token(d, "w", "write"))
        big = {"name": "web1", "addrs": [A1], "pad": "x" * 4096}
        st, _, _ = a.post("/api/v1/apps", big)
        assert st == 413
        st, _, _ = a.post("/api/v1/apps", {"name": "web1", "addrs": [A1]})
        assert st == 201
        assert d.stop() == 0
    finally:
        d.cleanup()


def test_auth_failures(api):
    d = api
    read = httpapi.token(d, "viewer", "read")
    a = httpapi.Api(d.http_base)
    before = d.snapshot()
    # no token
    st, body, hdrs = a.get("/api/v1/groups", token="")
    assert st == 401 and body["error"]["code"] == "denied"
    assert hdrs["WWW-Authenticate"].startswith("Bearer")
    st, _, _ = a.post("/api/v1/apps", {"name": "web1", "addrs": [A1]})
    assert st == 401
    # not a token, or a wrong one of the right shape
    st, _, _ = a.get("/api/v1/groups", token="secret")
    assert st == 401
    st, _, _ = a.get("/api/v1/groups", token="fdt_" + "0" * 64)
    assert st == 401
    st, _, _ = a.get("/api/v1/groups", token=read[:-1] + (
        "0" if read[-1] != "0" else "1"))
    assert st == 401
    # a read token reads, and may not write
    st, _, _ = a.get("/api/v1/groups", token=read)
    assert st == 200
    st, body, _ = a.post("/api/v1/apps", {"name": "web1", "addrs": [A1]},
                         token=read)
    assert st == 403 and body["error"]["code"] == "denied", body
    assert d.snapshot() == before
    # revoked: stops working at once
    d.ctl("token", "revoke", "viewer")
    st, _, _ = a.get("/api/v1/groups", token=read)
    assert st == 401


def test_tokens_listed_without_secrets_and_last_use(api):
    d = api
    listed = d.ctl_json("token", "list")["tokens"]
    assert [t["name"] for t in listed] == ["ci-bot"]
    assert listed[0]["role"] == "write" and listed[0]["last_used"] is None
    text = d.ctl("token", "list").stdout
    assert "ci-bot" in text and "fdt_" not in text
    # the store holds only a hash: the secret is nowhere in the file
    assert api.api.get("/api/v1/status")[0] == 200
    d.stop()
    with open(d.storage + "/data.mdb", "rb") as f:
        assert api.api.token.encode() not in f.read()
    d.start()
    # last use is written when the daemon stops (and once a minute)
    listed = d.ctl_json("token", "list")["tokens"]
    assert listed[0]["last_used"] is not None
    assert abs(listed[0]["last_used"] - time.time()) < 120
    # the same name twice: refused; revoke then create
    r = d.ctl("token", "create", "ci-bot", "--role", "read", check=False)
    assert r.returncode != 0 and "exists" in r.stderr
    r = d.ctl("token", "create", "x", "--role", "admin", check=False)
    assert r.returncode != 0
    d.ctl("token", "revoke", "ci-bot")
    assert d.ctl_json("token", "list")["tokens"] == []
    hist = d.ctl_json("history", "--limit", "5")["entries"]
    assert [h["op"] for h in hist[:2]] == ["token.revoke", "token.create"] \
        or hist[0]["op"] == "token.revoke"
    for h in hist:
        assert "fdt_" not in json.dumps(h)


def test_rate_per_token():
    d = httpapi.start(http_rate=2)
    try:
        a = httpapi.Api(d.http_base, httpapi.token(d, "w", "write"))
        other = httpapi.token(d, "other", "read")
        codes = [a.get("/api/v1/status")[0] for _ in range(10)]
        assert codes[:4] == [200] * 4, codes
        assert 429 in codes, codes
        # another token has its own bucket
        assert a.get("/api/v1/status", token=other)[0] == 200
        time.sleep(1.1)
        assert a.get("/api/v1/status")[0] == 200
        assert d.stop() == 0
    finally:
        d.cleanup()


def test_connection_limit():
    d = httpapi.start(http_max_connections=2)
    try:
        tok = httpapi.token(d, "w", "read")
        port = int(d.http_base.rsplit(":", 1)[1])
        conns = []
        for _ in range(2):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("GET", "/api/v1/status",
                      headers={"Authorization": "Bearer " + tok})
            assert c.getresponse().read() and True
            conns.append(c)
        c3 = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c3.request("GET", "/api/v1/status",
                   headers={"Authorization": "Bearer " + tok})
        r = c3.getresponse()
        assert r.status == 503, r.status
        r.read()
        c3.close()
        conns[0].close()
        time.sleep(0.3)
        c4 = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c4.request("GET", "/api/v1/status",
                   headers={"Authorization": "Bearer " + tok})
        assert c4.getresponse().status == 200
        c4.close()
        conns[1].close()
        assert d.stop() == 0
    finally:
        d.cleanup()


def test_non_loopback_refused_at_config():
    d = flipdns.Daemon(http_listen="0.0.0.0:8053")
    try:
        with pytest.raises(flipdns.DaemonError) as e:
            d.start()
        assert "http.listen" in e.value.startup_log
        assert "loopback" in e.value.startup_log
    finally:
        d.cleanup()


def test_off_by_default(daemon):
    # no http key: nothing listens on the API's usual port for this daemon
    assert "HTTP API" not in daemon.read_log()


def test_acknowledged_means_durable(api):
    """A 201 comes after the commit: killed right after it, the daemon
    comes back with the change."""
    st, _, _ = api.api.post("/api/v1/apps", {"name": "web1", "addrs": [A1]})
    assert st == 201
    api.crash()
    api.start()
    assert api.ctl_json("app", "show", "web1")["name"] == "web1"


def test_client_gone_before_the_commit(api):
    """Clients that hang up right after sending a change: each change is
    made (or refused) and the daemon goes on; evhttp frees the orphaned
    request when the answer is sent (the sanitized run checks that)."""
    port = int(api.http_base.rsplit(":", 1)[1])
    for i in range(40):
        body = json.dumps({"name": "app%d" % i, "addrs": [A1]}).encode()
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"POST /api/v1/apps HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer " + api.api.token.encode() +
                  b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        s.close()
    deadline = time.time() + 30
    while time.time() < deadline:
        st, body, _ = api.api.get("/api/v1/status")
        if st == 200 and body["apps"] == 40:
            break
        time.sleep(0.1)
    assert body["apps"] == 40, body


def test_failover_check_health_stats_secondaries(api):
    """The newer commands have routes too: app failover, app check and
    health, stats, secondaries; a read token may read them, not write."""
    d, a = api, api.api
    assert a.post("/api/v1/apps", {"name": "web1", "addrs": [A1]})[0] == 201
    assert a.post("/api/v1/apps", {"name": "web2", "addrs": [A2]})[0] == 201
    st, g, _ = a.post("/api/v1/groups", {"primary": "web1",
                                         "backup": "web2"})
    assert st == 201, g
    address = g["address"]
    st, body, _ = a.post("/api/v1/apps/web1/failover", {})
    assert st == 200, body
    assert a_records(d, address) == [A2]
    rows = d.ctl_json("history", address)["entries"]
    assert rows[0]["op"] == "app.failover" and rows[0]["actor"] == "ci-bot"

    # checks probe app endpoints: this one is on loopback (tests send
    # nothing anywhere else), a port nothing listens on
    assert a.post("/api/v1/apps", {"name": "lo", "addrs": ["127.0.0.9"]})[0] \
        == 201
    reader = httpapi.Api(d.http_base, httpapi.token(d, "ro", "read"))
    st, body, _ = reader.put("/api/v1/apps/lo/check",
                             {"type": "tcp", "port": 9})
    assert st == 403, body
    st, body, _ = a.put("/api/v1/apps/lo/check", {"type": "tcp", "port": 9})
    assert st == 200, body
    st, body, _ = reader.get("/api/v1/apps/lo/health")
    assert st == 200 and "state" in json.dumps(body), body
    st, body, _ = reader.get("/api/v1/stats")
    assert st == 200 and "queries" in body and body["serial"] == d.serial()
    st, body, _ = reader.get("/api/v1/secondaries")
    assert st == 200, body
