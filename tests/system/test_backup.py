"""flipctl backup and flipdnsd --restore: a round trip with every kind of
object, taken while the daemon serves.

Rules (flipctl(8) backup, flipdnsd(8) --restore, README "Backup"):
  - `flipctl backup FILE` writes a consistent copy of the store (LMDB's
    compacting copy, of the snapshot whose serial it prints) while the
    daemon answers and commits; FILE appears only whole (mode 0600), a
    failed backup leaves nothing under the name;
  - `flipdnsd -c CONFIG --restore FILE` makes FILE the store of
    storage.path and exits; it never overwrites a store (live or not),
    and refuses a file that is not a store, leaving nothing behind;
  - the restored daemon answers, exports and lists exactly what the old
    one did: apps of both kinds, groups primary-only, with both sides,
    reserved, switched, tombstones (a deleted label stays unusable) and
    the history.
"""

import json
import os
import stat
import subprocess
import threading

import flipdns
from flipdns import EXIT_EXISTS, EXIT_FAIL, EXIT_OK


def build_every_kind(d):
    """Apps and groups of every kind; returns the labels."""
    d.ctl("app", "add", "web1", "--addr", "192.0.2.10", "--addr",
          "2001:db8::10")
    d.ctl("app", "add", "web2", "--cname", "lb-2.example.com")
    d.ctl("app", "add", "web3", "--addr", "192.0.2.30")
    d.ctl("app", "add", "lonely", "--cname", "alone.example.com")
    labels = {
        "primary-only": d.create_group("--primary", "web1", "--label",
                                       "primaryonly"),
        "both": d.create_group("--primary", "web1", "--backup", "web2",
                               "--label", "both", "--ttl", "60"),
        "reserved": d.create_group("--label", "reserved"),
        "switched": d.create_group("--primary", "web3", "--backup", "web2",
                                   "--label", "switched"),
        "random": d.create_group("--primary", "web2", "--backup", "web1"),
    }
    d.ctl("group", "switch", "switched")
    d.create_group("--primary", "web3", "--label", "gone")
    d.ctl("group", "set", "gone", "--primary", "none")
    d.ctl("group", "delete", "--yes", "gone")
    d.ctl("app", "set", "web3", "--addr", "192.0.2.31")
    return labels


def state(d, labels):
    """Everything a restore must bring back, as the daemon shows it."""
    answers = {}
    names = [d.fqdn(label) for label in labels.values()]
    names += [d.fqdn("gone"), d.origin, "ns1." + d.origin]
    for app in d.ctl_json("app", "list")["apps"]:
        names.append(app["status_name"])
    for name in names:
        for rdtype in ("A", "AAAA", "TXT", "SOA", "NS"):
            ans = d.query(name, rdtype)
            answers[(name, rdtype)] = (
                ans.rcode(), sorted(r.to_text() for r in ans.answer),
                sorted(r.to_text() for r in ans.authority))
    status = flipdns.strip_uptime(d.ctl_json("status"))
    return {
        "status": status,
        "apps": d.ctl_json("app", "list"),
        "groups": d.ctl_json("group", "list"),
        "history": d.ctl_json("history", "--limit", "1000000"),
        "export": d.ctl("export").stdout,
        "answers": answers,
    }


def restore(d, backup):
    """flipdnsd -c d.conf --restore backup: the CompletedProcess."""
    if d.port is None:
        d.port = flipdns.free_port(d.v6)
        d.write_config()
    return subprocess.run([flipdns.FLIPDNSD, "-c", d.conf, "--restore",
                           str(backup)], capture_output=True, text=True,
                          cwd=d.dir, timeout=60)


