"""Groups through the real flipctl, and the control plane's guarantees.

Rules (README, control protocol; changes.h):
  - a new group's address is 12 chars of [a-z2-7] under the zone origin;
    a --label of one's own is refused when live or tombstoned;
  - a group has no app, a primary alone, or both; never a backup alone;
    primary and backup differ;
  - switch toggles, --to sets (idempotent); switching to a side with no
    app is refused; a change that empties the active side returns it to
    primary;
  - delete is refused while the group points at any app; the deleted
    label is tombstoned forever;
  - every committed change adds a history row and increments the serial;
    refusals change nothing, exit by class (1 refused, 5 not found, 6
    exists: test_ctl_scripts.py) and say why; usage errors exit 2; an
    unreachable daemon exits 3; a peer not allowed is refused (exit 4,
    with a hint; test_ctl_access.py has the rest of the roles);
  - an acknowledged change survives a restart.
"""

import grp
import os
import pwd
import re
import signal
import subprocess

import dns.rcode
import pytest

from flipdns import (EXIT_DENIED, EXIT_EXISTS, EXIT_FAIL, EXIT_NOTFOUND,
                     EXIT_UNREACH, EXIT_USAGE, FLIPCTL)

LABEL_RE = re.compile(r"^[a-z2-7]{12}$")


def group(d, address):
    return d.ctl_json("group", "show", address)


def apps(d, *names):
    for i, name in enumerate(names):
        d.ctl("app", "add", name, "--addr", "192.0.2.%d" % (i + 1))


# -- create -------------------------------------------------------------

def test_create_prints_a_fresh_address(daemon):
    seen = set()
    for _ in range(5):
        r = daemon.ctl("group", "create")
        assert r.stdout.count("\n") == 1
        address = r.stdout.strip()
        label, _, origin = address.partition(".")
        assert LABEL_RE.match(label), address
        assert origin == daemon.origin
        seen.add(label)
        g = group(daemon, address)
        assert g["address"] == address and g["label"] == label
        assert g["primary"] is None and g["backup"] is None
        assert g["active"] == "primary" and g["active_app"] is None
        assert g["ttl"] == 30     # the zone default in the test config
    assert len(seen) == 5
    listed = daemon.ctl_json("group", "list")["groups"]
    assert sorted(g["label"] for g in listed) == sorted(seen)
    assert daemon.ctl_json("status")["groups"] == 5


def test_create_with_apps_and_ttl(daemon):
    apps(daemon, "web1", "web2")
    one = daemon.create_group("--primary", "web1")
    g = group(daemon, one)
    assert (g["primary"], g["backup"], g["active"], g["active_app"]) == \
        ("web1", None, "primary", "web1")
    two = daemon.create_group("--ttl", "120", "--backup", "web2",
                              "--primary", "web1")
    g = group(daemon, two)
    assert (g["primary"], g["backup"], g["active"], g["active_app"],
            g["ttl"]) == ("web1", "web2", "primary", "web1", 120)
    # "none" is no app
    three = daemon.create_group("--primary", "none")
    assert group(daemon, three)["primary"] is None


def test_create_refusals(daemon):
    apps(daemon, "web1", "web2")
    daemon.expect_error("group", "create", "--backup", "web2")
    daemon.expect_error("group", "create", "--primary", "web1",
                        "--backup", "web1")
    daemon.expect_error("group", "create", "--primary", "ghost",
                        code=EXIT_NOTFOUND)
    daemon.expect_error("group", "create", "--primary", "web1",
                        "--backup", "ghost", code=EXIT_NOTFOUND)
    daemon.expect_error("group", "create", "--primary", "Bad_Name")
    assert daemon.ctl_json("group", "list")["groups"] == []


def test_address_forms(daemon):
    label = daemon.create_group("--label", "shop")
    for form in ("shop", "shop." + daemon.origin, "shop." +
                 daemon.origin.rstrip("."), "SHOP." + daemon.origin.upper()):
        assert group(daemon, form)["label"] == label
    daemon.expect_error("group", "show", "shop.other.example.")
    daemon.expect_error("group", "show", "nosuch", code=EXIT_NOTFOUND)


