"""A damaged, missing or stale store is refused, never served or crashed on.

Rules (README "Security model"; db/datadir.c, db/check.c, store.h):
  - a fresh store is made only in a new directory (nothing in it but the
    lock): a data.mdb truncated to nothing, or missing where a store was,
    is refused, and nothing is written in its place;
  - a data.mdb shorter than the pages its meta page says are in use is
    refused at start (it used to die of SIGBUS);
  - at start every table is walked and every record checked: random
    damage is refused with a reason, or (when it hit nothing that is
    read) served; it never crashes the start, the export or a query;
  - the directory's marker (store.id) names the store and the last serial
    committed: a store that went back in time, or one from elsewhere, is
    refused, and the message says how to serve it anyway;
  - each refusal says what to do: restore from a backup.
"""

import os
import random
import shutil
import subprocess

import dns.rcode
import pytest

import flipdns
from flipdns import FLIPCTL, FLIPDNSD

GROUPS = 300
PAGE = 4096


def fill(d):
    d.ctl("app", "add", "web1", "--addr", "192.0.2.10")
    d.ctl("app", "add", "web2", "--cname", "lb.example.com")
    doc = os.path.join(d.dir, "groups.yaml")
    with open(doc, "w") as f:
        f.write("groups:\n" + "".join(
            "  - {label: g%04d, primary: web1, backup: web2}\n" % i
            for i in range(GROUPS)))
    d.ctl("import", doc)
    for i in range(0, GROUPS, 7):
        d.ctl("group", "switch", "g%04d" % i)
    d.ctl("group", "create", "--label", "gone")
    d.ctl("group", "delete", "--yes", "gone")


@pytest.fixture
def stopped(daemon):
    """A daemon's store with some of everything, the daemon stopped."""
    fill(daemon)
    assert daemon.stop() == 0
    return daemon


def data_mdb(d):
    return os.path.join(d.storage, "data.mdb")


def refused(d, *words):
    """Start must fail: an exit status (no signal), each of words in the
    log, and the advice to restore."""
    with pytest.raises(flipdns.DaemonError) as e:
        d.start()
    rc = d.proc.returncode
    assert rc is not None and rc > 0, "flipdnsd died of signal %d" % -rc
    log = e.value.startup_log
    for w in words:
        assert w in log, log
    assert "restore" in log, log
    return log


def test_truncated_to_zero_is_refused(stopped):
    d = stopped
    os.truncate(data_mdb(d), 0)
    refused(d, "data.mdb is empty")
    # Not turned into a fresh, empty store.
    assert os.path.getsize(data_mdb(d)) == 0


def test_missing_data_is_refused_in_a_used_directory(stopped):
    d = stopped
    os.unlink(data_mdb(d))
    refused(d, "data.mdb is missing, but the directory is not new")
    assert not os.path.exists(data_mdb(d))


def test_cut_short_is_refused(stopped):
    d = stopped
    size = os.path.getsize(data_mdb(d))
    assert size > 8 * PAGE, size
    for keep in (size // 2, 2 * PAGE + 100):
        os.truncate(data_mdb(d), keep)
        refused(d, "cut short")


@pytest.mark.parametrize("seed", range(1, 25))
def test_random_damage_never_crashes(stopped, seed):
    """Bytes overwritten at random in the pages in use: the daemon refuses
    the store, or serves it; it never dies of a signal, at start, on an
    export or a query."""
    d = stopped
    rnd = random.Random(seed)
    size = os.path.getsize(data_mdb(d))
    with open(data_mdb(d), "r+b") as f:
        for _ in range(rnd.choice((4, 16, 64, 256))):
            # mostly data pages; now and then a meta page (0 and 1)
            off = rnd.randrange(2 * PAGE if rnd.random() < 0.9 else 0,
                                size)
            f.seek(off)
            f.write(bytes([rnd.randrange(256)]))
    try:
        d.start()
    except flipdns.DaemonError as e:
        rc = d.proc.returncode
        assert rc is not None and rc > 0, (
            "seed %d: flipdnsd died of signal %d at start" % (seed, -rc))
        assert "restore" in e.startup_log, e.startup_log
        return
    # Served: whatever reads the store must work or fail cleanly.  (The
    # export is taken as bytes: damage may have reached the text.)
    r = subprocess.run([FLIPCTL, "-s", d.socket, "export"],
                       capture_output=True, timeout=flipdns.CTL_TIMEOUT)
    assert d.running, "seed %d: export killed the daemon" % seed
    d.ctl("group", "list", check=False)
    d.ctl("status", check=False)
    for i in range(0, GROUPS, 31):
        d.query(d.fqdn("g%04d" % i), "A")
    assert d.running, "seed %d: the daemon died" % seed
    assert r.returncode in (0, 1, 3), r
    assert d.stop() == 0


def test_store_gone_back_in_time_is_refused(daemon, tmp_path):
    d = daemon
    fill(d)
    d.ctl("backup", tmp_path / "old")
    old_serial = d.serial()
    d.ctl("group", "switch", "g0001")
    d.ctl("group", "switch", "g0002")
    assert d.stop() == 0
    # A stale copy put in place of data.mdb: the marker knows better.
    shutil.copyfile(tmp_path / "old", data_mdb(d))
    log = refused(d, "went back in time", "its serial is %d" % old_serial)
    assert "remove %s/store.id" % d.storage in log
    # Meant: remove the marker as the message says, and it is served.
    os.unlink(os.path.join(d.storage, "store.id"))
    d.start()
    assert d.serial() == old_serial


def test_store_from_elsewhere_is_refused(daemon):
    d = daemon
    fill(d)
    assert d.stop() == 0
    other = flipdns.Daemon()
    try:
        other.start()
        other.ctl("app", "add", "x", "--addr", "192.0.2.99")
        assert other.stop() == 0
        shutil.copyfile(data_mdb(other), data_mdb(d))
    finally:
        other.cleanup()
    refused(d, "another store than the one this directory held")


def test_restore_brings_a_refused_store_back(daemon, tmp_path):
    """The way out the messages name: move the directory away, restore
    the backup, start."""
    d = daemon
    fill(d)
    d.ctl("backup", tmp_path / "b")
    serial = d.serial()
    assert d.stop() == 0
    os.truncate(data_mdb(d), 0)
    refused(d, "data.mdb is empty")
    os.rename(d.storage, d.storage + ".damaged")
    r = subprocess.run([FLIPDNSD, "-c", d.conf, "--restore",
                        str(tmp_path / "b")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    d.start()
    assert d.serial() == serial
    ans = d.query(d.fqdn("g0003"), "A")
    assert ans.rcode() == dns.rcode.NOERROR


def test_new_directory_gets_a_new_store(daemon):
    """The one case a store is created: a directory with nothing in it."""
    d = daemon
    assert d.serial() == 1
    assert sorted(os.listdir(d.storage)) == ["data.mdb", "flipdnsd.lock",
                                             "lock.mdb", "store.id"]
    with open(os.path.join(d.storage, "store.id")) as f:
        line = f.read()
    assert line.startswith("flipdns-store 1 ") and line.endswith(
        " 0000000001\n"), line
    d.ctl("app", "add", "web1", "--addr", "192.0.2.10")
    with open(os.path.join(d.storage, "store.id")) as f:
        assert f.read().endswith(" 0000000002\n")