def test_round_trip_every_kind(daemon, tmp_path):
    d = daemon
    labels = build_every_kind(d)
    before = state(d, labels)
    assert before["status"]["tombstones"] == 1
    assert len(before["history"]["entries"]) >= 12

    backup = tmp_path / "flipdns.backup"
    r = d.ctl("backup", backup)
    serial = before["status"]["serial"]
    assert r.stdout == "%s: serial %d, %d bytes\n" % (
        backup, serial, backup.stat().st_size)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["flipdns.backup"], "temporary file left"

    d2 = flipdns.Daemon()
    try:
        r = restore(d2, backup)
        assert r.returncode == EXIT_OK, r.stderr
        assert r.stdout == (
            "restored %s into %s: serial %d, 4 apps, 5 groups, 1 tombstones, "
            "%d history entries\n" % (backup, d2.storage, serial,
                                      len(before["history"]["entries"])))
        d2.start()
        after = state(d2, labels)
        for key in before:
            assert after[key] == before[key], key
        # the tombstone works: the deleted label is never issued again
        d2.expect_error("group", "create", "--label", "gone",
                        code=EXIT_EXISTS)
        # and the restored store takes changes
        d2.ctl("group", "switch", labels["both"])
        assert d2.serial() == serial + 1
        assert d2.stop() == 0, d2.read_log()
    finally:
        d2.cleanup()


def test_backup_while_serving_is_consistent(daemon, tmp_path):
    """Switches commit throughout the backup; the copy is one snapshot:
    the serial it reports, with the history and counters of that serial."""
    d = daemon
    d.ctl("app", "add", "a", "--addr", "192.0.2.1")
    d.ctl("app", "add", "b", "--addr", "192.0.2.2")
    d.create_group("--primary", "a", "--backup", "b", "--label", "churn")
    stop = threading.Event()
    errors = []

    def churn():
        while not stop.is_set():
            r = d.ctl("group", "switch", "churn", check=False)
            if r.returncode != 0:
                errors.append(r.stderr)

    t = threading.Thread(target=churn)
    t.start()
    try:
        serials = []
        for i in range(5):
            r = d.ctl("--json", "backup", tmp_path / ("b%d" % i))
            serials.append(json.loads(r.stdout)["serial"])
            # DNS keeps answering during the copies
            assert d.query(d.fqdn("churn"), "A").rcode() == 0
    finally:
        stop.set()
        t.join()
    assert not errors, errors
    assert serials == sorted(serials)

    for i, serial in enumerate(serials):
        d2 = flipdns.Daemon()
        try:
            r = restore(d2, tmp_path / ("b%d" % i))
            assert r.returncode == EXIT_OK, r.stderr
            assert " serial %d, " % serial in r.stdout, (serial, r.stdout)
            d2.start()
            assert d2.serial() == serial
            hist = d2.ctl_json("history", "--limit", "1000000")["entries"]
            assert hist[0]["serial"] == serial, hist[0]
            g = d2.ctl_json("group", "show", "churn")
            apps = {a["name"]: a for a in
                    d2.ctl_json("app", "list")["apps"]}
            active = g["active_app"]
            # the counters kept in the app records match the group
            assert apps[active]["active_groups"] == 1
            assert apps["b" if active == "a" else "a"]["active_groups"] == 0
            assert d2.stop() == 0, d2.read_log()
        finally:
            d2.cleanup()