# -- labels -------------------------------------------------------------

def test_chosen_label(daemon):
    address = daemon.ctl("group", "create", "--label", "www-1").stdout
    assert address == "www-1." + daemon.origin + "\n"
    daemon.expect_error("group", "create", "--label", "www-1",
                        code=EXIT_EXISTS)


@pytest.mark.parametrize("label", [
    "", "Bad", "under_score", "-x", "x-", "a.b", "a" * 64, "ns1", "_status",
])
def test_bad_or_reserved_label_refused(daemon, label):
    # a name in the zone takes ns1: it exists; the rest are not labels
    daemon.expect_error("group", "create", "--label", label,
                        code=EXIT_EXISTS if label == "ns1" else EXIT_FAIL)


def test_deleted_label_is_tombstoned(daemon):
    daemon.create_group("--label", "gone")
    random = daemon.create_group()
    tomb0 = daemon.ctl_json("status")["tombstones"]
    daemon.ctl("group", "delete", "--yes", "gone")
    daemon.ctl("group", "delete", "--yes", daemon.fqdn(random))
    assert daemon.ctl_json("status")["tombstones"] == tomb0 + 2
    for label in ("gone", random):
        daemon.expect_error("group", "show", label, code=EXIT_NOTFOUND)
        daemon.expect_error("group", "delete", "--yes", label,
                            code=EXIT_NOTFOUND)
        daemon.expect_error("group", "switch", label, code=EXIT_NOTFOUND)
        daemon.expect_error("group", "set", label, "--ttl", "60",
                            code=EXIT_NOTFOUND)
        daemon.expect_error("group", "create", "--label", label,
                            code=EXIT_EXISTS)
    assert daemon.ctl_json("group", "list")["groups"] == []


# -- set ----------------------------------------------------------------

def test_set_apps_and_ttl(daemon):
    apps(daemon, "web1", "web2", "web3")
    label = daemon.create_group()
    daemon.ctl("group", "set", label, "--primary", "web1")
    daemon.ctl("group", "set", label, "--backup", "web2", "--ttl", "300")
    g = group(daemon, label)
    assert (g["primary"], g["backup"], g["ttl"]) == ("web1", "web2", 300)
    out = daemon.ctl("group", "set", label, "--primary", "web3").stdout
    assert "web3" in out
    g = group(daemon, label)
    assert (g["primary"], g["backup"], g["active_app"]) == \
        ("web3", "web2", "web3")
    daemon.ctl("group", "set", label, "--backup", "none",
               "--primary", "none")
    g = group(daemon, label)
    assert (g["primary"], g["backup"], g["active_app"]) == (None, None, None)


def test_set_refusals(daemon):
    apps(daemon, "web1", "web2")
    empty = daemon.create_group()
    both = daemon.create_group("--primary", "web1", "--backup", "web2")
    daemon.expect_error("group", "set", empty, "--backup", "web2")
    daemon.expect_error("group", "set", empty, "--primary", "web1",
                        "--backup", "web1")
    daemon.expect_error("group", "set", both, "--primary", "none")
    daemon.expect_error("group", "set", both, "--primary", "web2")
    daemon.expect_error("group", "set", both, "--backup", "web1")
    daemon.expect_error("group", "set", both, "--backup", "ghost",
                        code=EXIT_NOTFOUND)
    daemon.expect_error("group", "set", "nosuchgroup", "--ttl", "60",
                        code=EXIT_NOTFOUND)


# -- switch -------------------------------------------------------------

def test_switch_toggles(daemon):
    apps(daemon, "web1", "web2")
    label = daemon.create_group("--primary", "web1", "--backup", "web2")
    out = daemon.ctl("group", "switch", label).stdout
    assert "backup" in out
    g = group(daemon, label)
    assert (g["active"], g["active_app"]) == ("backup", "web2")
    daemon.ctl("group", "switch", daemon.fqdn(label))
    g = group(daemon, label)
    assert (g["active"], g["active_app"]) == ("primary", "web1")


