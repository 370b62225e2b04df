"""flipctl apply FILE / diff FILE: the desired state, applied as one change.

README "flipctl" (apply.h):
  - apply creates what is missing, updates what differs, leaves the rest:
    apps and groups the file does not name, keys an entry leaves out
    (active above all: a switch made in an outage survives an apply);
  - nothing is deleted unless its entry says delete: true;
  - one change: one serial, one history row; all or nothing, the first
    bad entry named as FILE:LINE:COL, exit status by class;
  - a second apply of the same file changes nothing: no serial, no row;
  - diff FILE and apply --dry-run print the plan and change nothing;
  - groups are keyed by label, each app and group named once;
  - a read-only peer (control.read_uids) may diff, not apply.
"""

import json
import os
import pwd
import subprocess

import dns.rcode
import pytest

from flipdns import (EXIT_DENIED, EXIT_EXISTS, EXIT_FAIL, EXIT_NOTFOUND,
                     EXIT_USAGE, FLIPCTL)

NOBODY = pwd.getpwnam("nobody").pw_uid

FILE = """\
apps:
  - {name: web1, cname: lb-1.example.com}
  - {name: web2, addrs: [192.0.2.10, "2001:db8::10"]}
groups:
  - {label: shop, primary: web1, backup: web2, ttl: 60}
  - {label: blog, primary: web2}
"""


