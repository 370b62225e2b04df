"""Flips as DNS clients see them (README: "the very next DNS answer
follows it").

  - under a tight query loop, every answer is exactly the primary's or
    the backup's address set: never empty, never a mix of the two;
  - once `flipctl group switch` has returned, the next query sees the new
    side, every time;
  - `app set` changes the answer of every group following the app (as
    primary or as backup, active or not when it becomes active) from the
    next query on;
  - a restart changes no answer.
"""

import socket
import threading

import dns.flags
import dns.message
import dns.rcode

PRIMARY = ("192.0.2.1", "192.0.2.2", "192.0.2.3")
BACKUP = ("198.51.100.1", "198.51.100.2")
SWITCHES = 200
# Seconds: only a hang (or a lost answer) gets near them.
HANG_GUARD = 120
ANSWER_GUARD = 10


def a_set(r):
    """The A addresses of an answer, as a sorted tuple; () when none."""
    assert r.rcode() == dns.rcode.NOERROR, r
    assert r.flags & dns.flags.AA and not r.flags & dns.flags.TC, r
    return tuple(sorted(rr.to_text() for rrset in r.answer for rr in rrset))


def ask_a(d, name, tcp=False):
    return a_set(d.exchange(dns.message.make_query(name, "A"), tcp=tcp))


def add_app(d, name, ips):
    args = []
    for ip in ips:
        args += ["--addr", ip]
    d.ctl("app", "add", name, *args)


class Hammer(threading.Thread):
    """Queries name over UDP in a tight loop until stopped, and keeps
    every answer that is not exactly one of the allowed sets."""

    def __init__(self, d, name, allowed):
        super().__init__(daemon=True)
        self.d, self.name = d, name
        self.allowed = set(allowed)
        self.stop = threading.Event()
        self.count = 0
        self.counted = threading.Condition()
        self.seen = set()
        self.bad = []

    def wait_count(self, n):
        """Wait until n answers have come (or one was bad: reported by
        the caller); only a hang meets HANG_GUARD."""
        with self.counted:
            assert self.counted.wait_for(
                lambda: self.count >= n or self.bad, HANG_GUARD), (
                "the query loop got no answer in %ds" % HANG_GUARD)

    def run(self):
        # One socket, many queries: no per-query socket set-up, so the
        # loop is as tight as Python allows.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            # A lost answer is a failure, whenever it is noticed: the
            # timeout is long, so a slow answer is not taken for one.
            s.settimeout(ANSWER_GUARD)
            s.connect(("127.0.0.1", self.d.port))
            q = dns.message.make_query(self.name, "A")
            while not self.stop.is_set():
                q.id = (q.id + 1) & 0xffff
                try:
                    s.send(q.to_wire())
                    while True:
                        r = dns.message.from_wire(s.recv(65535))
                        if r.id == q.id:
                            break
                    got = a_set(r)
                except Exception as e:      # a timeout, a bad rcode
                    self.bad.append(repr(e))
                    continue
                self.seen.add(got)
                if got not in self.allowed:
                    self.bad.append(got)
                with self.counted:
                    self.count += 1
                    self.counted.notify_all()


def test_switch_under_query_load(daemon):
    d = daemon
    add_app(d, "prim", PRIMARY)
    add_app(d, "back", BACKUP)
    label = d.create_group("--primary", "prim", "--backup", "back")
    name = d.fqdn(label)
    sides = {"primary": PRIMARY, "backup": BACKUP}
    assert ask_a(d, name) == PRIMARY

    hammer = Hammer(d, name, sides.values())
    hammer.start()
    late = []
    try:
        side = "primary"
        for i in range(SWITCHES):
            side = "backup" if side == "primary" else "primary"
            # Alternate plain toggles and --to, both must be seen at once.
            if i % 2:
                d.ctl("group", "switch", label, "--to", side)
            else:
                d.ctl("group", "switch", label)
            got = ask_a(d, name)
            if got != sides[side]:
                late.append((i, side, got))
            # The query loop runs across every flip: a few answers on
            # each side, however slow the machine.
            hammer.wait_count(hammer.count + 3)
    finally:
        hammer.stop.set()
        hammer.join(HANG_GUARD)
    assert not hammer.is_alive()
    assert late == [], "switch returned, next answer was the old side: %s" \
        % late[:10]
    assert hammer.bad == [], "answers neither side: %s" % hammer.bad[:10]
    assert hammer.seen == {PRIMARY, BACKUP}
    # More queries than flips: the loop ran between every two flips.
    assert hammer.count > 2 * SWITCHES, hammer.count
    assert d.ctl_json("group", "show", label)["active"] == "primary"