def test_switch_to_is_idempotent(daemon):
    apps(daemon, "web1", "web2")
    label = daemon.create_group("--primary", "web1", "--backup", "web2")
    for _ in range(2):
        daemon.ctl("group", "switch", label, "--to", "backup")
        assert group(daemon, label)["active"] == "backup"
    for _ in range(2):
        daemon.ctl("group", "switch", "--to", "primary", label)
        assert group(daemon, label)["active"] == "primary"
    daemon.expect_error("group", "switch", label, "--to", "sideways",
                        code=EXIT_USAGE)


def test_switch_to_an_empty_side_refused(daemon):
    apps(daemon, "web1")
    empty = daemon.create_group()
    alone = daemon.create_group("--primary", "web1")
    daemon.expect_error("group", "switch", empty)
    daemon.expect_error("group", "switch", empty, "--to", "backup")
    daemon.expect_error("group", "switch", alone)
    daemon.expect_error("group", "switch", alone, "--to", "backup")
    assert group(daemon, alone)["active"] == "primary"
    daemon.expect_error("group", "switch", "nosuchgroup", code=EXIT_NOTFOUND)


def test_switch_changes_the_answer(daemon):
    apps(daemon, "web1", "web2")
    label = daemon.create_group("--primary", "web1", "--backup", "web2",
                                "--ttl", "45")
    name = daemon.fqdn(label)
    ans = daemon.query(name, "A")
    assert [r.address for r in ans.answer[0]] == ["192.0.2.1"]
    assert ans.answer[0].ttl == 45
    daemon.ctl("group", "switch", label)
    ans = daemon.query(name, "A", tcp=True)
    assert [r.address for r in ans.answer[0]] == ["192.0.2.2"]


def test_emptied_active_side_returns_to_primary(daemon):
    apps(daemon, "web1", "web2", "web3")
    label = daemon.create_group("--primary", "web1", "--backup", "web2")
    daemon.ctl("group", "switch", label, "--to", "backup")
    # replacing the active app keeps the side
    daemon.ctl("group", "set", label, "--backup", "web3")
    g = group(daemon, label)
    assert (g["active"], g["active_app"]) == ("backup", "web3")
    # emptying it does not
    daemon.ctl("group", "set", label, "--backup", "none")
    g = group(daemon, label)
    assert (g["active"], g["active_app"], g["backup"]) == \
        ("primary", "web1", None)


# -- delete -------------------------------------------------------------

def test_delete_refused_while_pointing_at_an_app(daemon):
    apps(daemon, "web1", "web2")
    alone = daemon.create_group("--primary", "web1")
    both = daemon.create_group("--primary", "web1", "--backup", "web2")
    daemon.expect_error("group", "delete", "--yes", alone)
    daemon.expect_error("group", "delete", "--yes", both)
    daemon.ctl("group", "set", both, "--backup", "none")
    daemon.expect_error("group", "delete", "--yes", both)
    daemon.ctl("group", "set", both, "--primary", "none")
    r = daemon.ctl("group", "delete", "--yes", both)
    assert r.stdout == ("deleted %s\nthis address is gone for good: its "
                        "label is never issued again\n" % daemon.fqdn(both))
    daemon.expect_error("group", "show", both, code=EXIT_NOTFOUND)
    assert [g["label"] for g in daemon.ctl_json("group", "list")["groups"]] \
        == [alone]
    ans = daemon.query(daemon.fqdn(both), "A")
    assert ans.rcode() == dns.rcode.NXDOMAIN


# -- history and serial -------------------------------------------------

