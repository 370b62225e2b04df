"""A full store: `store full`, cleanly, and nothing stored is lost.

Rules (README: storage.map_size, control protocol, error codes):
  - storage.map_size is the store's ceiling (1M is the smallest the config
    takes); past it a change fails with code store_full, flipctl exits 1
    and says "store full", and nothing of that change is written;
  - the daemon goes on answering DNS and control requests; a change may
    still fit (or fail the same clean way);
  - every change acknowledged before is still there, answers, and
    survives a restart.

The store is filled in few round trips (a sanitized flipctl on a slow
machine takes some 0.1 s a call, and 1 MiB holds a few thousand groups
created one by one, some 16,000 imported):

  1. `flipctl import` of CHUNK groups at a time (one change each), until
     IMPORT_SHARE of the map's pages are used (mdb_stat);
  2. the rest by several clients at once, until the store refuses one
     change: control connections that each pipeline BURST `group.create`
     requests, and flipctl clients, so the daemon commits them in
     batches; a batch whose commit fails is refused whole;
  3. an import then, refused the same clean way, changing nothing.

Nothing here depends on how fast that goes: each step runs until an event
(pages used, a refusal), MAX_GROUPS ends a store that never fills, and
HANG_GUARD only catches a client or daemon that never answers.
"""

import json
import random
import re
import socket
import subprocess
import threading

import dns.rcode
import dns.rdatatype
import pytest

from flipdns import EXIT_FAIL, EXIT_OK, strip_uptime

CHUNK = 1000         # groups per import (an import is one change)
# Step 1 stops once this much of the map is used: the rest is for step 2.
IMPORT_SHARE = 0.75
PIPELINED = 3        # clients on a control connection of their own
FLIPCTL_CLIENTS = 2  # clients that run flipctl
BURST = 8            # group.create requests a connection sends at once
# Far more groups than 1 MiB holds: past it, the store never filled.
MAX_GROUPS = 40000
# Seconds: only a hung client (or daemon) gets near it.
HANG_GUARD = 300
ADDR = "192.0.2.1"
CNAME = "lb.example.com."


def import_label(n):
    """Labels of imported groups: 12 characters, like the random ones."""
    return "imp%09d" % n


def import_chunk(d, tmp_path, first, n):
    """Import groups first .. first+n-1 (web1 primary, web2 backup): the
    labels and flipctl's CompletedProcess."""
    labels = [import_label(i) for i in range(first, first + n)]
    path = tmp_path / ("chunk-%d.yaml" % first)
    path.write_text("groups:\n" + "".join(
        "  - {label: %s, primary: web1, backup: web2}\n" % label
        for label in labels))
    return labels, d.ctl("--json", "import", str(path), check=False)


def pages(d):
    """(pages used, max pages) of the store, as mdb_stat reads them."""
    r = subprocess.run(["mdb_stat", "-e", d.storage], capture_output=True,
                       text=True, timeout=HANG_GUARD)
    assert r.returncode == 0, (r.returncode, r.stderr)
    used = int(re.search(r"Number of pages used: (\d+)", r.stdout).group(1))
    most = int(re.search(r"Max pages: (\d+)", r.stdout).group(1))
    return used, most


def import_until(d, tmp_path, labels, full):
    """Import CHUNK groups at a time (their labels go on labels) until
    full() is true or the store refuses an import.  Returns (imports
    committed, the refusal or None).  A refusal must be a clean store
    full that changed nothing."""
    imports = 0
    while not full():
        assert len(labels) < MAX_GROUPS, "the store never filled up"
        before = strip_uptime(d.ctl_json("status"))
        new, r = import_chunk(d, tmp_path, len(labels), CHUNK)
        if r.returncode != EXIT_OK:
            check_refused_full(r)
            # Nothing of the refused import is written: not a group, not
            # a history row, not a serial (the caller then checks every
            # group: exactly the acknowledged ones).
            assert strip_uptime(d.ctl_json("status")) == before, (
                "a refused import changed the store")
            return imports, r
        res = json.loads(r.stdout)
        assert (res["apps"], res["groups"]) == (0, CHUNK), res
        assert res["serial"] == before["serial"] + 1, (res, before)
        labels += new
        imports += 1
    return imports, None


