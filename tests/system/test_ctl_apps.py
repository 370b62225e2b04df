"""Apps through the real flipctl: names, endpoints, replace, remove, status.

Rules (README, control protocol; names.h; store.h):
  - an app name is [a-z0-9][a-z0-9-]{0,62};
  - endpoints are exactly one host name (--cname) or 1..64 IPv4/IPv6
    addresses; an app or an address given twice is refused;
  - app set replaces the endpoints;
  - app show lists the groups that follow the app (the app-to-groups
    index), with the app's role in each and whether it is the active side;
  - app remove is refused while any group points at the app, naming the
    first five of them and how many more;
  - app status is online (active in a group), offline (in groups, active
    in none) or none (in no group); env prints FAILOVER_STATUS=<status>.
Every refusal exits 1 with a message and changes nothing.
"""

import json

import dns.rdatatype
import pytest

from flipdns import EXIT_EXISTS, EXIT_FAIL, EXIT_NOTFOUND, EXIT_USAGE


def app(d, name):
    return d.ctl_json("app", "show", name)


# -- names --------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "a", "0", "web1", "a-b", "9lives", "x--y", "a-", "a" * 63,
    "abcdefghijklmnopqrstuvwxyz-0123456789",
])
def test_valid_names_accepted(daemon, name):
    daemon.ctl("app", "add", name, "--addr", "192.0.2.1")
    assert app(daemon, name)["name"] == name
    assert name in [a["name"] for a in daemon.ctl_json("app", "list")["apps"]]


@pytest.mark.parametrize("name", [
    "", "-a", "A", "Web1", "web_1", "web.1", "web 1", "a" * 64, "wéb",
    "-", "web1.",
])
def test_invalid_names_refused(daemon, name):
    # "--": a name starting with "-" is an argument, not an option
    daemon.expect_error("app", "add", "--addr", "192.0.2.1", "--", name)
    daemon.expect_error("app", "show", "--", name, code=EXIT_NOTFOUND)


# -- endpoints ----------------------------------------------------------

def test_add_addresses_v4_and_v6(daemon):
    out = daemon.ctl("app", "add", "web1", "--addr", "192.0.2.1",
                     "--addr", "2001:db8::1").stdout
    assert "web1" in out
    a = app(daemon, "web1")
    assert a["name"] == "web1"
    assert sorted(a["addrs"]) == ["192.0.2.1", "2001:db8::1"]
    assert "cname" not in a
    assert a["status"] == "none"
    assert a["groups"] == 0 and a["active_groups"] == 0
    assert a["status_name"].endswith("._status." + daemon.origin)
    assert a["created"] > 0 and a["updated"] >= a["created"]


def test_add_cname(daemon):
    daemon.ctl("app", "add", "web2", "--cname", "lb-1.example.com")
    a = app(daemon, "web2")
    assert a["cname"].rstrip(".") == "lb-1.example.com"
    assert "addrs" not in a


def test_human_output(daemon):
    daemon.ctl("app", "add", "web1", "--addr", "192.0.2.1")
    daemon.ctl("app", "add", "web2", "--cname", "lb.example.com")
    show = daemon.ctl("app", "show", "web1").stdout
    assert any(line.split(":")[0] == "name" and "web1" in line
               for line in show.splitlines()), show
    lines = daemon.ctl("app", "list").stdout.splitlines()
    assert lines[0].split()[0] == "NAME"
    assert [line.split()[0] for line in lines[1:]] == ["web1", "web2"]
    # aligned: every row's second column starts where the header's does
    col = lines[0].index(lines[0].split()[1])
    assert all(line[col - 1] == " " and line[col] != " " for line in lines)


def test_json_output_is_the_result_on_one_line(daemon):
    out = daemon.ctl("--json", "app", "add", "web1", "--addr",
                     "192.0.2.1").stdout
    assert out.count("\n") == 1
    assert json.loads(out)["name"] == "web1"
    out = daemon.ctl("app", "list", "--json").stdout
    assert [a["name"] for a in json.loads(out)["apps"]] == ["web1"]