def test_history(daemon):
    apps(daemon, "web1", "web2")
    label = daemon.create_group("--primary", "web1", "--backup", "web2")
    other = daemon.create_group()
    daemon.ctl("group", "switch", label)
    daemon.ctl("group", "set", label, "--ttl", "90")
    everything = daemon.ctl_json("history")["entries"]
    assert len(everything) == 6
    serials = [e["serial"] for e in everything]
    assert serials == sorted(serials, reverse=True)
    assert serials[0] == daemon.serial()
    for e in everything:
        assert set(e) >= {"serial", "time", "uid", "op", "subject",
                          "before", "after"}
        assert e["uid"] == 0
    assert "web1" in everything[-1]["subject"]
    # one group's rows: create, switch, set - newest first
    mine = daemon.ctl_json("history", label)["entries"]
    assert len(mine) == 3
    assert all(label in e["subject"] for e in mine)
    assert "switch" in mine[1]["op"] and "create" in mine[2]["op"]
    assert mine[2]["before"] is None
    assert mine[1]["before"]["active"] == "primary"
    assert mine[1]["after"]["active"] == "backup"
    assert daemon.ctl_json("history", daemon.fqdn(label)) == \
        {"entries": mine}
    assert len(daemon.ctl_json("history", other)["entries"]) == 1
    assert daemon.ctl_json("history", label, "--limit", "1")["entries"] == \
        mine[:1]
    assert daemon.ctl_json("history", "--limit", "2")["entries"] == \
        everything[:2]
    lines = daemon.ctl("history", "--limit", "2").stdout.splitlines()
    assert len(lines) == 3 and lines[0].split()[0] == "SERIAL"
    # refusals leave no row
    daemon.expect_error("group", "switch", other)
    assert daemon.ctl_json("history")["entries"] == everything


def test_serial_counts_committed_changes(daemon):
    s = daemon.serial()
    steps = [
        ("app", "add", "web1", "--addr", "192.0.2.1"),
        ("app", "add", "web2", "--cname", "lb.example.com"),
        ("app", "set", "web2", "--addr", "192.0.2.2"),
        ("group", "create", "--label", "g1", "--primary", "web1"),
        ("group", "set", "g1", "--backup", "web2"),
        ("group", "switch", "g1"),
        ("group", "switch", "g1", "--to", "primary"),
        ("group", "set", "g1", "--ttl", "77"),
        ("group", "set", "g1", "--backup", "none", "--primary", "none"),
        ("group", "delete", "--yes", "g1"),
        ("app", "remove", "--yes", "web2"),
    ]
    for step in steps:
        daemon.ctl(*step)
        s += 1
        assert daemon.serial() == s, step
        soa = daemon.query(daemon.origin, "SOA")
        assert soa.answer[0][0].serial == s, step
    # reads commit nothing
    for read in (("status",), ("app", "list"), ("app", "show", "web1"),
                 ("app", "status", "web1"), ("env", "web1"),
                 ("group", "list"), ("history",)):
        daemon.ctl(*read)
    assert daemon.serial() == s


def test_refusals_write_nothing(daemon):
    apps(daemon, "web1", "web2")
    label = daemon.create_group("--primary", "web1", "--label", "keep")
    daemon.ctl("group", "create", "--label", "dead")
    daemon.ctl("group", "delete", "--yes", "dead")
    before = daemon.snapshot()
    show = daemon.ctl("group", "show", label).stdout
    hist = daemon.ctl_json("history")
    refused = [
        (EXIT_EXISTS, "app", "add", "web1", "--addr", "192.0.2.9"),
        (EXIT_FAIL, "app", "add", "BAD", "--addr", "192.0.2.9"),
        (EXIT_FAIL, "app", "add", "web3", "--addr", "192.0.2.300"),
        (EXIT_NOTFOUND, "app", "set", "ghost", "--addr", "192.0.2.9"),
        (EXIT_FAIL, "app", "remove", "--yes", "web1"),
        (EXIT_NOTFOUND, "app", "remove", "--yes", "ghost"),
        (EXIT_EXISTS, "group", "create", "--label", "keep"),
        (EXIT_EXISTS, "group", "create", "--label", "dead"),
        (EXIT_FAIL, "group", "create", "--backup", "web2"),
        (EXIT_FAIL, "group", "create", "--primary", "web2", "--backup",
         "web2"),
        (EXIT_FAIL, "group", "set", label, "--backup", "web1"),
        (EXIT_FAIL, "group", "set", label, "--primary", "none", "--backup",
         "web2"),
        (EXIT_NOTFOUND, "group", "set", label, "--primary", "ghost"),
        (EXIT_FAIL, "group", "switch", label),
        (EXIT_FAIL, "group", "switch", label, "--to", "backup"),
        (EXIT_FAIL, "group", "delete", "--yes", label),
        (EXIT_NOTFOUND, "group", "delete", "--yes", "dead"),
        (EXIT_NOTFOUND, "group", "show", "dead"),
    ]
    for code, *args in refused:
        daemon.expect_error(*args, code=code)
    assert daemon.snapshot() == before
    assert daemon.ctl("group", "show", label).stdout == show
    assert daemon.ctl_json("history") == hist


