"""History that names what moved, through the real flipctl.

Rules (README "Behaviour", "Control protocol"; history.h):
  - every row carries the actor (user name and uid), the groups whose
    answers it changed ("moved") and the apps whose FAILOVER_STATUS it
    changed ("status": {app: [before, after]});
  - `history APP` lists the app's own rows and exactly the rows that
    changed its status; `history ADDRESS` the group's own rows and the
    rows that moved it; a name that is both gets the rows of both;
  - the table shows who, how many groups moved, and before -> after;
  - history.keep_rows bounds the rows kept; a bad value is refused with
    FILE:LINE:COL.
"""

import re
import subprocess

import pytest

import flipdns
from flipdns import EXIT_FAIL


def serials(d, *args):
    return [e["serial"] for e in d.ctl_json("history", *args)["entries"]]


def ops(d, *args):
    return [(e["op"], e["subject"])
            for e in d.ctl_json("history", *args)["entries"]]


@pytest.fixture
def story(daemon):
    """Two groups sharing a backup; each step's serial by name."""
    d = daemon
    s = {}
    steps = [
        ("add web1", ("app", "add", "web1", "--addr", "192.0.2.1")),
        ("add web2", ("app", "add", "web2", "--cname", "lb.example.com")),
        ("add other", ("app", "add", "other", "--addr", "192.0.2.7")),
        # web1 none -> online, web2 none -> offline
        ("create g", ("group", "create", "--label", "g", "--primary",
                      "web1", "--backup", "web2")),
        # other none -> online; web2 stays offline
        ("create h", ("group", "create", "--label", "h", "--primary",
                      "other", "--backup", "web2")),
        # other -> offline, web2 -> online
        ("switch h", ("group", "switch", "h")),
        # web1 -> offline; web2 stays online
        ("switch g", ("group", "switch", "g")),
        # moves g and h (web2 is active in both), no status changes
        ("set web2", ("app", "set", "web2", "--addr", "192.0.2.9")),
        # other is active nowhere: moves nothing
        ("set other", ("app", "set", "other", "--addr", "192.0.2.8")),
        ("ttl h", ("group", "set", "h", "--ttl", "90")),
    ]
    for name, args in steps:
        d.ctl(*args)
        s[name] = d.serial()
    return d, s


def test_history_app_is_its_rows_and_its_status_changes(story):
    d, s = story
    assert serials(d, "web1") == [s["switch g"], s["create g"],
                                  s["add web1"]]
    assert serials(d, "web2") == [s["set web2"], s["switch h"],
                                  s["create g"], s["add web2"]]
    assert serials(d, "other") == [s["set other"], s["switch h"],
                                   s["create h"], s["add other"]]
    rows = {e["serial"]: e for e in d.ctl_json("history")["entries"]}
    assert rows[s["create g"]]["status"] == {
        "web1": ["none", "online"], "web2": ["none", "offline"]}
    assert rows[s["switch h"]]["status"] == {
        "other": ["online", "offline"], "web2": ["offline", "online"]}
    assert rows[s["switch g"]]["status"] == {"web1": ["online", "offline"]}
    assert rows[s["set web2"]]["status"] == {}


def test_history_address_includes_rows_that_moved_it(story):
    d, s = story
    assert serials(d, "g") == [s["set web2"], s["switch g"], s["create g"]]
    assert serials(d, "h") == [s["ttl h"], s["set web2"], s["switch h"],
                               s["create h"]]
    assert serials(d, d.fqdn("h")) == serials(d, "h")
    rows = {e["serial"]: e for e in d.ctl_json("history")["entries"]}
    assert rows[s["set web2"]]["moved"] == ["g", "h"]
    assert rows[s["set other"]]["moved"] == []
    assert rows[s["ttl h"]]["moved"] == ["h"]
    assert serials(d, "--limit", "2", "h") == [s["ttl h"], s["set web2"]]


def test_history_rows_carry_the_actor(story):
    d, _ = story
    for e in d.ctl_json("history")["entries"]:
        assert (e["actor"], e["uid"]) == ("root", 0), e