def test_addresses_up_to_64(daemon):
    addrs = ["192.0.2.%d" % i for i in range(1, 33)] + \
        ["2001:db8::%x" % i for i in range(1, 33)]
    args = [x for a in addrs for x in ("--addr", a)]
    daemon.ctl("app", "add", "big", *args)
    assert sorted(app(daemon, "big")["addrs"]) == sorted(addrs)
    daemon.expect_error("app", "add", "toobig", *args,
                        "--addr", "198.51.100.1")
    daemon.expect_error("app", "set", "big", *args, "--addr", "198.51.100.1")
    assert sorted(app(daemon, "big")["addrs"]) == sorted(addrs)


@pytest.mark.parametrize("addr", [
    "300.1.1.1", "192.0.2", "192.0.2.1/24", "hello", "2001:db8::g",
    "1.2.3.4.5", " 192.0.2.1", "",
])
def test_bad_address_refused(daemon, addr):
    daemon.expect_error("app", "add", "web1", "--addr", addr)
    daemon.expect_error("app", "add", "web1", "--addr", "192.0.2.1",
                        "--addr", addr)


@pytest.mark.parametrize("host", [
    "bad_host", "a..b", "-lead.example.com", "exa mple.com", "",
    "x" * 64 + ".example.com", ".".join(["abcdefghi"] * 26),
])
def test_bad_cname_refused(daemon, host):
    daemon.expect_error("app", "add", "web1", "--cname", host)


def test_endpoint_usage_errors(daemon):
    # exactly one kind of endpoint, and at least one
    daemon.expect_error("app", "add", "web1", code=EXIT_USAGE)
    daemon.expect_error("app", "add", "web1", "--cname", "a.example.com",
                        "--addr", "192.0.2.1", code=EXIT_USAGE)
    daemon.expect_error("app", "add", "web1", "--cname", "a.example.com",
                        "--cname", "b.example.com", code=EXIT_USAGE)
    daemon.expect_error("app", "add", "web1", "--addr", code=EXIT_USAGE)
    daemon.expect_error("app", "add", "--addr", "192.0.2.1", code=EXIT_USAGE)
    daemon.expect_error("app", "add", "web1", "web2", "--addr", "192.0.2.1",
                        code=EXIT_USAGE)
    daemon.ctl("app", "add", "web1", "--addr", "192.0.2.1")
    daemon.expect_error("app", "set", "web1", code=EXIT_USAGE)
    daemon.expect_error("app", "set", "web1", "--cname", "a.example.com",
                        "--addr", "192.0.2.2", code=EXIT_USAGE)


# -- duplicates ---------------------------------------------------------

def test_duplicate_app_refused(daemon):
    daemon.ctl("app", "add", "web1", "--addr", "192.0.2.1")
    before = app(daemon, "web1")
    daemon.expect_error("app", "add", "web1", "--addr", "192.0.2.2",
                        code=EXIT_EXISTS)
    daemon.expect_error("app", "add", "web1", "--cname", "lb.example.com",
                        code=EXIT_EXISTS)
    assert app(daemon, "web1") == before


@pytest.mark.parametrize("a, b", [
    ("192.0.2.1", "192.0.2.1"),
    ("2001:db8::1", "2001:db8::1"),
    ("2001:db8::1", "2001:DB8:0:0::1"),    # the same address, spelt twice
])
def test_duplicate_address_refused(daemon, a, b):
    daemon.expect_error("app", "add", "web1", "--addr", a, "--addr", b)
    daemon.ctl("app", "add", "web1", "--addr", "198.51.100.1")
    daemon.expect_error("app", "set", "web1", "--addr", a, "--addr", b)


# -- app set ------------------------------------------------------------

def test_set_replaces_endpoints(daemon):
    daemon.ctl("app", "add", "web1", "--addr", "192.0.2.1",
               "--addr", "192.0.2.2")
    created = app(daemon, "web1")["created"]
    daemon.ctl("app", "set", "web1", "--addr", "198.51.100.7")
    a = app(daemon, "web1")
    assert a["addrs"] == ["198.51.100.7"]
    assert a["created"] == created
    daemon.ctl("app", "set", "web1", "--cname", "lb.example.com")
    a = app(daemon, "web1")
    assert a["cname"].rstrip(".") == "lb.example.com"
    assert "addrs" not in a
    daemon.ctl("app", "set", "web1", "--addr", "2001:db8::5")
    a = app(daemon, "web1")
    assert a["addrs"] == ["2001:db8::5"]
    assert "cname" not in a