# -- command line -------------------------------------------------------

@pytest.mark.parametrize("args", [
    (),
    ("frobnicate",),
    ("group", "frob"),
    ("app", "list", "extra"),
    ("app", "show"),
    ("app", "list", "--bogus"),
    ("group", "create", "--ttl", "abc"),
    ("group", "create", "--ttl", "-1"),
    ("group", "create", "--ttl", "1.5"),
    ("group", "create", "--ttl", "99999999999"),
    ("group", "create", "--ttl", ""),
    ("group", "create", "--ttl"),
    ("group", "create", "--ttl", "30", "--ttl", "40"),
    ("group", "create", "extra"),
    ("group", "set", "keep"),
    ("group", "set", "keep", "--to", "backup"),
    ("group", "switch"),
    ("group", "switch", "keep", "--to"),
    ("group", "switch", "keep", "--to", "none"),
    ("group", "switch", "keep", "other"),
    ("group", "delete"),
    ("history", "a", "b"),
    ("history", "--limit", "x"),
    ("status", "now"),
    ("--timeout", "0", "status"),
    ("--timeout", "x", "status"),
    ("-s",),
])
def test_usage_errors_exit_2(daemon, args):
    daemon.ctl("group", "create", "--label", "keep")
    daemon.expect_error(*args, code=EXIT_USAGE)


def test_help(daemon):
    out = daemon.ctl("help").stdout
    for words in ("app add", "app set", "app list", "app show", "app remove",
                  "app status", "env", "group create", "group list",
                  "group show", "group set", "group switch", "group delete",
                  "history", "status"):
        assert re.search(r"^\s+%s\b" % words, out, re.M), words
    assert daemon.ctl("--help").stdout == out


def test_options_anywhere(daemon):
    apps(daemon, "web1", "web2")
    daemon.ctl("--json", "group", "create", "--label", "g1",
               "--primary", "web1", "--backup=web2")
    daemon.ctl("group", "switch", "g1", "--to", "backup", "--json")
    daemon.ctl("group", "switch", "--to=primary", "g1")
    assert group(daemon, "g1")["active"] == "primary"


# -- reaching the daemon ------------------------------------------------

def test_unreachable_exits_3(daemon, tmp_path):
    for path in (str(tmp_path / "nosuch.sock"), "/nonexistent/dir/x.sock"):
        r = daemon.ctl("status", check=False, socket_path=path)
        assert r.returncode == EXIT_UNREACH
        assert r.stderr.startswith("flipctl: cannot connect to %s: " % path)
        assert r.stdout == ""
    # a socket file nobody listens on any more
    daemon.stop()
    r = daemon.ctl("group", "create", check=False)
    assert r.returncode == EXIT_UNREACH, r
    assert "cannot connect to %s" % daemon.socket in r.stderr


