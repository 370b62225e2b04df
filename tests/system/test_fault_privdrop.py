"""`user: nobody`: bind as root, then run as nobody, and keep working.

Rules (README: configuration `user`; privdrop.c):
  - flipdnsd started as root binds its sockets, opens the store and the
    control socket, then drops to the user and its primary group: real,
    effective, saved and filesystem ids are all the user's, and the only
    supplementary group is that primary group (none of root's);
  - every thread runs as that user, the DNS workers included;
  - it keeps answering DNS and committing changes, and on SIGTERM it
    still removes its control socket (the socket's directory and the
    storage directory are the user's, as an operator would set them up);
  - started as that user already (systemd's User=flipdns with the shipped
    config's `user: flipdns`), there is nothing to drop: it says so and
    serves, rather than failing on setgroups.

Runs only as root: nobody else can drop privileges.
"""

import grp
import os
import pwd

import dns.rcode
import dns.rdatatype
import pytest

import flipdns

USER = "nobody"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0,
    reason="needs root: flipdnsd can drop privileges only when started as "
    "root (CI runs the system tests as root)")


def ids_line(status, key):
    for line in status.splitlines():
        if line.startswith(key + ":"):
            return line.split()[1:]
    raise AssertionError("no %s line in /proc status" % key)


@pytest.fixture
def nobody_daemon():
    pw = pwd.getpwnam(USER)
    d = flipdns.Daemon(user=USER)
    try:
        # The operator's part: the data and socket directories are the
        # service user's.  (The log file stays root's: flipdnsd only
        # inherits it as stdout.)
        os.mkdir(d.storage, 0o750)
        for path in (d.dir, d.storage):
            os.chown(path, pw.pw_uid, pw.pw_gid)
        d.start()
        yield d
    finally:
        d.cleanup()


def test_drops_to_nobody_and_keeps_working(nobody_daemon):
    d = nobody_daemon
    pw = pwd.getpwnam(USER)
    uid, gid = str(pw.pw_uid), str(pw.pw_gid)
    assert (uid, gid) == ("65534", "65534"), (uid, gid)
    assert grp.getgrgid(pw.pw_gid).gr_name == "nogroup"

    # Every thread (main, DNS workers) runs as nobody:nogroup, with no
    # group of root's left.
    tasks = os.listdir("/proc/%d/task" % d.proc.pid)
    assert len(tasks) >= 1 + 2, tasks     # main + the 2 workers at least
    for tid in tasks:
        with open("/proc/%d/task/%s/status" % (d.proc.pid, tid)) as f:
            st = f.read()
        assert ids_line(st, "Uid") == [uid] * 4, (tid, st)
        assert ids_line(st, "Gid") == [gid] * 4, (tid, st)
        assert ids_line(st, "Groups") == [gid], (tid, st)

    # It still serves: a change commits (the store is writable), and the
    # very next DNS answer follows it, over UDP and TCP.
    d.ctl("app", "add", "web1", "--addr", "192.0.2.10")
    d.ctl("app", "add", "web2", "--cname", "lb-2.example.com")
    label = d.create_group("--primary", "web1", "--backup", "web2")
    ans = d.query(d.fqdn(label), "A")
    assert ans.rcode() == dns.rcode.NOERROR
    assert [r.address for r in ans.answer[0]] == ["192.0.2.10"]
    serial = d.serial()
    g = d.ctl_json("group", "switch", label)
    assert g["active"] == "backup" and g["active_app"] == "web2"
    assert d.serial() == serial + 1
    for tcp in (False, True):
        ans = d.query(d.fqdn(label), "A", tcp=tcp)
        assert ans.rcode() == dns.rcode.NOERROR
        assert ans.answer[0].rdtype == dns.rdatatype.CNAME
        assert ans.answer[0][0].target.to_text() == "lb-2.example.com."
    # The change is in the history too: the whole write transaction ran.
    assert d.ctl_json("history", "--limit", "1")["entries"][0]["op"] == \
        "group.switch"

    # A clean exit as nobody removes the socket, and a restart (as root,
    # dropping again) finds every change.
    assert d.stop() == 0, d.read_log()
    assert not os.path.exists(d.socket), "control socket left behind"
    d.start()
    g = d.ctl_json("group", "show", label)
    assert g["active"] == "backup"
    assert d.serial() == serial + 1
    assert d.stop() == 0, d.read_log()
    assert not os.path.exists(d.socket), "control socket left behind"


def test_started_as_the_user_already():
    pw = pwd.getpwnam(USER)
    d = flipdns.Daemon(user=USER)
    d.prefix = flipdns.as_user_prefix(USER)
    try:
        os.mkdir(d.storage, 0o750)
        for path in (d.dir, d.storage):
            os.chown(path, pw.pw_uid, pw.pw_gid)
        d.start()
        assert "running as %s (uid %d, gid %d) already" % (
            USER, pw.pw_uid, pw.pw_gid) in d.read_log(), d.read_log()
        d.ctl("app", "add", "web1", "--addr", "192.0.2.10")
        label = d.create_group("--primary", "web1")
        ans = d.query(d.fqdn(label), "A")
        assert [r.address for r in ans.answer[0]] == ["192.0.2.10"]
        assert d.stop() == 0, d.read_log()
    finally:
        d.cleanup()