def test_set_keeps_groups_and_changes_answers(daemon):
    daemon.ctl("app", "add", "web1", "--addr", "192.0.2.1")
    label = daemon.create_group("--primary", "web1")
    ans = daemon.query(daemon.fqdn(label), "A")
    assert [r.address for r in ans.answer[0]] == ["192.0.2.1"]
    daemon.ctl("app", "set", "web1", "--addr", "192.0.2.9",
               "--addr", "192.0.2.10")
    a = app(daemon, "web1")
    assert a["groups"] == 1 and a["active_groups"] == 1
    ans = daemon.query(daemon.fqdn(label), "A")
    assert sorted(r.address for r in ans.answer[0]) == \
        ["192.0.2.10", "192.0.2.9"]
    daemon.ctl("app", "set", "web1", "--cname", "lb.example.com")
    ans = daemon.query(daemon.fqdn(label), "A")
    assert ans.answer[0].rdtype == dns.rdatatype.CNAME
    assert ans.answer[0][0].target.to_text().rstrip(".") == "lb.example.com"


def test_set_missing_app(daemon):
    daemon.expect_error("app", "set", "ghost", "--addr", "192.0.2.1",
                        code=EXIT_NOTFOUND)
    daemon.expect_error("app", "show", "ghost", code=EXIT_NOTFOUND)
    daemon.expect_error("app", "remove", "--yes", "ghost", code=EXIT_NOTFOUND)
    daemon.expect_error("app", "status", "ghost", code=EXIT_NOTFOUND)
    daemon.expect_error("env", "ghost", code=EXIT_NOTFOUND)


# -- app remove ---------------------------------------------------------

def test_remove(daemon):
    daemon.ctl("app", "add", "web1", "--addr", "192.0.2.1")
    daemon.ctl("app", "remove", "--yes", "web1")
    daemon.expect_error("app", "show", "web1", code=EXIT_NOTFOUND)
    daemon.expect_error("app", "remove", "--yes", "web1", code=EXIT_NOTFOUND)
    assert daemon.ctl_json("app", "list")["apps"] == []
    # the name is free again
    daemon.ctl("app", "add", "web1", "--cname", "lb.example.com")


def test_remove_refused_while_a_group_points_at_it(daemon):
    daemon.ctl("app", "add", "web1", "--addr", "192.0.2.1")
    daemon.ctl("app", "add", "web2", "--addr", "192.0.2.2")
    label = daemon.create_group("--primary", "web1", "--backup", "web2")
    # active side and inactive side alike
    daemon.expect_error("app", "remove", "--yes", "web1")
    daemon.expect_error("app", "remove", "--yes", "web2")
    daemon.ctl("group", "set", label, "--backup", "none")
    daemon.ctl("app", "remove", "--yes", "web2")
    daemon.expect_error("app", "remove", "--yes", "web1")
    # pointed at by a second group too: both must let go
    other = daemon.create_group("--primary", "web1")
    daemon.ctl("group", "set", label, "--primary", "none")
    daemon.expect_error("app", "remove", "--yes", "web1")
    daemon.ctl("group", "set", other, "--primary", "none")
    daemon.ctl("app", "remove", "--yes", "web1")


def test_remove_refusal_names_the_groups(daemon):
    daemon.ctl("app", "add", "web1", "--addr", "192.0.2.1")
    daemon.ctl("app", "add", "web2", "--addr", "192.0.2.2")
    daemon.ctl("group", "create", "--primary", "web2", "--backup", "web1",
               "--label", "shop")
    r = daemon.expect_error("app", "remove", "--yes", "web1")
    assert "app web1 is used by 1 group (shop); point it elsewhere" \
        in r.stderr, r.stderr
    for i in range(7):
        daemon.ctl("group", "create", "--primary", "web1", "--label",
                   "g%d" % i)
    r = daemon.expect_error("app", "remove", "--yes", "web1")
    assert "app web1 is used by 8 groups (g0, g1, g2, g3, g4 and 3 more); " \
        "point them elsewhere first" in r.stderr, r.stderr


# -- app show: the groups that follow an app -----------------------------

def followers(d, name):
    return [(f["label"], f["role"], f["active"])
            for f in app(d, name)["followers"]]