def test_socket_from_environment(daemon):
    env = dict(os.environ, FLIPDNS_SOCKET=daemon.socket)
    r = subprocess.run([FLIPCTL, "status"], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    # -s wins over the environment
    env["FLIPDNS_SOCKET"] = "/nonexistent.sock"
    r = subprocess.run([FLIPCTL, "-s", daemon.socket, "status"],
                       env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def open_socket_to_all(d):
    """Let file permissions admit anyone, so only SO_PEERCRED decides."""
    os.chmod(d.dir, 0o755)
    os.chmod(d.socket, 0o666)


def test_uid_not_allowed_is_refused(daemon):
    open_socket_to_all(daemon)
    apps(daemon, "web1")
    for args in (("status",), ("app", "list"),
                 ("app", "add", "web9", "--addr", "192.0.2.9"),
                 ("group", "create"), ("app", "remove", "--yes", "web1")):
        r = daemon.expect_error(*args, as_user="nobody", code=EXIT_DENIED)
        assert "hint:" in r.stderr, r.stderr
    assert [a["name"] for a in daemon.ctl_json("app", "list")["apps"]] == \
        ["web1"]


NOBODY_UID = pwd.getpwnam("nobody").pw_uid
NOGROUP_GID = grp.getgrnam("nogroup").gr_gid


@pytest.mark.daemon(allow_uids=[0, NOBODY_UID])
def test_allowed_uid(daemon):
    open_socket_to_all(daemon)
    r = daemon.ctl("--json", "group", "create", "--label", "byuid",
                   as_user="nobody")
    assert r.returncode == 0, r.stderr
    entry = daemon.ctl_json("history", "byuid")["entries"][0]
    assert entry["uid"] == NOBODY_UID
    assert entry["actor"] == "nobody"


@pytest.mark.daemon(allow_uids=[0], allow_gids=[NOGROUP_GID])
def test_allowed_gid(daemon):
    open_socket_to_all(daemon)
    daemon.ctl("status", as_user="nobody")
    daemon.ctl("group", "create", "--label", "bygid", as_user="nobody")


# -- durability ---------------------------------------------------------

def test_acknowledged_changes_survive_restart(daemon):
    apps(daemon, "web1", "web2", "web3")
    daemon.ctl("app", "set", "web3", "--cname", "lb.example.com")
    daemon.ctl("app", "add", "v6", "--addr", "2001:db8::1", "--addr",
               "2001:db8::2")
    a = daemon.create_group("--primary", "web1", "--backup", "web2",
                            "--ttl", "120")
    b = daemon.create_group("--label", "shop", "--primary", "web3")
    daemon.create_group("--label", "gone")
    daemon.ctl("group", "delete", "--yes", "gone")
    daemon.ctl("group", "switch", a)
    daemon.ctl("group", "set", b, "--primary", "v6")
    daemon.ctl("app", "remove", "--yes", "web3")

    before = daemon.snapshot()
    shows = {x: daemon.ctl_json("group", "show", x) for x in (a, b)}
    hist = daemon.ctl_json("history")
    answer = [r.address for r in daemon.query(daemon.fqdn(a), "A").answer[0]]

    daemon.restart()

    assert daemon.snapshot() == before
    assert {x: daemon.ctl_json("group", "show", x) for x in (a, b)} == shows
    assert daemon.ctl_json("history") == hist
    assert [r.address for r in
            daemon.query(daemon.fqdn(a), "A").answer[0]] == answer == \
        ["192.0.2.2"]
    soa = daemon.query(daemon.origin, "SOA")
    assert soa.answer[0][0].serial == before["status"]["serial"]
    daemon.expect_error("group", "create", "--label", "gone",
                        code=EXIT_EXISTS)
    daemon.expect_error("app", "show", "web3", code=EXIT_NOTFOUND)
    # and it keeps counting from there
    daemon.ctl("group", "switch", a)
    assert daemon.serial() == before["status"]["serial"] + 1


def test_restart_after_sigkill_keeps_acknowledged_changes(daemon):
    apps(daemon, "web1", "web2")
    label = daemon.create_group("--primary", "web1", "--backup", "web2")
    daemon.ctl("group", "switch", label)
    before = daemon.snapshot()
    daemon.stop(signal.SIGKILL)
    daemon.start()     # over the stale socket file the killed one left
    assert daemon.snapshot() == before


# -- import and export (README, "flipctl") --------------------------------

IMPORT = """\
apps:
  - {name: web1, cname: lb-1.example.com}
  - {name: web2, addrs: [192.0.2.10, "2001:db8::10"]}
groups:
  - {primary: web1, backup: web2}
  - {label: shop, primary: web1, backup: web2, active: backup, ttl: 60}
"""


def test_import_and_export(daemon, tmp_path):
    path = tmp_path / "import.yaml"
    path.write_text(IMPORT)
    s = daemon.serial()
    res = daemon.ctl_json("import", str(path))
    assert (res["apps"], res["groups"]) == (2, 2)
    assert res["serial"] == daemon.serial() > s
    g = group(daemon, "shop")
    assert (g["primary"], g["backup"], g["active"], g["ttl"]) == \
        ("web1", "web2", "backup", 60)
    zone = daemon.ctl("export").stdout
    soa = [line.split() for line in zone.splitlines()
           if not line.startswith(";") and "SOA" in line.split()]
    assert len(soa) == 1 and int(soa[0][6]) == res["serial"]
    assert re.search(r"^shop\.%s\s+60\s+IN\s+A\s+192\.0\.2\.10$"
                     % re.escape(daemon.origin), zone, re.M), zone


def test_export_passes_named_checkzone(daemon, tmp_path):
    """The issue asks for a master file that named-checkzone accepts:
    every kind of group, with BIND's strictest integrity checks."""
    path = tmp_path / "import.yaml"
    path.write_text(IMPORT + """\
  - {label: reserved}
  - {label: alone, primary: web2, ttl: 5}
  - {label: gone}
""")
    daemon.ctl("import", str(path))
    daemon.ctl("group", "delete", "--yes", "gone")
    zone = tmp_path / "zone.db"
    zone.write_text(daemon.ctl("export").stdout)
    r = subprocess.run(
        ["named-checkzone", "-i", "full", "-k", "fail", "-n", "fail",
         "-m", "fail", "-M", "fail", "-S", "fail", "-W", "warn",
         daemon.origin, str(zone)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "loaded serial %d" % daemon.serial() in r.stdout, r.stdout
    assert r.stdout.rstrip().endswith("OK"), r.stdout
    # What it loaded is what is served: shop answers web2's addresses
    # (active: backup), alone web2's, reserved and gone have no records.
    text = zone.read_text()
    for name, rtype, data in (("shop", "A", "192.0.2.10"),
                              ("shop", "AAAA", "2001:db8::10"),
                              ("alone", "A", "192.0.2.10")):
        assert re.search(r"^%s\.%s\s+\d+\s+IN\s+%s\s+%s$"
                         % (name, re.escape(daemon.origin), rtype,
                            re.escape(data)), text, re.M), text
    assert not re.search(r"^(reserved|gone)\.", text, re.M), text


def test_import_is_all_or_nothing(daemon, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(IMPORT.replace("primary: web1, backup: web2, active",
                                   "primary: web1, backup: web1, active"))
    r = daemon.expect_error("import", str(path))
    assert r.stderr.startswith("flipctl: %s:6:" % path), r.stderr
    daemon.expect_error("import", str(tmp_path / "nosuch.yaml"))
    daemon.expect_error("import", code=EXIT_USAGE)
    daemon.expect_error("export", "extra", code=EXIT_USAGE)


def test_import_error_quoting_bytes_that_are_not_utf8(daemon, tmp_path):
    # Found by fuzz_control: the message quotes the unknown key, cut short
    # in the middle of a UTF-8 sequence; jansson refused the message and
    # the daemon had no answer to send (it exited).  Now the error comes
    # back with the stray bytes as '?', and the daemon keeps serving.
    path = tmp_path / "bad.yaml"
    path.write_bytes(b'apps:\n  - {name: web4, cnfals "group.set"lb-9.'
                     b'example\xd2\xa4o`pri0.2.801 "2}\n')
    r = daemon.expect_error("import", str(path))
    assert r.stderr.startswith("flipctl: %s:2:18: unknown key 'cnfals"
                               % path), r.stderr
    assert daemon.ctl_json("status")["apps"] == 0


def test_import_from_stdin(daemon):
    r = subprocess.run([FLIPCTL, "-s", daemon.socket, "import", "-"],
                       input=IMPORT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert len(daemon.ctl_json("group", "list")["groups"]) == 2
    r = subprocess.run([FLIPCTL, "-s", daemon.socket, "import", "-"],
                       input=IMPORT, capture_output=True, text=True)
    assert r.returncode == EXIT_EXISTS and r.stderr.startswith("flipctl: ")