class PipelinedClient(threading.Thread):
    """One control connection: BURST group.create requests at a time,
    then their BURST answers, until one is refused (or stop is set)."""

    def __init__(self, d, shared):
        super().__init__(daemon=True)
        self.d, self.shared = d, shared
        self.created, self.refusals, self.errors = [], [], []

    def run(self):
        try:
            self.loop()
        except Exception as e:        # reported by the main thread
            self.errors.append(repr(e))
        finally:
            self.shared.stop.set()

    def loop(self):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(HANG_GUARD)
            s.connect(self.d.socket)
            answers = s.makefile("rb")
            n = 0
            while not self.shared.stop.is_set():
                if not self.shared.attempt(BURST):
                    return
                ids = list(range(n, n + BURST))
                n += BURST
                s.sendall(b"".join(json.dumps(
                    {"v": 1, "id": i, "cmd": "group.create",
                     "args": {"primary": "web1", "backup": "web2"}}
                ).encode() + b"\n" for i in ids))
                for i in ids:
                    line = answers.readline()
                    assert line.endswith(b"\n"), "connection closed: %r" % line
                    a = json.loads(line)
                    assert a["id"] == i, (i, a)
                    if a["ok"]:
                        self.created.append(a["result"]["label"])
                        continue
                    # The only refusal allowed: store full, said so.
                    assert a["error"]["code"] == "store_full", a
                    assert "store full" in a["error"]["message"], a
                    self.refusals.append(a)
                if self.refusals:
                    return


class FlipctlClient(threading.Thread):
    """`flipctl group create` in a loop until one is refused (or stop)."""

    def __init__(self, d, shared):
        super().__init__(daemon=True)
        self.d, self.shared = d, shared
        self.created, self.refusals, self.errors = [], [], []

    def run(self):
        try:
            while not self.shared.stop.is_set() and self.shared.attempt(1):
                r = self.d.ctl("group", "create", "--primary", "web1",
                               "--backup", "web2", check=False)
                if r.returncode == EXIT_OK:
                    address = r.stdout.strip()
                    assert address.endswith("." + self.d.origin), r.stdout
                    self.created.append(address[:-len(self.d.origin) - 1])
                    continue
                check_refused_full(r)
                self.refusals.append(r)
                return
        except Exception as e:        # reported by the main thread
            self.errors.append(repr(e))
        finally:
            self.shared.stop.set()


class Shared:
    """What the concurrent clients share: the stop flag, and a bound on
    the creates they send in all, so a store that never fills ends the
    test instead of running it forever."""

    def __init__(self):
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sent = 0

    def attempt(self, n):
        with self.lock:
            if self.sent + n > MAX_GROUPS:
                return False
            self.sent += n
            return True


def fill_concurrently(d):
    """Create groups from several clients at once until the store refuses
    one.  Returns (created labels, refusals: answers or CompletedProcess);
    any other failure fails the test."""
    shared = Shared()
    clients = [PipelinedClient(d, shared) for _ in range(PIPELINED)]
    clients += [FlipctlClient(d, shared) for _ in range(FLIPCTL_CLIENTS)]
    for c in clients:
        c.start()
    for c in clients:
        c.join(HANG_GUARD)
        assert not c.is_alive(), "a client got no answer in %ds" % HANG_GUARD
    errors = [e for c in clients for e in c.errors]
    assert not errors, "\n".join(errors)
    created = [label for c in clients for label in c.created]
    refusals = [r for c in clients for r in c.refusals]
    return created, refusals


def check_refused_full(r):
    assert r.returncode == EXIT_FAIL, (r.returncode, r.stdout, r.stderr)
    # with --json the error is on stdout too, for the script
    if "--json" in r.args:
        assert json.loads(r.stdout)["error"]["code"] == "store_full", \
            r.stdout
    else:
        assert r.stdout == "", r.stdout
    assert r.stderr.startswith("flipctl: "), r.stderr
    assert "store full" in r.stderr, r.stderr