def free_pages(storage):
    """LMDB's free pages in the store at storage (mdb_stat -f)."""
    out = subprocess.run(["mdb_stat", "-f", storage], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        if line.strip().startswith("Free pages:"):
            return int(line.split(":")[1])
    raise AssertionError("no free page count in:\n" + out)


def test_copy_is_compacted(daemon, tmp_path):
    """Pages freed by removals are in the live file, not in the copy."""
    d = daemon
    doc = "apps:\n" + "".join(
        "  - {name: bulk%04d-%s, addrs: [192.0.2.%d]}\n"
        % (i, "x" * 50, i % 250 + 1) for i in range(1000))
    (tmp_path / "bulk.yaml").write_text(doc)
    d.ctl("import", tmp_path / "bulk.yaml")
    # then away again, one commit each (an import cannot remove):
    for i in range(1000):
        d.ctl("app", "remove", "--yes", "bulk%04d-%s" % (i, "x" * 50))
    live = os.path.getsize(os.path.join(d.storage, "data.mdb"))
    free = free_pages(d.storage)
    d.ctl("backup", tmp_path / "small")
    copy = os.path.getsize(tmp_path / "small")
    assert free >= 8, free
    # a plain copy is every page up to the last one used: the live file;
    # the compacted one leaves out every free page
    assert copy <= live - free * 4096, (copy, live, free)


def test_restore_never_overwrites_a_store(daemon, tmp_path):
    d = daemon
    d.ctl("app", "add", "web1", "--addr", "192.0.2.10")
    d.ctl("backup", tmp_path / "b")
    data = os.path.join(d.storage, "data.mdb")
    size = os.path.getsize(data)
    # live: the running daemon's own store
    r = restore(d, tmp_path / "b")
    assert r.returncode == EXIT_FAIL
    assert r.stderr == ("flipdnsd: restore refused: %s exists: a store is "
                        "there already\n" % data)
    assert d.ctl_json("app", "show", "web1")["name"] == "web1"
    # not live: stopped, the store is still never replaced
    assert d.stop() == 0
    r = restore(d, tmp_path / "b")
    assert r.returncode == EXIT_FAIL and "exists" in r.stderr
    assert os.path.getsize(data) == size
    assert sorted(os.listdir(d.storage)) == ["data.mdb", "flipdnsd.lock",
                                             "lock.mdb", "store.id"]


def test_restore_refuses_what_is_not_a_store(tmp_path):
    d = flipdns.Daemon()
    try:
        for name, content in (("empty", b""), ("text", b"hello\n" * 2000),
                              ("yaml", b"apps: []\n")):
            (tmp_path / name).write_bytes(content)
            r = restore(d, tmp_path / name)
            assert r.returncode == EXIT_FAIL, r.stdout
            assert r.stderr.startswith("flipdnsd: restore refused: %s: "
                                       % (tmp_path / name)), r.stderr
            assert not os.path.exists(d.storage) or \
                os.listdir(d.storage) == [], os.listdir(d.storage)
        r = restore(d, tmp_path / "missing")
        assert r.returncode == EXIT_FAIL
        assert "No such file" in r.stderr
    finally:
        d.cleanup()


def test_failed_backup_leaves_nothing(daemon, tmp_path):
    d = daemon
    d.ctl("app", "add", "web1", "--addr", "192.0.2.10")
    # no such directory: nothing written, exit 1
    r = d.ctl("backup", tmp_path / "nodir" / "b", check=False)
    assert r.returncode == EXIT_FAIL and "nodir" in r.stderr
    # a good backup is not replaced by a failed one: daemon gone
    good = tmp_path / "b"
    d.ctl("backup", good)
    content = good.read_bytes()
    assert d.stop() == 0
    r = d.ctl("backup", good, check=False)
    assert r.returncode == flipdns.EXIT_UNREACH
    assert good.read_bytes() == content
    assert sorted(os.listdir(tmp_path)) == ["b"], os.listdir(tmp_path)


def test_backup_to_stdout(daemon, tmp_path):
    d = daemon
    d.ctl("app", "add", "web1", "--addr", "192.0.2.10")
    with open(tmp_path / "piped", "wb") as f:
        r = subprocess.run([flipdns.FLIPCTL, "-s", d.socket, "backup", "-"],
                           stdout=f, stderr=subprocess.PIPE, timeout=60)
    assert r.returncode == EXIT_OK, r.stderr
    d2 = flipdns.Daemon()
    try:
        r = restore(d2, tmp_path / "piped")
        assert r.returncode == EXIT_OK, r.stderr
        assert " 1 apps, " in r.stdout
    finally:
        d2.cleanup()