def write(tmp_path, text, name="state.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def rows(d):
    return len(d.ctl_json("history", "--limit", "100000")["entries"])


def test_apply_creates_then_changes_nothing(daemon, tmp_path):
    d = daemon
    path = write(tmp_path, FILE)
    serial, hist = d.serial(), rows(d)
    res = d.ctl_json("apply", path)
    assert (res["created"], res["updated"], res["deleted"]) == (4, 0, 0)
    assert d.serial() == serial + 1 and rows(d) == hist + 1
    row = d.ctl_json("history", "--limit", "1")["entries"][0]
    assert (row["op"], row["subject"]) == ("apply", path)
    g = d.ctl_json("group", "show", "shop")
    assert (g["primary"], g["backup"], g["ttl"], g["active"]) == \
        ("web1", "web2", 60, "primary")
    assert d.query(d.fqdn("blog"), "A").answer[0][0].address == "192.0.2.10"
    # again: nothing differs, nothing is written
    before = d.snapshot()
    r = d.ctl("apply", path)
    assert r.stdout == "no changes: 4 unchanged\n"
    res = d.ctl_json("apply", path)
    assert res["plan"] == [] and res["unchanged"] == 4
    assert d.snapshot() == before and rows(d) == hist + 1


def test_diff_and_dry_run_change_nothing(daemon, tmp_path):
    d = daemon
    path = write(tmp_path, FILE)
    before, hist = d.snapshot(), rows(d)
    diff = d.ctl("diff", path).stdout
    assert diff == d.ctl("apply", "--dry-run", path).stdout
    assert diff.splitlines() == [
        "+ app web1: endpoints lb-1.example.com.",
        "+ app web2: endpoints 192.0.2.10,2001:db8::10",
        "+ group shop: primary web1, backup web2, ttl 60",
        "+ group blog: primary web2, ttl 30",
        "plan: 4 to create, 0 to update, 0 to delete, 0 unchanged; "
        "nothing was changed"]
    plan = d.ctl_json("diff", path)
    assert plan["dry_run"] is True
    assert plan["plan"][2] == {"op": "create", "group": "shop", "changes": {
        "primary": [None, "web1"], "backup": [None, "web2"],
        "ttl": [None, 60]}}
    assert d.snapshot() == before and rows(d) == hist
    # what diff showed is what apply does
    applied = d.ctl_json("apply", path)
    assert applied["plan"] == plan["plan"] and applied["dry_run"] is False


def test_updates_only_what_differs_and_leaves_the_rest(daemon, tmp_path):
    d = daemon
    d.ctl("apply", write(tmp_path, FILE))
    d.ctl("app", "add", "other", "--addr", "192.0.2.77")
    d.ctl("group", "create", "--label", "mine", "--primary", "other")
    # an outage: shop was switched by hand
    d.ctl("group", "switch", "shop")
    path = write(tmp_path, FILE.replace("lb-1.example.com", "lb-2.example.com")
                 .replace("ttl: 60", "ttl: 90"), "v2.yaml")
    serial = d.serial()
    out = d.ctl("apply", path).stdout.splitlines()
    assert out[:2] == [
        "~ app web1: endpoints lb-1.example.com. -> lb-2.example.com.",
        "~ group shop: ttl 60 -> 90"]
    assert d.serial() == serial + 1
    g = d.ctl_json("group", "show", "shop")
    assert (g["active"], g["ttl"]) == ("backup", 90)    # still switched
    assert d.ctl_json("group", "show", "mine")["primary"] == "other"
    assert d.ctl_json("app", "show", "other")["addrs"] == ["192.0.2.77"]
    # a key left out is left; null clears; active when the file says so
    path = write(tmp_path, "groups:\n  - {label: shop, backup: null, "
                 "active: primary}\n", "v3.yaml")
    res = d.ctl_json("apply", path)
    assert res["plan"] == [{"op": "update", "group": "shop", "changes": {
        "backup": ["web2", None], "active": ["backup", "primary"]}}]
    g = d.ctl_json("group", "show", "shop")
    assert (g["primary"], g["backup"], g["active"], g["ttl"]) == \
        ("web1", None, "primary", 90)
    assert d.query(d.fqdn("shop"), "A").answer[0][0].target.to_text() == \
        "lb-2.example.com."


def test_delete_only_when_the_file_says_so(daemon, tmp_path):
    d = daemon
    d.ctl("apply", write(tmp_path, FILE))
    # a file that no longer names blog deletes nothing
    path = write(tmp_path, "apps:\n  - {name: web1, cname: lb-1.example.com}"
                 "\n", "less.yaml")
    assert d.ctl_json("apply", path)["deleted"] == 0
    assert d.ctl_json("status")["groups"] == 2
    path = write(tmp_path, "groups:\n  - {label: blog, delete: true}\n"
                 "  - {label: never-was, delete: true}\n"
                 "apps:\n  - {name: web2, delete: true}\n", "del.yaml")
    # web2 is shop's backup still: refused, all of it
    before = d.snapshot()
    r = d.ctl("apply", path, check=False)
    assert r.returncode == EXIT_FAIL, r
    assert r.stderr.startswith("flipctl: %s:5:5: app web2 is used by 1 "
                               "group (shop)" % path), r.stderr
    assert d.snapshot() == before
    d.ctl("group", "set", "shop", "--backup", "none")
    res = d.ctl_json("apply", path)
    assert [(s["op"], s.get("group") or s.get("app")) for s in res["plan"]] \
        == [("delete", "blog"), ("delete", "web2")]
    assert res["deleted"] == 2 and res["unchanged"] == 1
    assert d.query(d.fqdn("blog"), "A").rcode() == dns.rcode.NXDOMAIN
    # deleted for good: the label is tombstoned, applying it is refused
    r = d.ctl("apply", write(tmp_path, "groups:\n  - {label: blog}\n",
                                "back.yaml"), check=False)
    assert r.returncode == EXIT_EXISTS and "never issued again" in r.stderr
    # and deleting what is gone changes nothing
    assert d.ctl_json("apply", path)["plan"] == []


def test_all_or_nothing_with_positions(daemon, tmp_path):
    d = daemon
    d.ctl("apply", write(tmp_path, FILE))
    cases = [
        ("apps:\n  - {name: web3, addrs: [192.0.2.3]}\ngroups:\n"
         "  - {label: new, primary: ghost}\n", EXIT_NOTFOUND,
         ":4:5: primary app ghost not found"),
        ("apps:\n  - {name: web3, addrs: [0.0.0.0]}\n", EXIT_FAIL,
         ":2:26: 0.0.0.0 is in 0.0.0.0/8"),
        ("groups:\n  - {primary: web1}\n", EXIT_FAIL,
         ":2:5: apply keys groups by label"),
        ("groups:\n  - {label: a}\n  - {label: a, ttl: 5}\n", EXIT_FAIL,
         ":3:5: group a is named twice in the file"),
        ("apps:\n  - {name: x, delete: true, cname: a.example.com}\n",
         EXIT_FAIL, ":2:5: an app to delete takes only its name"),
        ("groups:\n  - {label: shop, ttl: 0}\n", EXIT_FAIL,
         ":2:5: ttl 0 is refused"),
        ("groups:\n  - {label: shop, colour: red}\n", EXIT_FAIL,
         ":2:19: unknown key 'colour' in a group entry"),
        ("groups:\n  - {label: shop, delete: yes}\n", EXIT_FAIL,
         ":2:27: delete: expected true or false"),
    ]
    for text, code, says in cases:
        before = d.snapshot()
        path = write(tmp_path, text, "bad.yaml")
        r = d.ctl("apply", path, check=False)
        assert r.returncode == code, (text, r.returncode, r.stderr)
        assert r.stderr.startswith("flipctl: " + path + says), \
            (text, r.stderr)
        assert d.snapshot() == before, text
        assert d.ctl("diff", path, check=False).returncode == code


def test_host_name_into_a_group_of_the_same_file(daemon, tmp_path):
    d = daemon
    text = ("apps:\n  - {name: to-shop, cname: shop.%s}\n"
            "  - {name: web1, addrs: [192.0.2.1]}\ngroups:\n"
            "  - {label: via, primary: to-shop}\n"
            "  - {label: shop, primary: web1}\n" % d.origin)
    d.ctl("apply", write(tmp_path, text))
    ans = d.query(d.fqdn("via"), "A")
    assert [rr.to_text() for rrset in ans.answer for rr in rrset][-1] == \
        "192.0.2.1"
    # a loop is still refused: shop following to-shop
    r = d.ctl("apply", write(tmp_path, "groups:\n  - {label: shop, "
                             "primary: to-shop}\n", "loop.yaml"), check=False)
    assert r.returncode == EXIT_FAIL and "CNAME loop" in r.stderr


def test_apply_from_stdin_and_usage(daemon, tmp_path):
    d = daemon
    r = subprocess.run([FLIPCTL, "-s", d.socket, "--json", "apply", "-"],
                       input=FILE, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["created"] == 4
    d.expect_error("apply", code=EXIT_USAGE)
    d.expect_error("diff", "a", "b", code=EXIT_USAGE)
    d.expect_error("diff", "--dry-run", "x", code=EXIT_USAGE)
    r = d.ctl("--json", "apply", str(tmp_path / "nosuch.yaml"), check=False)
    assert r.returncode == EXIT_FAIL
    assert json.loads(r.stdout)["error"]["code"] == "io"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run as nobody")
@pytest.mark.daemon(allow_uids=[0], control_read_uids=[NOBODY],
                    control_socket_mode="0666")
def test_a_reader_may_diff_but_not_apply(daemon):
    d = daemon
    os.chmod(d.dir, 0o755)            # the socket's directory, and the file
    path = os.path.join(d.dir, "state.yaml")
    with open(path, "w") as f:
        f.write(FILE)
    os.chmod(path, 0o644)
    before = d.snapshot()
    r = d.ctl("diff", path, as_user="nobody")
    assert r.stdout.endswith("nothing was changed\n"), r.stdout
    d.ctl("apply", "--dry-run", path, as_user="nobody")
    r = d.expect_error("apply", path, as_user="nobody", code=EXIT_DENIED)
    assert "may only read" in r.stderr
    assert d.snapshot() == before
