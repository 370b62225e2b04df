"""Listing is paged: the daemon answers app.list / group.list (and the
groups of app.show) a page at a time (default 1000, at most 10000, "next"
names where the next page starts), and flipctl walks every page, so
`group list` and `app show` still show them all.
"""

import json
import os
import socket

import pytest


def request(d, cmd, **args):
    """One raw control request; the parsed response."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(d.socket)
        s.sendall(json.dumps({"v": 1, "id": 1, "cmd": cmd,
                              "args": args}).encode() + b"\n")
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(1 << 20)
            assert chunk, "daemon closed without answering"
            buf += chunk
    return json.loads(buf)


@pytest.fixture
def many(daemon):
    """2,500 groups and 3 apps, imported in one transaction."""
    d = daemon
    path = os.path.join(d.dir, "many.yaml")
    with open(path, "w") as f:
        f.write("apps:\n")
        for i in range(3):
            f.write("  - {name: a%d, cname: a%d.example.com}\n" % (i, i))
        f.write("groups:\n")
        for i in range(2500):
            f.write("  - {label: g%05d, primary: a%d}\n" % (i, i % 3))
    d.ctl("import", path)
    return d


def test_group_list_walks_every_page(many):
    groups = many.ctl_json("group", "list")["groups"]
    labels = [g["label"] for g in groups]
    assert labels == ["g%05d" % i for i in range(2500)]
    human = many.ctl("group", "list").stdout
    assert sum("g0" in line or "g1" in line or "g2" in line
               for line in human.splitlines()) == 2500


def test_protocol_pages(many):
    r = request(many, "group.list")
    assert r["ok"] and len(r["result"]["groups"]) == 1000
    assert r["result"]["next"] == "g00999"
    r = request(many, "group.list", after="g00999", limit=1000)
    assert r["result"]["groups"][0]["label"] == "g01000"
    assert r["result"]["next"] == "g01999"
    r = request(many, "group.list", after="g01999", limit=1000)
    assert len(r["result"]["groups"]) == 500
    assert r["result"]["next"] is None
    # after a key that does not exist: the next one in order
    r = request(many, "group.list", after="g00999x", limit=2)
    assert [g["label"] for g in r["result"]["groups"]] == ["g01000",
                                                           "g01001"]
    # exactly one full page left: no next
    r = request(many, "group.list", after="g01499", limit=1000)
    assert len(r["result"]["groups"]) == 1000
    assert r["result"]["next"] is None
    r = request(many, "app.list", limit=2)
    assert [a["name"] for a in r["result"]["apps"]] == ["a0", "a1"]
    assert r["result"]["next"] == "a1"


def test_app_show_pages(many):
    # a0 follows every third group: 834 of them, in label order
    want = ["g%05d" % i for i in range(0, 2500, 3)]
    r = request(many, "app.show", name="a0", limit=2)
    assert [f["label"] for f in r["result"]["followers"]] == want[:2]
    assert r["result"]["next"] == want[1]
    r = request(many, "app.show", name="a0", after=want[1], limit=1000)
    assert [f["label"] for f in r["result"]["followers"]] == want[2:]
    assert r["result"]["next"] is None
    assert r["result"]["name"] == "a0" and r["result"]["groups"] == 834
    r = request(many, "app.show", name="a0", limit=0)
    assert not r["ok"] and "limit" in r["error"]["message"]


def test_app_show_walks_every_page(daemon):
    # more groups than flipctl asks for in one page (1000)
    d = daemon
    path = os.path.join(d.dir, "big.yaml")
    with open(path, "w") as f:
        f.write("apps:\n  - {name: big, cname: big.example.com}\n"
                "  - {name: spare, cname: spare.example.com}\ngroups:\n")
        for i in range(1205):
            f.write("  - {label: g%05d, primary: big, backup: spare}\n" % i)
    d.ctl("import", path)
    shown = d.ctl_json("app", "show", "big")
    assert [f["label"] for f in shown["followers"]] == \
        ["g%05d" % i for i in range(1205)]
    assert all(f["role"] == "primary" and f["active"]
               for f in shown["followers"])
    assert shown["next"] is None
    rows = d.ctl("app", "show", "spare").stdout.split("\n\n")[1]
    # the count, the header, a row per group
    assert len(rows.splitlines()) == 2 + 1205


@pytest.mark.parametrize("args, word", [
    ({"limit": 0}, "limit"), ({"limit": 10001}, "limit"),
    ({"after": 5}, "after"), ({"page": 1}, "page")])
def test_bad_list_arguments(many, args, word):
    r = request(many, "group.list", **args)
    assert not r["ok"] and word in r["error"]["message"]


def test_empty_lists_print_their_header(daemon):
    # a list with no rows still says what it would list
    want = {("app", "list"): "NAME  STATUS  GROUPS  ACTIVE  ENDPOINTS\n",
            ("group", "list"): "ADDRESS  PRIMARY  BACKUP  ACTIVE  TTL\n",
            ("history",): "SERIAL  TIME  USER  OP  SUBJECT  MOVED  CHANGE\n"}
    for args, header in want.items():
        assert daemon.ctl(*args).stdout == header, args
    # the same header above rows
    daemon.ctl("app", "add", "web1", "--addr", "192.0.2.1")
    out = daemon.ctl("app", "list").stdout.splitlines()
    assert out[0].split() == want[("app", "list")].split() and len(out) == 2
