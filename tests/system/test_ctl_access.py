"""Who may use the control socket, and for what.

Rules (README "Security model", control.*; control.c, control_peer.c):
  - the socket belongs to the daemon's `user:` and, unless
    control.socket_group says otherwise, to that user's group, with
    control.socket_mode (0660): members of the group can connect;
  - a peer is allowed by its uid or by any of its groups, supplementary
    ones included: control.allow_uids / allow_gids may do everything,
    control.read_uids / read_gids may only read (list, show, status,
    history, export); a change from them is refused with `denied`;
  - flipctl exits 4 on "permission denied", from the socket or from the
    daemon, and says what would let the user in.

flipctl runs as nobody, or as made-up ids (setpriv), against a daemon
started as root.
"""

import grp
import os
import pwd
import stat

import pytest

import flipdns
from flipdns import EXIT_DENIED

NOBODY = pwd.getpwnam("nobody").pw_uid
NOGROUP = grp.getgrnam("nogroup").gr_gid
# Ids no account has: a peer need not exist in /etc/passwd.
UID, GID, OPS, AUDIT = 4000, 4000, 4242, 4343

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="needs root to run flipctl as others")


def reachable(d):
    """Let others through the test's own directory (mode 0700 from
    mkdtemp); the socket's own mode is the daemon's doing."""
    os.chmod(d.dir, 0o755)


def socket_owner(d):
    sb = os.stat(d.socket)
    return sb.st_uid, sb.st_gid, stat.S_IMODE(sb.st_mode)


def denied(d, *args, as_user):
    r = d.expect_error(*args, as_user=as_user, code=EXIT_DENIED)
    assert "permission denied" in r.stderr.lower(), r.stderr
    assert "flipctl: hint:" in r.stderr, r.stderr
    return r


@pytest.fixture
def service_daemon():
    """flipdnsd with user: nobody, whose directories are nobody's (as
    test_fault_privdrop.py sets them up), allowing nobody to change."""
    d = flipdns.Daemon(user="nobody", allow_uids=[0, NOBODY])
    try:
        os.mkdir(d.storage, 0o750)
        for path in (d.dir, d.storage):
            os.chown(path, NOBODY, NOGROUP)
        reachable(d)
        d.start()
        yield d
        assert d.stop() == 0
    finally:
        d.cleanup()


def test_socket_belongs_to_the_service_user(service_daemon):
    """The socket is nobody:nogroup 0660, so an allowed nobody gets in.
    It used to be root:root: allow_uids could name nobody and nobody
    still got "Permission denied"."""
    d = service_daemon
    assert socket_owner(d) == (NOBODY, NOGROUP, 0o660)
    d.ctl("app", "add", "web1", "--addr", "192.0.2.10", as_user="nobody")
    label = d.ctl("group", "create", "--primary", "web1",
                  as_user="nobody").stdout.strip()
    entry = d.ctl_json("history", label)["entries"][0]
    assert entry["uid"] == NOBODY


@pytest.mark.daemon(allow_uids=[0], allow_gids=[OPS])
def test_supplementary_group_is_allowed(daemon):
    """allow_gids counts every group of the peer, not only its primary
    one (SO_PEERGROUPS)."""
    d = daemon
    reachable(d)
    os.chmod(d.socket, 0o666)     # the socket's mode is not tested here
    d.ctl("app", "add", "web1", "--addr", "192.0.2.10",
          as_user=(UID, GID, [NOGROUP, OPS]))
    assert d.ctl_json("app", "show", "web1")["name"] == "web1"
    # Without that group: denied.
    denied(d, "status", as_user=(UID, GID, [NOGROUP]))


@pytest.mark.daemon(control_socket_group=OPS, control_socket_mode="0660",
                    allow_uids=[0], allow_gids=[OPS])
def test_socket_group_and_mode(daemon):
    d = daemon
    reachable(d)
    assert socket_owner(d) == (0, OPS, 0o660)
    d.ctl("status", as_user=(UID, GID, [OPS]))
    # Not in the socket's group: the socket itself says no, and flipctl
    # says so (exit 4) and who may connect.
    r = denied(d, "status", as_user=(UID, GID, [AUDIT]))
    assert "mode 0660, group - (%d)" % OPS in r.stderr, r.stderr
    assert "control.socket_group" in r.stderr


@pytest.mark.daemon(control_socket_mode="0600")
def test_socket_mode_0600(daemon):
    d = daemon
    reachable(d)
    assert socket_owner(d) == (0, 0, 0o600)
    denied(d, "status", as_user="nobody")


@pytest.mark.daemon(allow_uids=[0], control_socket_group=OPS,
                    control_read_uids=[NOBODY], control_read_gids=[AUDIT])
def test_read_only_role(daemon):
    d = daemon
    reachable(d)
    d.ctl("app", "add", "web1", "--addr", "192.0.2.10")
    d.ctl("app", "add", "web2", "--addr", "192.0.2.20")
    label = d.create_group("--label", "shop", "--primary", "web1",
                           "--backup", "web2")
    doc = os.path.join(d.dir, "imp.yaml")     # where others can read it
    with open(doc, "w") as f:
        f.write("apps:\n  - {name: web3, cname: lb.example.com}\n")
    os.chmod(doc, 0o644)
    for who in ((NOBODY, NOGROUP, [OPS]), (UID, GID, [OPS, AUDIT])):
        for args in (("status",), ("app", "list"), ("app", "show", "web1"),
                     ("app", "status", "web1"), ("group", "list"),
                     ("group", "show", label), ("history",), ("export",),
                     ("env", "web1")):
            r = d.ctl(*args, as_user=who, check=False)
            assert r.returncode == 0, (who, args, r.stderr)
        for args in (("group", "switch", label),
                     ("app", "add", "web9", "--addr", "192.0.2.9"),
                     ("group", "create"), ("app", "remove", "--yes", "web2"),
                     ("import", doc)):
            r = denied(d, *args, as_user=who)
            assert "may only read" in r.stderr, r.stderr
    # A peer in no list at all is turned away at once.
    denied(d, "status", as_user=(UID, GID, [OPS]))


def test_peer_in_no_list_gets_exit_4_and_a_hint(daemon):
    d = daemon
    reachable(d)
    os.chmod(d.socket, 0o666)
    r = denied(d, "group", "list", as_user="nobody")
    assert "control.allow_uids" in r.stderr, r.stderr


def test_socket_refusing_gets_exit_4_and_a_hint(daemon):
    """The daemon runs as root without user: the socket is root's group,
    0660; nobody cannot connect: exit 4 (it used to be 3, "unreachable",
    which sent operators looking for a dead daemon)."""
    d = daemon
    reachable(d)
    r = denied(d, "status", as_user="nobody")
    assert "Permission denied" in r.stderr, r.stderr
    assert "mode 0660, group root (0)" in r.stderr, r.stderr