def test_history_table_shows_before_and_after(story):
    d, s = story
    lines = d.ctl("history").stdout.splitlines()
    header = lines[0].split()
    assert header == ["SERIAL", "TIME", "USER", "OP", "SUBJECT", "MOVED",
                      "CHANGE"]
    change_at = lines[0].index("CHANGE")
    rows = {int(line.split()[0]): line for line in lines[1:]}
    assert len(rows) == len(s)

    def row(name):
        line = rows[s[name]]
        cells = line[:change_at].split()
        return cells[2], cells[5], line[change_at:]

    assert row("switch g") == ("root", "1",
                               "active primary -> backup, "
                               "web1 online -> offline")
    assert row("set web2") == ("root", "2",
                               "cname lb.example.com. -> -, "
                               "addrs - -> 192.0.2.9")
    assert row("set other") == ("root", "0",
                                "addrs 192.0.2.7 -> 192.0.2.8")
    assert row("ttl h") == ("root", "1", "ttl 30 -> 90")
    assert row("add web1") == ("root", "0", "addrs 192.0.2.1")
    assert row("create g")[2].startswith("primary web1, backup web2, ")


def test_history_name_that_is_an_app_and_a_group(daemon):
    d = daemon
    d.ctl("app", "add", "shop", "--addr", "192.0.2.1")
    d.ctl("app", "add", "web", "--addr", "192.0.2.2")
    d.ctl("group", "create", "--label", "shop", "--primary", "web")
    d.ctl("group", "create", "--label", "x", "--primary", "shop")
    assert ops(d, "shop") == [("group.create", "x"),
                              ("group.create", "shop"),
                              ("app.add", "shop")]
    # the FQDN names the group alone
    assert ops(d, d.fqdn("shop")) == [("group.create", "shop")]


@pytest.mark.parametrize("name", ["Web_1!", "a.b.example.com", "_status_"])
def test_history_bad_name(daemon, name):
    r = daemon.ctl("history", "--", name, check=False)
    assert r.returncode == EXIT_FAIL, r
    assert "is neither an app name nor a group address" in r.stderr


def test_history_import_row_lists_what_it_created(daemon):
    d = daemon
    d.ctl("app", "add", "web1", "--addr", "192.0.2.1")
    path = d.dir + "/i.yaml"
    with open(path, "w") as f:
        f.write("apps:\n  - {name: web2, cname: lb.example.com}\n"
                "groups:\n  - {label: b, primary: web1}\n"
                "  - {label: a, primary: web2, backup: web1}\n")
    d.ctl("import", path)
    row = d.ctl_json("history", "--limit", "1")["entries"][0]
    assert row["op"] == "import" and row["moved"] == ["b", "a"]
    assert row["status"] == {"web1": ["none", "online"]}
    assert row["after"] == {"apps": 1, "groups": 2}
    assert ops(d, "a") == [("import", path)]
    assert ops(d, "web1") == [("import", path), ("app.add", "web1")]
    line = d.ctl("history", "--limit", "1").stdout.splitlines()[1]
    assert line.split()[5] == "2" and line.endswith(
        "apps 1, groups 2, web1 none -> online"), line


@pytest.mark.daemon(history_keep_rows=5)
def test_history_keep_rows(daemon):
    d = daemon
    d.ctl("app", "add", "web1", "--addr", "192.0.2.1")
    label = d.create_group("--primary", "web1")
    for i in range(10):
        d.ctl("group", "set", label, "--ttl", str(60 + i))
    last = d.serial()
    assert serials(d) == list(range(last, last - 5, -1))
    # the store keeps the bound across a restart
    d.restart()
    d.ctl("group", "set", label, "--ttl", "30")
    assert serials(d) == list(range(last + 1, last - 4, -1))


def test_history_keep_follows_reload(daemon):
    d = daemon
    d.ctl("app", "add", "web1", "--addr", "192.0.2.1")
    label = d.create_group("--primary", "web1")
    for i in range(6):
        d.ctl("group", "set", label, "--ttl", str(60 + i))
    assert len(serials(d)) == 8
    d.optional["history_keep_rows"] = 3
    d.write_config()
    assert "reloaded" in d.ctl("reload").stdout
    d.ctl("group", "set", label, "--ttl", "30")
    last = d.serial()
    assert serials(d) == [last, last - 1, last - 2]


@pytest.mark.parametrize("key, value, want", [
    ("history_keep_rows", 0, "history.keep_rows: 0 is out of range "
     "1..2147483647"),
    ("history_keep_days", 36501, "history.keep_days: 36501 is out of range "
     "0..36500"),
    ("history_keep_days", "week", "history.keep_days: 'week' is not a "
     "number"),
])
def test_history_keep_bad_values_refused(key, value, want):
    d = flipdns.Daemon(**{key: value})
    try:
        d.port = 5353
        d.write_config()
        r = subprocess.run([flipdns.FLIPDNSD, "-c", d.conf, "--check-config"],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 2, r
        assert re.search(r"flipdns\.yaml:\d+:\d+: " + re.escape(want),
                         r.stderr), r.stderr
    finally:
        d.cleanup()
