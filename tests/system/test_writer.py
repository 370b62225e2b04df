"""The one writer, end to end (README "How it fits together").

  - Requests that arrive together share one commit, each in a nested
    transaction: a refused request undoes only itself, checked in the
    store, while the others in its batch are kept.
  - The post-commit hooks run once per commit (the daemon logs one
    "commit:" line per commit from a hook) and never for a refused or
    no-op request.
  - Read commands never hold the writer: an export that a slow client
    is not reading keeps its own snapshot open, and changes still commit
    meanwhile; the export, read to the end, is the zone as it was when
    it began.
"""

import json
import socket

import dns.rcode

from flipdns import EXIT_FAIL, EXIT_NOTFOUND, EXIT_OK, read_framed  # noqa: F401

ADDR = "192.0.2.1"


def commit_lines(d):
    return [line for line in d.read_log().splitlines()
            if "commit: serial" in line]


def request(i, cmd, args, payload=None):
    req = {"v": 1, "id": i, "cmd": cmd, "args": args}
    if payload is not None:
        req["payload"] = len(payload)
    line = json.dumps(req).encode() + b"\n"
    return line + (payload or b"")


def read_lines(sock, n):
    """n response lines from sock (hang guard: the socket's timeout)."""
    data = b""
    while data.count(b"\n") < n:
        chunk = sock.recv(65536)
        assert chunk, "connection closed after %r" % data
        data += chunk
    return [json.loads(line) for line in data.splitlines()[:n]]


def test_refused_request_in_a_batch_undoes_only_itself(daemon):
    d = daemon
    d.ctl("app", "add", "web1", "--addr", ADDR)
    serial = d.serial()
    commits = len(commit_lines(d))
    # The import writes app "partial" and group "halfway", then meets a
    # bad entry: refused, and everything it wrote must go with it.
    bad_import = (b"apps:\n  - {name: partial, addrs: [192.0.2.7]}\n"
                  b"groups:\n  - {label: halfway, primary: partial}\n"
                  b"  - {label: broken, primary: no-such-app}\n")
    burst = (request(1, "group.create", {"label": "good1",
                                         "primary": "web1"}) +
             request(2, "import", {"name": "bad.yaml"}, bad_import) +
             request(3, "group.create", {"label": "good2",
                                         "primary": "web1"}))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(60)
        s.connect(d.socket)
        # one write: the daemon reads the three requests in one turn
        s.sendall(burst)
        answers = read_lines(s, 3)
    assert [a["id"] for a in answers] == [1, 2, 3]
    assert answers[0]["ok"] and answers[2]["ok"], answers
    assert not answers[1]["ok"], answers
    assert "bad.yaml:" in answers[1]["error"]["message"], answers[1]

    # In the store: the good ones, and nothing of the refused import.
    assert d.ctl_json("group", "show", "good1")["primary"] == "web1"
    assert d.ctl_json("group", "show", "good2")["primary"] == "web1"
    for args in (("group", "show", "halfway"), ("app", "show", "partial"),
                 ("group", "show", "broken")):
        r = d.ctl(*args, check=False)
        assert r.returncode == EXIT_NOTFOUND, (args, r.stdout, r.stderr)
        assert "not found" in r.stderr, r.stderr
    assert d.query(d.fqdn("halfway"), "A").rcode() == dns.rcode.NXDOMAIN
    assert d.serial() == serial + 2
    # One commit for the batch, its hook run once, counting the refusal.
    new = commit_lines(d)[commits:]
    assert len(new) == 1, new
    assert "serial %d, 2 changes, 1 refused" % (serial + 2) in new[0], new


def test_no_hook_for_refused_or_noop_requests(daemon):
    d = daemon
    d.ctl("app", "add", "web1", "--addr", ADDR)
    label = d.create_group("--primary", "web1")
    commits = len(commit_lines(d))
    serial = d.serial()
    d.expect_error("group", "delete", "--yes", label)          # still points at web1
    d.expect_error("group", "switch", label)          # no backup
    d.ctl("group", "switch", label, "--to", "primary")   # already: no-op
    d.ctl("app", "set", "web1", "--addr", ADDR)          # same endpoints
    assert d.serial() == serial
    assert len(commit_lines(d)) == commits
    d.ctl("group", "set", label, "--ttl", "60")
    assert d.serial() == serial + 1
    assert len(commit_lines(d)) == commits + 1


def test_a_stalled_export_does_not_hold_the_writer(daemon, tmp_path):
    d = daemon
    d.ctl("app", "add", "web1", "--addr", ADDR)
    d.ctl("app", "add", "web2", "--addr", "192.0.2.2")
    # ~30k groups: ~2 MB of zone file, far more than the daemon queues
    # for one export (512 KiB) plus what two socket buffers hold, so the
    # export below cannot finish while its client reads nothing.
    n = 30000
    doc = tmp_path / "many.yaml"
    doc.write_text("groups:\n" + "".join(
        "  - {label: g%05d, primary: web1, backup: web2}\n" % i
        for i in range(n)))
    d.ctl("import", str(doc))
    serial = d.serial()

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(60)
        s.connect(d.socket)
        s.sendall(request(1, "export", {}))
        head = b""
        while b"\n" not in head:
            head += s.recv(1)
        first = json.loads(head)
        assert first["ok"] and first["stream"], first
        assert first["result"]["serial"] == serial

        # The export is open and stalled; changes commit meanwhile.
        for _ in range(3):
            r = d.ctl("group", "switch", "g00007", check=False)
            assert r.returncode == EXIT_OK, r.stderr
        d.ctl("group", "create", "--label", "late", "--primary", "web1")
        assert d.serial() == serial + 4
        # and reads answer too, in their own snapshots
        assert d.ctl_json("group", "show", "g00007")["active"] == "backup"
        assert d.query(d.fqdn("g00007"), "A").answer[0][0].address == \
            "192.0.2.2"

        # Now read the export to its end: the zone as it was at serial.
        data = b""
        while True:
            chunk = s.recv(1 << 20)
            assert chunk, "export ended without its final chunk"
            data += chunk
            if data.endswith(b"\n0\n"):
                break
    zone = b""
    rest = data
    while True:
        line, rest = rest.split(b"\n", 1)
        size = int(line)
        if size == 0:
            break
        zone += rest[:size]
        rest = rest[size:]
    assert rest == b""
    text = zone.decode()
    assert ("serial %d" % serial) in text.splitlines()[0]
    assert "g00007.%s\t30\tIN\tA\t%s" % (d.origin, ADDR) in text
    assert "\nlate." not in text
    assert sum(1 for line in text.splitlines()
               if "\tIN\tA\t" in line and line.startswith("g")) == n