def test_app_set_changes_every_group_at_once(daemon):
    d = daemon
    add_app(d, "shared", ("192.0.2.10",))
    add_app(d, "other", ("192.0.2.20",))
    g1 = d.create_group("--primary", "shared")
    g2 = d.create_group("--primary", "shared", "--backup", "other")
    g3 = d.create_group("--primary", "other", "--backup", "shared")
    d.ctl("group", "switch", g3)
    idle = d.create_group("--primary", "other", "--backup", "shared")
    following = [d.fqdn(g) for g in (g1, g2, g3)]

    for name in following:
        assert ask_a(d, name) == ("192.0.2.10",)
    assert ask_a(d, d.fqdn(idle)) == ("192.0.2.20",)

    sets = [("192.0.2.11", "192.0.2.12"), ("198.51.100.9",),
            ("192.0.2.13", "192.0.2.14", "192.0.2.15")]
    for n, ips in enumerate(sets * 3):
        args = []
        for ip in ips:
            args += ["--addr", ip]
        d.ctl("app", "set", "shared", *args)
        for name in following:
            assert ask_a(d, name, tcp=n % 2 == 1) == tuple(sorted(ips)), name
        # A group following it on its inactive side is unchanged ...
        assert ask_a(d, d.fqdn(idle)) == ("192.0.2.20",)
    # ... until it flips to it.
    d.ctl("group", "switch", idle)
    assert ask_a(d, d.fqdn(idle)) == tuple(sorted(sets[-1]))

    # From addresses to a host name: every group answers the CNAME.
    d.ctl("app", "set", "shared", "--cname", "lb.example.com")
    for name in following + [d.fqdn(idle)]:
        r = d.exchange(dns.message.make_query(name, "A"))
        assert r.rcode() == dns.rcode.NOERROR
        assert [(rrset.name.to_text().lower(), rrset.ttl, rr.to_text())
                for rrset in r.answer for rr in rrset] == [
            (name, 30, "lb.example.com.")]


def snapshot(d, questions):
    """Everything a client can see for each question: rcode, flags and
    each section as text (the ID aside)."""
    out = {}
    for name, rdtype in questions:
        r = d.exchange(dns.message.make_query(name, rdtype))
        out[(name, rdtype)] = (
            r.rcode(), r.flags,
            lines(r.answer), lines(r.authority), lines(r.additional))
    return out


def lines(section):
    """A section as sorted record lines."""
    return sorted(line for rrset in section
                  for line in rrset.to_text().splitlines())


def test_answers_unchanged_by_restart(daemon):
    d = daemon
    add_app(d, "prim", PRIMARY + ("2001:db8::1",))
    add_app(d, "back", BACKUP)
    d.ctl("app", "add", "host", "--cname", "lb.example.com")
    flipped = d.create_group("--primary", "prim", "--backup", "back",
                             "--ttl", "120")
    d.ctl("group", "switch", flipped)
    plain = d.create_group("--primary", "prim")
    cname = d.create_group("--primary", "host", "--backup", "prim")
    reserved = d.create_group()
    gone = d.create_group()
    d.ctl("group", "delete", "--yes", gone)
    st = d.ctl_json("app", "show", "back")["status_name"]
    questions = [(d.origin, "SOA"), (d.origin, "NS"),
                 (d.fqdn(flipped), "A"), (d.fqdn(flipped), "AAAA"),
                 (d.fqdn(plain), "A"), (d.fqdn(plain), "AAAA"),
                 (d.fqdn(cname), "A"), (d.fqdn(reserved), "A"),
                 (d.fqdn(gone), "A"), (st, "TXT")]
    before = snapshot(d, questions)
    # Spot checks, so "unchanged" cannot mean "empty both times".
    assert before[(d.fqdn(flipped), "A")][2] == sorted(
        "%s 120 IN A %s" % (d.fqdn(flipped), ip) for ip in BACKUP)
    assert before[(d.fqdn(cname), "A")][2] == [
        "%s 30 IN CNAME lb.example.com." % d.fqdn(cname)]
    assert before[(d.fqdn(gone), "A")][0] == dns.rcode.NXDOMAIN
    assert before[(st, "TXT")][2] == ['%s 30 IN TXT "online"' % st]
    serial = d.serial()

    d.restart()
    assert d.serial() == serial
    assert snapshot(d, questions) == before
    # And it still flips.
    d.ctl("group", "switch", flipped)
    assert ask_a(d, d.fqdn(flipped)) == PRIMARY