def check_answers(d, labels, active_cname):
    """Every label answers: the address of web1, or the CNAME of web2."""
    for label in labels:
        ans = d.query(d.fqdn(label), "A")
        assert ans.rcode() == dns.rcode.NOERROR, (label, ans)
        assert len(ans.answer) == 1, (label, ans)
        rrset = ans.answer[0]
        if label in active_cname:
            assert rrset.rdtype == dns.rdatatype.CNAME, (label, ans)
            assert rrset[0].target.to_text() == CNAME, (label, ans)
        else:
            assert rrset.rdtype == dns.rdatatype.A, (label, ans)
            assert [r.address for r in rrset] == [ADDR], (label, ans)


def check_store(d, labels, active_cname, changes):
    """The store holds exactly labels, web1 and web2 counted right, and the
    serial and history agree with the number of changes committed."""
    groups = d.ctl_json("group", "list")["groups"]
    assert sorted(g["label"] for g in groups) == sorted(labels)
    for g in groups:
        want = "backup" if g["label"] in active_cname else "primary"
        assert (g["primary"], g["backup"], g["active"]) == \
            ("web1", "web2", want), g
    apps = {a["name"]: a for a in d.ctl_json("app", "list")["apps"]}
    assert apps["web1"]["groups"] == apps["web2"]["groups"] == len(labels)
    assert apps["web2"]["active_groups"] == len(active_cname)
    assert apps["web1"]["active_groups"] == len(labels) - len(active_cname)
    status = d.ctl_json("status")
    assert status["groups"] == len(labels) and status["apps"] == 2
    # serial 1 in a new store, +1 per committed change
    assert status["serial"] == 1 + changes, status
    newest = d.ctl_json("history", "--limit", "1")["entries"]
    assert newest[0]["serial"] == status["serial"], newest


@pytest.mark.daemon(map_size="1M")
def test_store_full_is_clean_and_loses_nothing(daemon, tmp_path):
    d = daemon
    d.ctl("app", "add", "web1", "--addr", ADDR)
    d.ctl("app", "add", "web2", "--cname", CNAME)

    # Most of the store by import, leaving room for step 2.
    imported = []
    imports, refused = import_until(
        d, tmp_path, imported,
        lambda: pages(d)[0] >= IMPORT_SHARE * pages(d)[1])
    assert refused is None, "store full before %d%% of it was used: %s" % (
        100 * IMPORT_SHARE, pages(d))
    check_store(d, imported, set(), 2 + imports)

    # The rest by several clients at once, until the store refuses one.
    created, refusals = fill_concurrently(d)
    assert refusals, "the store never filled up"
    print("%d groups imported in %d imports, %d created concurrently "
          "before store full (pages used, max: %s)"
          % (len(imported), imports, len(created), pages(d)))
    # The clients did fill it: many changes, committed in batches, fitted
    # in the room left after the imports.
    assert len(created) > 100, len(created)
    assert len(set(created)) == len(created)
    assert not set(created) & set(imported)
    # A refused create is refused whole: the store holds exactly the
    # acknowledged groups.
    changes = 2 + imports + len(created)
    created = imported + created
    check_store(d, created, set(), changes)

    # An import now (many groups in one change) is refused the same
    # clean way; should a few still fit, until one is refused.
    more, refused = import_until(d, tmp_path, created, lambda: False)
    assert refused is not None
    changes += more
    check_store(d, created, set(), changes)

    # One more create, after the burst, is refused the same clean way or
    # (a smaller batch may fit) acknowledged.
    r = d.ctl("group", "create", "--primary", "web1", "--backup", "web2",
              check=False)
    if r.returncode == EXIT_OK:
        created.append(r.stdout.strip()[:-len(d.origin) - 1])
        changes += 1
    else:
        check_refused_full(r)

    # DNS and the control socket still work.
    rnd = random.Random(5)
    sample = [created[0], created[-1]] + rnd.sample(created, 100)
    check_answers(d, sample, set())
    # A switch either fits or is refused as store full, and nothing else.
    active_cname = set()
    r = d.ctl("group", "switch", created[0], check=False)
    if r.returncode == EXIT_OK:
        active_cname.add(created[0])
        changes += 1
    else:
        check_refused_full(r)
    check_answers(d, [created[0], created[1]], active_cname)
    check_store(d, created, active_cname, changes)

    # Everything is still there after a restart, and still answers.
    d.restart()
    check_store(d, created, active_cname, changes)
    check_answers(d, sample + [created[0]], active_cname)
