"""sd_notify: flipdnsd tells systemd (Type=notify) when it is ready and
when it stops, through $NOTIFY_SOCKET (daemon/notify.c).

Rules (README: "Running it as a service"; flipdnsd(8)):
  - READY=1 is sent once, after the DNS sockets and the control socket
    answer: the moment it arrives, a DNS query and a control command
    both succeed (systemd starts units ordered after flipdns then);
  - a reload (flipctl reload, SIGHUP) sends RELOADING=1, then READY=1
    when it is over, applied or refused (systemd shows "reloading" in
    between);
  - STOPPING=1 is sent on SIGTERM, before the daemon exits 0;
  - without $NOTIFY_SOCKET nothing is sent and nothing fails (every other
    system test runs that way).

The test plays systemd: a unix datagram socket it binds, named in
$NOTIFY_SOCKET for the daemon it spawns.
"""

import os
import socket
import subprocess
import time

import dns.rcode

import flipdns


def recv_messages(sock, until, timeout):
    """Datagrams until one holds `until` (a field such as READY=1)."""
    got = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            msg = sock.recv(4096).decode()
        except socket.timeout:
            break
        got.append(msg)
        if until in msg.split("\n"):
            return got
    raise AssertionError("no %s within %ss; got %r" % (until, timeout, got))


def test_ready_after_sockets_answer_and_stopping_on_sigterm():
    d = flipdns.Daemon()
    path = os.path.join(d.dir, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    try:
        d.port = flipdns.free_port(d.v6)
        d.write_config()
        env = dict(os.environ, NOTIFY_SOCKET=path)
        with open(d.log, "a") as log:
            d.proc = subprocess.Popen(
                [flipdns.FLIPDNSD, "-c", d.conf], cwd=d.dir, env=env,
                stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT)
        got = recv_messages(sock, "READY=1", flipdns.START_TIMEOUT)
        # No polling here: READY=1 promises the sockets answer now.
        ans = d.query(d.origin, "SOA", timeout=2)
        assert ans.rcode() == dns.rcode.NOERROR and len(ans.answer) == 1
        assert d.ctl_json("status")["zone"] == d.origin
        assert not any("STOPPING=1" in m for m in got), got

        for reload in (lambda: d.ctl("reload"),
                       lambda: d.proc.send_signal(1)):
            reload()
            got = recv_messages(sock, "READY=1", flipdns.START_TIMEOUT)
            fields = [f for m in got for f in m.split("\n")]
            assert fields[0] == "RELOADING=1", got
            assert fields[1].startswith("MONOTONIC_USEC="), got

        d.proc.send_signal(15)
        got = recv_messages(sock, "STOPPING=1", flipdns.STOP_TIMEOUT)
        assert d.proc.wait(flipdns.STOP_TIMEOUT) == 0, d.read_log()
        assert not any("READY=1" in m.split("\n") for m in got), got
        assert "sd_notify" not in d.read_log(), d.read_log()
    finally:
        sock.close()
        d.cleanup()


def test_no_notify_socket_no_message(daemon):
    # The plain fixture runs without $NOTIFY_SOCKET: it started (the
    # fixture waited for it) and nothing was reported as failing.
    assert "NOTIFY_SOCKET" not in os.environ
    assert "sd_notify" not in daemon.read_log()
