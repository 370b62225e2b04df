"""Health checks and automatic failover, end to end (README "Health
checks"): real HTTP servers on loopback that the test stops and starts,
the real daemon probing them, and DNS answers, FAILOVER_STATUS, the
_status TXT and history as what must follow.

Timing: waits are on events (an answer, a state) with generous hang
guards; detection times are measured and printed next to the bound
fall x interval + timeout + interval, and asserted only with a wide
margin, so a loaded machine slows the test instead of failing it.
"""

import time

import dns.rdatatype
import pytest

import flipdns
from servers import HTTPServer, TCPListener, wait_for

INTERVAL, TIMEOUT, FALL, RISE = 0.3, 0.3, 3, 2
BOUND = FALL * INTERVAL + TIMEOUT + INTERVAL
GUARD = 60
P_ADDR, B_ADDR = "127.0.0.21", "127.0.0.22"

pytestmark = pytest.mark.daemon(health_min_interval=0.05)


def check(d, app, port, *extra, kind="http"):
    d.ctl("app", "check", app, "--type", kind, "--port", port,
          "--interval", INTERVAL, "--timeout", TIMEOUT, *extra)


def health(d, app):
    return d.ctl_json("app", "health", app)


def state(d, app):
    h = health(d, app)["health"]
    return h["state"] if h else "unknown"


def wait_state(d, app, want, guard=GUARD):
    wait_for("%s %s" % (app, want), lambda: state(d, app) == want, guard,
             step=0.05)


def answer(d, label):
    r = d.query(d.fqdn(label), "A")
    return sorted(rr.address for rrset in r.answer for rr in rrset
                  if rrset.rdtype == dns.rdatatype.A)


def status_txt(d, app):
    name = d.ctl_json("app", "show", app)["status_name"]
    r = d.query(name, "TXT")
    return r.answer[0][0].strings[0].decode()


def health_rows(d, op):
    return [e for e in d.ctl_json("history", "--limit", "1000")["entries"]
            if e["op"] == op and e["actor"] == "health"]


@pytest.fixture
def pair(daemon):
    """Apps p and b on two HTTP servers, both checked; a group g of them
    with policy auto, on primary, both sides up."""
    d = daemon
    ps = HTTPServer(P_ADDR).start()
    bs = HTTPServer(B_ADDR, port=ps.port).start()
    d.ctl("app", "add", "p", "--addr", P_ADDR)
    d.ctl("app", "add", "b", "--addr", B_ADDR)
    check(d, "p", ps.port)
    check(d, "b", bs.port)
    g = d.create_group("--label", "g", "--primary", "p", "--backup", "b")
    d.ctl("group", "set", g, "--policy", "auto")
    wait_state(d, "p", "up")
    wait_state(d, "b", "up")
    yield d, ps, bs
    ps.stop()
    bs.stop()


def fail_over(d, ps):
    """Stop the primary's server; the answer must become the backup's.
    Returns the measured detection time."""
    assert answer(d, "g") == [P_ADDR]
    t0 = time.monotonic()
    ps.stop()
    wait_for("backup answered", lambda: answer(d, "g") == [B_ADDR], GUARD,
             step=0.02)
    took = time.monotonic() - t0
    print("detection: %.2fs (bound fall x interval + timeout + interval "
          "= %d x %.1f + %.1f + %.1f = %.2fs)" % (took, FALL, INTERVAL,
                                                  TIMEOUT, INTERVAL, BOUND))
    return took


def test_primary_down_backup_answers_and_history_says_why(pair):
    d, ps, bs = pair
    assert status_txt(d, "p") == "online"
    took = fail_over(d, ps)
    # wide margin: only a daemon that misses the transition fails this
    assert took < 5 * BOUND + 5, took
    # FAILOVER_STATUS and _status follow
    assert d.ctl("app", "status", "p").stdout.strip() == "offline"
    assert d.ctl("app", "status", "b").stdout.strip() == "online"
    assert status_txt(d, "p") == "offline"
    assert status_txt(d, "b") == "online"
    # the history row of the switch: by health, with the evidence
    row = health_rows(d, "group.switch")[0]
    assert row["subject"] == "g" and row["moved"] == ["g"]
    assert row["before"]["active"] == "primary"
    assert row["after"]["active"] == "backup"
    ev = row["evidence"]
    assert ev["reason"] == "primary down, backup up"
    assert ev["primary"]["state"] == "down" and ev["primary"]["fresh"]
    assert "%s:%d" % (P_ADDR, ps.port) in ev["primary"]["why"]
    assert "refused" in ev["primary"]["why"].lower() or \
        "connect" in ev["primary"]["why"].lower(), ev
    assert ev["backup"]["state"] == "up"
    assert row["status"] == {"p": ["online", "offline"],
                             "b": ["offline", "online"]}
    # the change log says it too, and why
    d.wait_log("by health: group.switch g: active primary -> backup")
    assert "(primary down, backup up)" in d.read_log()
    # and app health shows the endpoint's last error
    h = health(d, "p")
    assert h["health"]["state"] == "down" and h["confirmed"]
    ep = h["endpoints"][0]
    assert ep["state"] == "down" and ep["last_error"]
    assert ep["failures"] >= FALL


def test_sticky_until_an_operator_switches(pair):
    d, ps, bs = pair
    fail_over(d, ps)
    ps.start()
    wait_state(d, "p", "up")
    # the primary is up; many probes later nothing has failed back
    seen = health(d, "p")["endpoints"][0]["probes"]
    wait_for("10 more probes", lambda: health(d, "p")["endpoints"][0][
        "probes"] >= seen + 10, GUARD)
    assert answer(d, "g") == [B_ADDR]
    assert len(health_rows(d, "group.switch")) == 1
    d.ctl("group", "switch", "g", "--to", "primary")
    assert answer(d, "g") == [P_ADDR]