def test_show_lists_the_groups_that_follow(daemon):
    d = daemon
    d.ctl("app", "add", "web1", "--addr", "192.0.2.1")
    d.ctl("app", "add", "web2", "--cname", "lb.example.com")
    d.ctl("app", "add", "idle", "--addr", "192.0.2.3")
    for label, args in (("shop", ("--primary", "web1", "--backup", "web2")),
                        ("blog", ("--primary", "web2", "--backup", "web1")),
                        ("zeta", ("--primary", "web1",))):
        d.ctl("group", "create", "--label", label, *args)
    assert followers(d, "web1") == [("blog", "backup", False),
                                    ("shop", "primary", True),
                                    ("zeta", "primary", True)]
    assert followers(d, "idle") == []
    # a switch changes who is active, a set who follows
    d.ctl("group", "switch", "shop")
    d.ctl("group", "set", "blog", "--backup", "idle")
    d.ctl("group", "set", "zeta", "--primary", "none")
    assert followers(d, "web1") == [("shop", "primary", False)]
    assert followers(d, "web2") == [("blog", "primary", True),
                                    ("shop", "backup", True)]
    assert followers(d, "idle") == [("blog", "backup", False)]
    shown = app(d, "web2")
    assert shown["followers"][0]["address"] == d.fqdn("blog")
    assert shown["next"] is None
    # for people: the app, then how many groups follow it and their
    # table: the app's role, and whether it answers for the group now
    out = d.ctl("app", "show", "web2").stdout
    head, table = out.split("\n\n")
    assert head.splitlines()[0].split() == ["name:", "web2"]
    rows = [line.split() for line in table.splitlines()]
    assert rows == [["groups", "following", "web2:", "2"],
                    ["GROUP", "ROLE", "SERVING"],
                    [d.fqdn("blog"), "primary", "yes"],
                    [d.fqdn("shop"), "backup", "yes"]]
    d.ctl("group", "switch", "shop")
    rows = [line.split() for line in
            d.ctl("app", "show", "web2").stdout.split("\n\n")[1].splitlines()]
    assert rows[3] == [d.fqdn("shop"), "backup", "no"]
    # no groups: the count and the header, an empty table
    d.ctl("group", "set", "blog", "--backup", "none")
    out = d.ctl("app", "show", "idle").stdout
    assert out.split("\n\n")[1] == ("groups following idle: 0\n"
                                    "GROUP  ROLE  SERVING\n"), out


# -- status -------------------------------------------------------------

def status(d, name):
    r = d.ctl("app", "status", name)
    env = d.ctl("env", name)
    word = r.stdout.strip()
    assert r.stdout == word + "\n"
    assert env.stdout == "FAILOVER_STATUS=%s\n" % word
    res = d.ctl_json("app", "status", name)
    assert (res["name"], res["status"]) == (name, word)
    assert app(d, name)["status"] == word
    return word


def test_status_follows_groups(daemon):
    daemon.ctl("app", "add", "web1", "--addr", "192.0.2.1")
    daemon.ctl("app", "add", "web2", "--addr", "192.0.2.2")
    assert status(daemon, "web1") == "none"
    label = daemon.create_group("--primary", "web1", "--backup", "web2")
    assert status(daemon, "web1") == "online"
    assert status(daemon, "web2") == "offline"
    daemon.ctl("group", "switch", label)
    assert status(daemon, "web1") == "offline"
    assert status(daemon, "web2") == "online"
    # online when active in any one group
    daemon.create_group("--primary", "web1")
    assert status(daemon, "web1") == "online"
    a = app(daemon, "web1")
    assert a["groups"] == 2 and a["active_groups"] == 1
    daemon.ctl("group", "switch", label, "--to", "primary")
    a = app(daemon, "web1")
    assert a["groups"] == 2 and a["active_groups"] == 2
    assert status(daemon, "web2") == "offline"
    daemon.ctl("group", "set", label, "--backup", "none")
    assert status(daemon, "web2") == "none"


def test_status_usage(daemon):
    daemon.expect_error("app", "status", code=EXIT_USAGE)
    daemon.expect_error("env", code=EXIT_USAGE)
    daemon.expect_error("env", "a", "b", code=EXIT_USAGE)
    r = daemon.ctl("env", "ghost", check=False)
    assert r.returncode == EXIT_NOTFOUND and r.stdout == ""
