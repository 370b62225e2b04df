"""flipctl app failover NAME [--to primary|backup]: the whole-app outage.

README "flipctl":
  - every group whose active side is NAME goes to its other side, in one
    change: one serial, one history row (op app.failover, the groups it
    moved), the next answers follow;
  - a group with no app on the other side stays, and is listed with why;
  - --to SIDE makes SIDE active in every group NAME is in, as group
    switch --to does;
  - nothing to move: exit 0, no serial, no history row;
  - not found exits 5, a bad --to is a usage error.
"""

import json

import dns.rcode

from flipdns import EXIT_NOTFOUND, EXIT_USAGE

GROUPS = {
    "a": ("web1", "web2"), "b": ("web1", "web2"), "c": ("web2", "web1"),
    "d": ("web1", None), "e": ("web3", "web1"), "f": ("web2", "web3"),
}


def seed(d):
    for i, name in enumerate(("web1", "web2", "web3")):
        d.ctl("app", "add", name, "--addr", "192.0.2.%d" % (i + 1))
    for label, (p, b) in GROUPS.items():
        args = ["--label", label, "--primary", p]
        if b:
            args += ["--backup", b]
        d.ctl("group", "create", *args)


def active(d):
    return {g["label"]: g["active"]
            for g in d.ctl_json("group", "list")["groups"]}


def answer(d, label):
    ans = d.query(d.fqdn(label), "A")
    assert ans.rcode() == dns.rcode.NOERROR
    return ans.answer[0][0].address


def test_failover_moves_what_the_app_serves(daemon):
    d = daemon
    seed(d)
    serial = d.serial()
    rows = len(d.ctl_json("history", "--limit", "1000")["entries"])
    res = d.ctl_json("app", "failover", "web1")
    assert res["name"] == "web1"
    assert res["switched_count"] == 2
    assert [(g["label"], g["address"], g["active"])
            for g in res["switched"]] == [
        ("a", d.fqdn("a"), "backup"), ("b", d.fqdn("b"), "backup")]
    assert res["stayed_count"] == 1
    assert res["stayed"][0]["label"] == "d"
    assert res["stayed"][0]["reason"] == "no app on the backup"
    assert res["serial"] == serial + 1 == d.serial()
    assert active(d) == {"a": "backup", "b": "backup", "c": "primary",
                         "d": "primary", "e": "primary", "f": "primary"}
    assert answer(d, "a") == answer(d, "b") == "192.0.2.2"
    assert answer(d, "d") == "192.0.2.1"
    # one history row, naming the groups it moved
    hist = d.ctl_json("history", "--limit", "1000")["entries"]
    assert len(hist) == rows + 1
    row = hist[0]
    assert (row["op"], row["subject"]) == ("app.failover", "web1")
    assert sorted(row["moved"]) == ["a", "b"]
    assert d.ctl_json("history", "a", "--limit", "1")["entries"][0][
        "op"] == "app.failover"
    # again: nothing the app serves can move; no serial, no row
    res = d.ctl_json("app", "failover", "web1")
    assert res["switched_count"] == 0 and res["stayed_count"] == 1
    assert d.serial() == serial + 1
    assert len(d.ctl_json("history", "--limit", "1000")["entries"]) == \
        rows + 1


def test_failover_to_a_side(daemon):
    d = daemon
    seed(d)
    d.ctl("app", "failover", "web1")
    res = d.ctl_json("app", "failover", "web1", "--to", "primary")
    assert [g["label"] for g in res["switched"]] == ["a", "b"]
    assert active(d)["a"] == "primary"
    res = d.ctl_json("app", "failover", "--to", "backup", "web1")
    # every group web1 is in: a, b, c (web1 its backup), e; d stays
    assert [g["label"] for g in res["switched"]] == ["a", "b", "c", "e"]
    assert [g["label"] for g in res["stayed"]] == ["d"]
    assert active(d) == {"a": "backup", "b": "backup", "c": "backup",
                         "d": "primary", "e": "backup", "f": "primary"}
    assert answer(d, "c") == answer(d, "e") == "192.0.2.1"


def test_failover_for_people(daemon):
    d = daemon
    seed(d)
    out = d.ctl("app", "failover", "web1").stdout.splitlines()
    assert out[0] == "app web1: 2 groups switched (serial %d)" % d.serial()
    assert out[1].split() == ["GROUP", "ACTIVE"]
    assert out[2].split() == [d.fqdn("a"), "backup"]
    assert out[3].split() == [d.fqdn("b"), "backup"]
    assert out[5] == "1 group stayed"
    assert out[6].split() == ["GROUP", "STAYED"]
    assert out[7].split()[0] == d.fqdn("d")
    d.ctl("app", "add", "idle", "--addr", "192.0.2.9")
    out = d.ctl("app", "failover", "idle").stdout.splitlines()
    assert out[0] == "app idle: 0 groups switched"
    assert out[1].split() == ["GROUP", "ACTIVE"] and len(out) == 2


def test_failover_errors(daemon):
    d = daemon
    seed(d)
    r = d.expect_error("app", "failover", "ghost", code=EXIT_NOTFOUND)
    assert "app ghost not found" in r.stderr
    d.expect_error("app", "failover", "web1", "--to", "sideways",
                   code=EXIT_USAGE)
    d.expect_error("app", "failover", code=EXIT_USAGE)
    r = d.ctl("--json", "app", "failover", "ghost", check=False)
    assert json.loads(r.stdout)["error"]["code"] == "not_found"


def test_failover_of_many_groups_is_one_change(daemon, tmp_path):
    # more than one batch of the index walk (256 labels)
    d = daemon
    path = tmp_path / "many.yaml"
    path.write_text("apps:\n  - {name: p, addrs: [192.0.2.1]}\n"
                    "  - {name: q, addrs: [192.0.2.2]}\ngroups:\n" +
                    "".join("  - {label: m%04d, primary: p, backup: q}\n" % i
                            for i in range(700)))
    d.ctl("import", str(path))
    serial = d.serial()
    res = d.ctl_json("app", "failover", "p")
    assert res["switched_count"] == 700 and len(res["switched"]) == 700
    assert d.serial() == serial + 1
    assert d.ctl_json("app", "status", "p")["status"] == "offline"
    assert d.ctl_json("app", "show", "q")["active_groups"] == 700
    assert answer(d, "m0699") == "192.0.2.2"