def test_failback_after_hold(pair):
    d, ps, bs = pair
    hold = 2
    d.ctl("group", "set", "g", "--policy", "auto", "--failback", "--hold",
          hold)
    fail_over(d, ps)
    ps.start()
    wait_for("primary answered again", lambda: answer(d, "g") == [P_ADDR],
             GUARD + hold)
    up = [r for r in health_rows(d, "app.health") if r["subject"] == "p" and
          r["after"]["health"]["state"] == "up"][0]
    back = health_rows(d, "group.switch")[0]
    assert back["after"]["active"] == "primary"
    assert back["evidence"]["reason"].startswith("failback: primary up")
    # history times are whole seconds: never before the hold
    assert back["time"] - up["time"] >= hold, (up, back)
    print("failback %ds after the primary was up (hold %ds)"
          % (back["time"] - up["time"], hold))


def test_both_down_keeps_the_group_where_it_is(pair):
    d, ps, bs = pair
    bs.stop()
    wait_state(d, "b", "down")
    ps.stop()
    wait_state(d, "p", "down")
    # both down, decided: still on primary, no switch row
    wait_for("a decision", lambda: d.ctl_json("stats")["health"][
        "decisions"] >= 1, GUARD)
    assert answer(d, "g") == [P_ADDR]
    assert health_rows(d, "group.switch") == []


def test_both_down_primary_returns_to_primary(pair):
    d, ps, bs = pair
    d.ctl("group", "set", "g", "--policy", "auto", "--both-down", "primary")
    fail_over(d, ps)
    bs.stop()
    wait_for("back on primary", lambda: answer(d, "g") == [P_ADDR], GUARD)
    row = health_rows(d, "group.switch")[0]
    assert row["evidence"]["reason"] == "both down, both-down primary"


def test_manual_policy_only_reports(daemon):
    d = daemon
    ps = HTTPServer(P_ADDR).start()
    bs = HTTPServer(B_ADDR, port=ps.port).start()
    try:
        d.ctl("app", "add", "p", "--addr", P_ADDR)
        d.ctl("app", "add", "b", "--addr", B_ADDR)
        check(d, "p", ps.port)
        check(d, "b", bs.port)
        d.create_group("--label", "g", "--primary", "p", "--backup", "b")
        wait_state(d, "b", "up")
        ps.stop()
        wait_state(d, "p", "down")
        assert answer(d, "g") == [P_ADDR]
        assert health_rows(d, "group.switch") == []
        assert health_rows(d, "app.health")
    finally:
        ps.stop()
        bs.stop()


def simulate(outcomes, fall, rise):
    """The endpoint counting of prober.h over a probe sequence: how many
    times it becomes down."""
    st, ok_run, fail_run, downs = "unknown", 0, 0, 0
    for ok in outcomes:
        if ok:
            ok_run, fail_run = ok_run + 1, 0
            if st != "up" and ok_run >= rise:
                st = "up"
        else:
            fail_run, ok_run = fail_run + 1, 0
            if st != "down" and fail_run >= fall:
                st, downs = "down", downs + 1
    return downs


@pytest.mark.parametrize("failback", [False, True])
def test_random_failures_cause_no_more_switches_than_the_bound(daemon,
                                                               failback):
    """30% of the primary's answers fail at random (seeded); defaults for
    fall (3) and rise (2).  Each switch away needs the primary down (fall
    failures in a row), each switch back (failback, hold 0) the primary
    up again: at most one switch (sticky), or two per down transition
    the probes allow."""
    d = daemon
    ps = HTTPServer(P_ADDR, fail_ratio=0.3, seed=12).start()
    bs = TCPListener(B_ADDR, port=ps.port).start()
    probes = 120
    try:
        d.ctl("app", "add", "p", "--addr", P_ADDR)
        d.ctl("app", "add", "b", "--addr", B_ADDR)
        d.ctl("app", "check", "b", "--type", "tcp", "--port", bs.port,
              "--interval", INTERVAL, "--timeout", TIMEOUT)
        d.create_group("--label", "g", "--primary", "p", "--backup", "b")
        wait_state(d, "b", "up")
        policy = ["--policy", "auto"] + (
            ["--failback", "--hold", "0"] if failback else [])
        d.ctl("group", "set", "g", *policy)
        d.ctl("app", "check", "p", "--type", "http", "--port", ps.port,
              "--interval", 0.1, "--timeout", 0.1)
        wait_for("%d probes" % probes, lambda: ps.count() >= probes,
                 GUARD + probes * 0.1)
        ep = health(d, "p")["endpoints"][0]
        d.ctl("app", "check", "p", "--type", "none")
        time.sleep(0.3)    # a probe in flight when the check went
        with ps.lock:
            outcomes = [ok for _, _, _, ok in ps.requests]
        switches = len(health_rows(d, "group.switch"))
        downs = simulate(outcomes, 3, 2)
        # a timeout the server did not see is one more failure: at most
        # one more down transition each
        seen_failures = sum(1 for ok in outcomes if not ok)
        extra = max(0, ep["failures"] - seen_failures)
        p = 0.3
        expected = len(outcomes) * (1 - p) * p ** 3
        bound = 2 * (downs + extra) if failback else min(downs + extra, 1)
        print("%d probes, %d failed (%.0f%%): %d down transitions by the "
              "rules (expected about %.1f = N(1-p)p^3), bound %d switches, "
              "%d made; %d timeouts the server did not see"
              % (len(outcomes), seen_failures, 100.0 * seen_failures /
                 len(outcomes), downs, expected, bound, switches, extra))
        assert switches <= bound, (switches, bound)
    finally:
        ps.stop()
        bs.stop()
