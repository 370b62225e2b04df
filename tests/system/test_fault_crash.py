"""Crash safety: SIGKILL at random moments loses no acknowledged change.

Rules (README: "a change is acknowledged only after its LMDB write
transaction is committed and synced to disk"; "readers never see half of
a change"; every committed change bumps the serial and adds one history
row):
  - after a crash and a restart, every acknowledged change is there;
  - a change sent but not acknowledged (the daemon died first) is either
    all there or not at all: a group's active side, an app's endpoints,
    a new group with its app counters and its history row, never a part;
  - the serial never goes back, and the history is one row per serial;
  - the LMDB files are sound (`mdb_stat` reads every database).

Several client threads run switches, `app set` and `group create`
through flipctl while the main thread kills flipdnsd with SIGKILL at
random moments (fixed seed), restarts it and checks the store against
a model of what the clients were told.  Each thread has its own group,
apps and labels, so it has at most one change in flight per subject and
the model is exact:

  - for each subject, `settled` is its state as last seen (checked
    after a restart, or set by an acknowledged change), and `pending`
    the states of the changes sent after that without an answer; after
    the crash the subject must be in `settled` or one of `pending`;
  - switches use `--to` the other side, so each one's effect is known
    whatever happened before; `app set` uses endpoints never used
    before; new groups get labels of their own (`--label`) or random
    ones, whose acknowledged address the client records.
"""

import ipaddress
import json
import random
import re
import subprocess
import threading
import time

import dns.rcode
import dns.rdatatype

from flipdns import EXIT_OK, EXIT_UNREACH

SEED = 20261125
KILLS = 24
THREADS = 4
# When each kill comes, both drawn at random for each round: after the
# clients have run RUN_MIN..RUN_MAX seconds (a few hundred commits on a
# fast machine), and not before they have had ACKED_MIN..ACKED_MAX
# changes acknowledged in the round, however long that takes: a slow
# machine makes the rounds longer, never emptier.
RUN_MIN, RUN_MAX = 0.05, 0.5
ACKED_MIN, ACKED_MAX = 2, 20
# Seconds: only a hang (a client, flipctl or the daemon) gets near it.
HANG_GUARD = 300
RANDOM_LABEL = re.compile(r"^[a-z2-7]{12}$")


