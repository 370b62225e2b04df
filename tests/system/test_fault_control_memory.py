"""A control client cannot grow the daemon's memory without bound.

Rules (README "Control protocol", control.max_payload; control.c):
  - backpressure: a connection whose answers are not being read stops
    being read itself (past 1 MiB of unsent answers or 16 requests read
    ahead); its socket buffer fills and its writes block, and it goes on
    once it reads: nothing is lost, every request answered in order;
  - a payload larger than control.max_payload (64 MiB by default) is
    refused as soon as its request line arrives, before any of it is
    buffered;
  - other control clients are served all along.

Memory is the daemon's VmRSS from /proc.  No timing: the flooding client
sends until the daemon stops reading it (its socket stays unwritable for
a second) or everything is sent, whichever comes first.
"""

import json
import os
import select
import socket
import threading

import pytest

REQUESTS = 400
GROUPS = 2000
HANG_GUARD = 30
# What the daemon may grow by while the flood is held back: its output
# limit, one answer, some requests, and malloc's slack.  Unbounded, the
# flood's answers (~200 MiB here) would be buffered whole.
GROWTH_MAX = 32 << 20


def rss(d):
    with open("/proc/%d/status" % d.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def fill(d, tmp_path):
    d.ctl("app", "add", "web1", "--addr", "192.0.2.10")
    doc = tmp_path / "groups.yaml"
    doc.write_text("groups:\n" + "".join(
        "  - {label: g%05d, primary: web1}\n" % i for i in range(GROUPS)))
    d.ctl("import", str(doc))


def flood(d, lines):
    """Send lines on a new connection without reading: (socket, how many
    bytes went out).  Stops when the daemon has not taken a byte for a
    second (it stopped reading us) or everything is out."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(d.socket)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 << 10)
    s.setblocking(False)
    data = b"".join(lines)
    sent = 0
    while sent < len(data):
        try:
            sent += s.send(data[sent:sent + 65536])
        except BlockingIOError:
            _, w, _ = select.select([], [s], [], 1.0)
            if not w:
                break
    return s, data, sent


def read_answers(s, n):
    """n answer lines from s, in order; fails at the hang guard."""
    s.setblocking(True)
    s.settimeout(HANG_GUARD)
    f = s.makefile("rb")
    return [json.loads(f.readline()) for _ in range(n)]


def test_pipelining_without_reading_is_held_back(daemon, tmp_path):
    d = daemon
    fill(d, tmp_path)
    d.ctl("status")
    before = rss(d)
    lines = []
    for i in range(REQUESTS):
        # Padded ids: more requests than the socket buffers hold, so it
        # shows whether the daemon stops reading.
        cmd = "group.list" if i % 2 == 0 else "status"
        lines.append(json.dumps({"v": 1, "id": [i, "x" * 2000],
                                 "cmd": cmd}).encode() + b"\n")
    s, data, sent = flood(d, lines)
    try:
        # Another operator is served meanwhile, and so is a change.
        for _ in range(3):
            assert d.ctl("status").returncode == 0
        d.ctl("group", "switch", "g00001", "--to", "primary")
        grown = rss(d) - before
        assert grown < GROWTH_MAX, (
            "daemon grew by %d MiB while a client pipelined %d requests "
            "without reading (%d of %d bytes taken)"
            % (grown >> 20, REQUESTS, sent, len(data)))
        # The flood was held back: the daemon stopped reading it.
        assert sent < len(data), "every request was read at once"
        # Once the client reads, it gets every answer, in order (the
        # rest of the requests going out beside, as the daemon takes them).
        s.setblocking(True)
        rest = threading.Thread(target=s.sendall, args=(data[sent:],),
                                daemon=True)
        rest.start()
        answers = read_answers(s, REQUESTS)
        rest.join(HANG_GUARD)
        assert [a["id"][0] for a in answers] == list(range(REQUESTS))
        assert all(a["ok"] for a in answers)
        assert len(answers[0]["result"]["groups"]) == 1000   # a page
    finally:
        s.close()
    assert d.ctl("status").returncode == 0


def test_payload_over_the_cap_is_refused_before_it_is_sent(daemon):
    """A declared 512 MiB payload (below the protocol's 1 GiB, above the
    default control.max_payload): refused at once, the line alone."""
    d = daemon
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(d.socket)
        s.sendall(b'{"v": 1, "id": 5, "cmd": "import", "payload": %d}\n'
                  % (512 << 20))
        (a,) = read_answers(s, 1)
    assert a["ok"] is False and a["id"] == 5, a
    assert "control.max_payload" in a["error"]["message"], a
    assert d.ctl("status").returncode == 0


@pytest.mark.daemon(control_max_payload="4K")
def test_configured_payload_cap(daemon, tmp_path):
    d = daemon
    d.ctl("app", "add", "web1", "--addr", "192.0.2.10")
    small = tmp_path / "small.yaml"
    small.write_text("groups:\n  - {label: small, primary: web1}\n")
    big = tmp_path / "big.yaml"
    big.write_text("groups:\n" + "".join(
        "  - {label: big%04d, primary: web1}\n" % i for i in range(200)))
    assert os.path.getsize(big) > 4096
    r = d.ctl("import", str(big), check=False)
    assert r.returncode == 1, r
    assert "control.max_payload (4096 bytes)" in r.stderr, r.stderr
    assert d.ctl_json("status")["groups"] == 0
    d.ctl("import", str(small))
    assert d.ctl_json("status")["groups"] == 1
