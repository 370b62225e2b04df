"""A full store: `store full`, cleanly, and nothing stored is lost.

Rules (README: storage.map_size, control protocol, error codes):
  - storage.map_size is the store's ceiling (1M is the smallest the config
    takes); past it a change fails with code store_full, flipctl exits 1
    and says "store full", and nothing of that change is written;
  - the daemon goes on answering DNS and control requests; a change may
    still fit (or fail the same clean way);
  - every change acknowledged before is still there, answers, and
    survives a restart.

Groups are created by several flipctl clients at once, so the daemon
commits them in batches; a batch whose commit fails is refused whole.
"""

import random
import threading

import dns.rcode
import dns.rdatatype
import pytest

from flipdns import EXIT_FAIL, EXIT_OK

CLIENTS = 6
ADDR = "192.0.2.1"
CNAME = "lb.example.com."


def fill(d):
    """Create groups from CLIENTS threads until the store refuses one.

    Returns (created labels, refusals).  Every refusal must be a clean
    store full; anything else fails the test."""
    created, refusals, stop, lock = [], [], threading.Event(), threading.Lock()

    def client():
        while not stop.is_set():
            r = d.ctl("group", "create", "--primary", "web1", "--backup",
                      "web2", check=False)
            with lock:
                if r.returncode == EXIT_OK:
                    address = r.stdout.strip()
                    assert address.endswith("." + d.origin), r.stdout
                    created.append(address[:-len(d.origin) - 1])
                else:
                    refusals.append(r)
                    stop.set()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
        assert not t.is_alive(), "a flipctl client hung"
    return created, refusals


def check_refused_full(r):
    assert r.returncode == EXIT_FAIL, (r.returncode, r.stdout, r.stderr)
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
def test_store_full_is_clean_and_loses_nothing(daemon):
    d = daemon
    d.ctl("app", "add", "web1", "--addr", ADDR)
    d.ctl("app", "add", "web2", "--cname", CNAME)
    created, refusals = fill(d)
    assert refusals, "the store never filled up"
    for r in refusals:
        check_refused_full(r)
    # 1 MiB holds a few thousand groups: the refusal is not an early one.
    assert len(created) > 100, len(created)
    print("created %d groups before store full" % len(created))
    assert len(set(created)) == len(created)
    # A refused create is refused whole: the store holds exactly the
    # acknowledged groups.
    check_store(d, created, set(), 2 + len(created))

    # One more create, after the burst, is refused the same clean way or
    # (a smaller batch may fit) acknowledged.
    r = d.ctl("group", "create", "--primary", "web1", "--backup", "web2",
              check=False)
    if r.returncode == EXIT_OK:
        created.append(r.stdout.strip()[:-len(d.origin) - 1])
    else:
        check_refused_full(r)

    # DNS and the control socket still work.
    rnd = random.Random(5)
    sample = [created[0], created[-1]] + rnd.sample(created, 100)
    check_answers(d, sample, set())
    # A switch either fits or is refused as store full, and nothing else.
    active_cname = set()
    changes = 2 + len(created)
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