def addrs_for(i, n):
    """Endpoint set n of thread i: 3 IPv4 and 1 IPv6, never used before."""
    return frozenset(["10.%d.%d.%d" % (i, n // 256, n % 256),
                      "10.%d.%d.%d" % (100 + i, n // 256, n % 256),
                      "10.%d.%d.%d" % (200 + i, n // 256, n % 256),
                      str(ipaddress.ip_address("2001:db8:%x::%x" % (i, n)))])


class Client(threading.Thread):
    """One flipctl client thread and the model of what it was told."""

    def __init__(self, d, i, start_gate, end_gate, seed):
        super().__init__(name="client-%d" % i, daemon=True)
        self.d, self.i = d, i
        self.start_gate, self.end_gate = start_gate, end_gate
        self.rnd = random.Random(seed)
        self.group = "sw%d" % i
        self.primary, self.backup = "p%d" % i, "b%d" % i
        # group sw<i>: its active side; app p<i>: its endpoints
        self.side = {"settled": "primary", "pending": []}
        self.ep = {"settled": addrs_for(i, 0), "pending": []}
        self.n_ep = 0
        self.n_label = 0
        # new groups: acknowledged labels and attempted ones (labelled),
        # since the last check; unacknowledged random creates
        self.created = set()
        self.tried_labels = set()
        self.tried_random = 0
        # since the last check
        self.acked = 0
        self.unacked = 0
        self.running = False
        # set by the main thread as a round starts; cleared by the client
        # when its round ends (on a change not acknowledged: cut_by)
        self.in_round = False
        self.cut_by = None
        self.finished = False
        self.errors = []       # anything unexpected: fails the test

    # -- the ops ------------------------------------------------------

    def ctl(self, *args):
        return self.d.ctl("--json", *args, check=False)

    def fail(self, what, r):
        """An answer that is neither an acknowledgement nor the daemon
        going away."""
        self.errors.append("%s: exit %d, stdout %r, stderr %r" % (
            what, r.returncode, r.stdout, r.stderr))

    def op_switch(self):
        last = (self.side["pending"] or [self.side["settled"]])[-1]
        to = "backup" if last == "primary" else "primary"
        self.side["pending"].append(to)
        r = self.ctl("group", "switch", self.group, "--to", to)
        if r.returncode == EXIT_OK:
            g = json.loads(r.stdout)
            if g["active"] != to:
                self.fail("switch --to %s answered %s" % (to, g["active"]),
                          r)
            self.side = {"settled": to, "pending": []}
        return r

    def op_app_set(self):
        self.n_ep += 1
        want = addrs_for(self.i, self.n_ep)
        self.ep["pending"].append(want)
        args = []
        for a in sorted(want):
            args += ["--addr", a]
        r = self.ctl("app", "set", self.primary, *args)
        if r.returncode == EXIT_OK:
            got = frozenset(json.loads(r.stdout)["addrs"])
            if got != want:
                self.fail("app set %s answered %s" % (sorted(want),
                                                       sorted(got)), r)
            self.ep = {"settled": want, "pending": []}
        return r

    def op_create(self):
        args = ["group", "create", "--primary", self.primary,
                "--backup", self.backup]
        label = None
        if self.rnd.random() < 0.5:
            self.n_label += 1
            label = "c%d-%d" % (self.i, self.n_label)
            args += ["--label", label]
            self.tried_labels.add(label)
        r = self.ctl(*args)
        if r.returncode == EXIT_OK:
            got = json.loads(r.stdout)["label"]
            if label is not None and got != label:
                self.fail("create --label %s answered %s" % (label, got), r)
            self.created.add(got)
            self.tried_labels.discard(got)
        elif label is None:
            self.tried_random += 1
        return r

    def one_op(self):
        x = self.rnd.random()
        if x < 0.5:
            return self.op_switch()
        if x < 0.75:
            return self.op_app_set()
        return self.op_create()

    # -- the loop -----------------------------------------------------

    def run(self):
        try:
            while True:
                self.start_gate.wait(HANG_GUARD)
                if self.finished:
                    return
                # Until the daemon dies under us (exit 3): the change in
                # flight then (or the one tried just after) is the
                # round's one unacknowledged change.
                while self.running:
                    r = self.one_op()
                    if r.returncode == EXIT_OK:
                        self.acked += 1
                        continue
                    self.unacked += 1
                    self.cut_by = r
                    if r.returncode != EXIT_UNREACH:
                        self.fail("a change refused", r)
                    break
                self.in_round = False
                self.end_gate.wait(HANG_GUARD)
        except threading.BrokenBarrierError:
            return
        except Exception as e:    # never leave the main thread waiting
            self.errors.append("client %d: %r" % (self.i, e))
            self.start_gate.abort()
            self.end_gate.abort()


def mdb_stat(path):
    """`mdb_stat -a` and `-ef` on the store: {db name: entries}; every
    database must be readable."""
    r = subprocess.run(["mdb_stat", "-a", path], capture_output=True,
                       text=True, timeout=HANG_GUARD)
    assert r.returncode == 0 and r.stderr == "", (r.returncode, r.stderr)
    entries, name = {}, None
    for line in r.stdout.splitlines():
        m = re.match(r"^Status of (.+)$", line)
        if m:
            name = m.group(1)
            continue
        m = re.match(r"^\s+Entries: (\d+)$", line)
        if m:
            assert name is not None and name not in entries, r.stdout
            entries[name] = int(m.group(1))
    assert set(entries) == {"Main DB", "apps", "groups", "history", "meta",
                            "status", "tombstones", "app_groups",
                            "tokens", "journal", "checks", "health",
                            "policies"}, r.stdout
    assert entries["Main DB"] == 12, r.stdout
    # the environment and the free list are sound too
    r = subprocess.run(["mdb_stat", "-ef", path], capture_output=True,
                       text=True, timeout=HANG_GUARD)
    assert r.returncode == 0 and r.stderr == "", (r.returncode, r.stderr)
    used = int(re.search(r"Number of pages used: (\d+)", r.stdout).group(1))
    most = int(re.search(r"Max pages: (\d+)", r.stdout).group(1))
    assert 0 < used <= most, r.stdout
    return entries


class Checker:
    """The main thread's view: checks the store against the clients'
    models after each restart, then settles the models on what it found."""

    def __init__(self, d, clients):
        self.d, self.clients = d, clients
        self.serial = None
        # every group seen at the last check (at first: made in set-up)
        self.groups = {c.group for c in clients}

    def check(self, stat=None):
        d = self.d
        status = d.ctl_json("status")
        groups = {g["label"]: g for g in
                  d.ctl_json("group", "list")["groups"]}
        apps = {a["name"]: a for a in d.ctl_json("app", "list")["apps"]}
        rows = d.ctl_json("history", "--limit", "1000000")["entries"]
        serial = status["serial"]
        where = "after the restart at serial %d" % serial

        # The serial: never back, up by one per acknowledged change, at
        # most one per attempted one.
        if self.serial is not None:
            acked = sum(c.acked for c in self.clients)
            tried = acked + sum(c.unacked for c in self.clients)
            assert self.serial + acked <= serial <= self.serial + tried, (
                "%s: serial was %d; %d changes acknowledged, %d attempted "
                "since" % (where, self.serial, acked, tried))
        # DNS serves the same serial.
        soa = d.query(d.origin, "SOA")
        assert soa.answer[0][0].serial == serial, (where, soa)
        # The history: one row per serial, newest first, back to serial 2
        # (a new store starts at 1).
        assert [r["serial"] for r in rows] == list(range(serial, 1, -1)), (
            where, [r["serial"] for r in rows[:5]])
        last_row = {}
        for r in rows:
            last_row.setdefault(r["subject"], r)
        created = {r["subject"] for r in rows if r["op"] == "group.create"}
        assert created == set(groups), (
            "%s: groups without a create row: %s; create rows without a "
            "group: %s" % (where, set(groups) - created,
                           created - set(groups)))
        assert status["groups"] == len(groups)
        assert status["apps"] == len(apps) == 2 * len(self.clients)

        # No group vanishes; each new one is one a client tried.
        assert self.groups <= set(groups), (
            "%s: groups lost: %s" % (where, self.groups - set(groups)))
        new = set(groups) - self.groups
        for c in self.clients:
            lost = c.created - set(groups)
            assert not lost, "%s: acknowledged groups lost: %s" % (
                where, lost)
            new -= c.created | c.tried_labels
        unknown_random = [g for g in new if RANDOM_LABEL.match(g)]
        assert len(unknown_random) == len(new), (
            "%s: groups nobody created: %s" % (where, new))
        assert len(unknown_random) <= sum(c.tried_random
                                          for c in self.clients), (
            "%s: more unacknowledged random groups than tried: %s"
            % (where, unknown_random))

        for c in self.clients:
            g = groups[c.group]
            # The switched group: the last acknowledged side or a later
            # attempted one, and all of the group says so.
            ok = {c.side["settled"]} | set(c.side["pending"])
            assert g["active"] in ok, (
                "%s: group %s is %s; last acknowledged %s, unacknowledged "
                "since %s" % (where, c.group, g["active"],
                              c.side["settled"], c.side["pending"]))
            side_app = c.primary if g["active"] == "primary" else c.backup
            assert g["active_app"] == side_app, g
            assert last_row[c.group]["after"]["active"] == g["active"], (
                where, last_row[c.group])
            # Its app: the last acknowledged endpoints or a later attempt,
            # whole.
            got = frozenset(apps[c.primary]["addrs"])
            ok = [c.ep["settled"]] + c.ep["pending"]
            assert got in ok, (
                "%s: app %s has %s; last acknowledged %s, unacknowledged "
                "since %s" % (where, c.primary, sorted(got),
                              sorted(c.ep["settled"]),
                              [sorted(x) for x in c.ep["pending"]]))
            assert frozenset(last_row[c.primary]["after"]["addrs"]) == got
            assert apps[c.backup]["cname"] == "%s.example.com." % c.backup
            # Its new groups: whole (both apps, as created).
            for label, grp in groups.items():
                if grp["primary"] == c.primary and label != c.group:
                    assert (grp["backup"], grp["active"]) == (
                        c.backup, "primary"), grp
            # DNS answers the same.
            self.check_dns(c, g["active"], got)

        # The counters behind FAILOVER_STATUS moved with every change.
        for name, a in apps.items():
            refs = sum(name in (g["primary"], g["backup"])
                       for g in groups.values())
            active = sum(g["active_app"] == name for g in groups.values())
            assert (a["groups"], a["active_groups"]) == (refs, active), (
                where, a)
            assert a["status"] == ("online" if active else
                                   "offline" if refs else "none"), a
            # and so did the app-to-groups index: exactly its groups
            shown = d.ctl_json("app", "show", name)["followers"]
            want = sorted(
                (label, role, g["active"] == role)
                for label, g in groups.items()
                for role in ("primary", "backup") if g[role] == name)
            assert sorted((f["label"], f["role"], f["active"])
                          for f in shown) == want, (where, name, shown)

        # What mdb_stat read from the files, before the restart.
        if stat is not None:
            assert stat["groups"] == len(groups), (stat, len(groups))
            assert stat["apps"] == stat["status"] == len(apps), stat
            assert stat["history"] == serial - 1, (stat, serial)
            # meta: schema, serial and the store's identity
            assert stat["tombstones"] == 0 and stat["meta"] == 3, stat
            assert stat["app_groups"] == sum(
                a["groups"] for a in apps.values()), stat

        # Settle the models on what is there.
        self.serial = serial
        self.groups = set(groups)
        for c in self.clients:
            c.side = {"settled": groups[c.group]["active"], "pending": []}
            c.ep = {"settled": frozenset(apps[c.primary]["addrs"]),
                    "pending": []}
            c.created, c.tried_labels, c.tried_random = set(), set(), 0
            c.acked = c.unacked = 0
        return serial

    def check_dns(self, c, active, addrs):
        ans = self.d.query(self.d.fqdn(c.group), "A")
        assert ans.rcode() == dns.rcode.NOERROR, ans
        rrset = ans.answer[0]
        if active == "primary":
            assert rrset.rdtype == dns.rdatatype.A, ans
            assert {r.address for r in rrset} == {
                a for a in addrs if ":" not in a}, ans
        else:
            assert rrset.rdtype == dns.rdatatype.CNAME, ans
            assert rrset[0].target.to_text() == "%s.example.com." % c.backup


def test_sigkill_at_random_loses_no_acknowledged_change(daemon):
    d = daemon
    rnd = random.Random(SEED)
    start_gate = threading.Barrier(THREADS + 1)
    end_gate = threading.Barrier(THREADS + 1)
    clients = [Client(d, i, start_gate, end_gate, SEED + i)
               for i in range(THREADS)]
    for c in clients:
        d.ctl("app", "add", c.primary, *sum(
            (["--addr", a] for a in sorted(c.ep["settled"])), []))
        d.ctl("app", "add", c.backup, "--cname",
              "%s.example.com" % c.backup)
        d.ctl("group", "create", "--label", c.group, "--primary",
              c.primary, "--backup", c.backup)
    checker = Checker(d, clients)
    checker.check()
    for c in clients:
        c.start()

    t0 = time.monotonic()
    total_acked = total_unacked = 0
    try:
        for n in range(KILLS):
            for c in clients:
                c.running = c.in_round = True
            start_gate.wait(HANG_GUARD)
            time.sleep(rnd.uniform(RUN_MIN, RUN_MAX))
            wait_acked(d, clients, rnd.randint(ACKED_MIN, ACKED_MAX), n)
            d.crash()
            # Each client ends its round itself, on its first change that
            # the dead daemon does not acknowledge.
            try:
                end_gate.wait(HANG_GUARD)
            except threading.BrokenBarrierError:
                pass        # a client failed: its error is reported next
            errors = [e for c in clients for e in c.errors]
            assert not errors, "kill %d: %s" % (n + 1, "\n".join(errors))
            # The kill cut every client off: one unacknowledged change
            # each, in flight at the kill or tried just after it.
            assert [c.unacked for c in clients] == [1] * THREADS, (
                n + 1, [c.unacked for c in clients])
            total_acked += sum(c.acked for c in clients)
            total_unacked += sum(c.unacked for c in clients)
            stat = mdb_stat(d.storage)
            d.start()
            checker.check(stat)
    finally:
        for c in clients:
            c.finished = True
            c.running = False
        start_gate.abort()
        end_gate.abort()
        for c in clients:
            c.join(HANG_GUARD)
    print("%d kills in %.1fs: %d changes acknowledged, %d not, %d groups, "
          "serial %d" % (KILLS, time.monotonic() - t0, total_acked,
                         total_unacked, len(checker.groups), checker.serial))
    # The test tested something: changes were acknowledged (at least
    # ACKED_MIN before each kill), and some were cut off by each kill.
    assert total_acked >= ACKED_MIN * KILLS, total_acked
    assert total_unacked == THREADS * KILLS, total_unacked


def wait_acked(d, clients, n, kill):
    """Wait until the clients have had n changes acknowledged in this
    round.  A client that fails or is cut off before the kill ends the
    wait with the reason; only a hang meets HANG_GUARD."""
    guard = time.monotonic() + HANG_GUARD
    while sum(c.acked for c in clients) < n:
        errors = [e for c in clients for e in c.errors]
        assert not errors, "kill %d: %s" % (kill + 1, "\n".join(errors))
        cut = [c.cut_by for c in clients if not c.in_round]
        assert not cut, "kill %d: cut off before the kill: %s\n%s" % (
            kill + 1, [(r.returncode, r.stderr) for r in cut], d.read_log())
        assert time.monotonic() < guard, (
            "kill %d: %d of %d changes acknowledged after %ds: hung?"
            % (kill + 1, sum(c.acked for c in clients), n, HANG_GUARD))
        time.sleep(0.005)
