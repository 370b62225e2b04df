"""Helpers for the flipdns system tests: run the real flipdnsd and flipctl.

A Daemon owns one temporary directory holding its config, LMDB storage,
control socket and log.  It listens on one free loopback port, the same
for UDP and TCP on 127.0.0.1 and ::1.  The binaries come from $FLIPDNSD
and $FLIPCTL, by default ../../build/ relative to this directory.

Every test gets its own daemon (see conftest.py), so tests never share
state and ctest can run the test files side by side.
"""

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

HERE = os.path.dirname(os.path.abspath(__file__))
FLIPDNSD = os.path.abspath(
    os.environ.get("FLIPDNSD", os.path.join(HERE, "../../build/flipdnsd")))
FLIPCTL = os.path.abspath(
    os.environ.get("FLIPCTL", os.path.join(HERE, "../../build/flipctl")))

ORIGIN = "failover.example.test."
# Hang guards, in seconds: each wait ends as soon as its event comes, so
# they are far longer than any start, stop or flipctl call should take,
# even with the sanitizers on a loaded machine; only a hang meets one.
START_TIMEOUT = 120
STOP_TIMEOUT = 120
CTL_TIMEOUT = 120
# For an answer query() and exchange() expect (they fail without one):
# only a lost answer takes this long.  udp_raw() and tcp_raw() keep short
# timeouts, since tests use them to see that no answer comes.
ANSWER_TIMEOUT = 10

# flipctl's exit statuses (flipctl.h): the interface scripts rely on.
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_UNREACH = 0, 1, 2, 3
EXIT_DENIED, EXIT_NOTFOUND, EXIT_EXISTS = 4, 5, 6


CONFIG_TEMPLATE = """\
# written by tests/system/flipdns.py
zone:
  origin: {origin}
  ttl: {ttl}{zone_extra}
  soa: {{mname: ns1.{origin}, rname: hostmaster.example.test., refresh: 3600, retry: 600, expire: 604800, minimum: {minimum}{soa_extra}}}
  nameservers:
{nameservers}
listen: {listen}
storage: {{path: {storage}{storage_extra}}}
control: {{socket: {socket}, allow_uids: {allow_uids}, allow_gids: {allow_gids}{control_extra}}}
workers: {workers}
"""


# Settings written only when a test asks for them: Daemon keyword ->
# dotted config key.  The value goes in as JSON, which YAML reads back.
OPTIONAL_SETTINGS = {
    "ns_ttl": "zone.ns_ttl",
    "edns_udp_size": "edns.udp_size",
    "tcp_idle_timeout": "tcp.idle_timeout",
    "tcp_query_timeout": "tcp.query_timeout",
    "tcp_max_clients": "tcp.max_clients",
    "tcp_max_per_source": "tcp.max_per_source",
    "chaos_enabled": "chaos.enabled",
    "chaos_id": "chaos.id",
    "log_queries": "log.queries",
    "log_level": "log.level",
    "metrics_listen": "metrics.listen",
    "map_size": "storage.map_size",
    "control_max_payload": "control.max_payload",
    "control_socket_group": "control.socket_group",
    "control_socket_mode": "control.socket_mode",
    "control_read_uids": "control.read_uids",
    "control_read_gids": "control.read_gids",
    "user": "user",
    "rrl_rate": "rrl.rate",
    "rrl_slip": "rrl.slip",
    "history_keep_rows": "history.keep_rows",
    "history_keep_days": "history.keep_days",
    "http_listen": "http.listen",
    "http_max_body": "http.max_body",
    "http_max_connections": "http.max_connections",
    "http_rate": "http.rate",
    "http_tls_cert": "http.tls.cert",
    "http_tls_key": "http.tls.key",
    "allow_zero_ttl": "zone.allow_zero_ttl",
    "health_min_interval": "health.min_interval",
    "health_ca_file": "health.ca_file",
    "resolvers": "resolver.addresses",
    "webhooks": "notify.webhooks",
    "notify_secret": "notify.secret",
    "notify_retry_max": "notify.retry_max",
}


def have_ipv6():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def free_port(v6=True):
    """A port free for UDP and TCP on 127.0.0.1 (and ::1).

    The kernel picks a free TCP port; the others are checked by binding
    them.  Another process may still take it before the daemon binds:
    Daemon.start() retries with a new port when the daemon cannot listen.
    """
    families = [socket.AF_INET] + ([socket.AF_INET6] if v6 else [])
    for _ in range(100):
        held = []
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            held.append(s)
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            for fam in families:
                host = "127.0.0.1" if fam == socket.AF_INET else "::1"
                for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                    if fam == socket.AF_INET and kind == socket.SOCK_STREAM:
                        continue
                    t = socket.socket(fam, kind)
                    held.append(t)
                    t.bind((host, port))
            return port
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    raise RuntimeError("no free loopback port for UDP and TCP")


def as_user_prefix(user):
    """setpriv: run as user and its primary group (nobody: nogroup), with
    none of root's supplementary groups.  user may also be a tuple (uid,
    gid, [supplementary gids]), with or without a passwd entry."""
    if isinstance(user, tuple):
        uid, gid, groups = user
    else:
        pw = pwd.getpwnam(user)
        uid, gid, groups = pw.pw_uid, pw.pw_gid, []
    return ["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid] + (
        ["--groups=" + ",".join(map(str, groups))] if groups
        else ["--clear-groups"])


class DaemonError(Exception):
    def __init__(self, what, startup_log=""):
        super().__init__("%s\n--- flipdnsd log:\n%s" % (what, startup_log))
        self.startup_log = startup_log


class Daemon:
    """One flipdnsd in its own temporary directory.

    config overrides: allow_uids, allow_gids (lists), ttl, workers, origin;
    the SOA's minimum (default 30) and soa_ttl (default: none written,
    so the daemon's 3600); nameservers, a list of (name, [addresses])
    (default: ns1.ORIGIN on 127.0.0.1 and ::1); and, written only when
    given, the keys of OPTIONAL_SETTINGS (ns_ttl, edns_udp_size,
    tcp_idle_timeout, tcp_query_timeout, tcp_max_clients,
    tcp_max_per_source, chaos_enabled, chaos_id,
    log_queries, map_size, control_max_payload, control_socket_group,
    control_socket_mode, control_read_uids, control_read_gids, user,
    rrl_rate, rrl_slip, history_keep_rows, history_keep_days,
    allow_zero_ttl).

    Rate limiting is on by default in the daemon (200 answers a second),
    and the tests query from loopback far faster than that: rrl_rate is
    written as 0 unless a test gives it; rrl_rate=None leaves it out, so
    the daemon's default applies (test_rrl.py).
    """

    def __init__(self, allow_uids=(0,), allow_gids=(), ttl=30, workers=2,
                 origin=ORIGIN, minimum=30, soa_ttl=None, nameservers=None,
                 extra_config="", **optional):
        # mkdtemp under /tmp keeps the socket path far below sun_path's 108.
        self.dir = tempfile.mkdtemp(prefix="flipdns-")
        self.conf = os.path.join(self.dir, "flipdns.yaml")
        self.storage = os.path.join(self.dir, "db")
        self.socket = os.path.join(self.dir, "flipdns.sock")
        self.log = os.path.join(self.dir, "flipdnsd.log")
        self.origin = origin
        self.v6 = have_ipv6()
        self.settings = dict(allow_uids=list(allow_uids),
                             allow_gids=list(allow_gids), ttl=ttl,
                             workers=workers, minimum=minimum,
                             soa_ttl=soa_ttl)
        if nameservers is None:
            nameservers = [("ns1." + origin, ["127.0.0.1", "::1"])]
        self.nameservers = [(n, list(a)) for n, a in nameservers]
        optional.setdefault("rrl_rate", 0)
        unknown = set(optional) - set(OPTIONAL_SETTINGS)
        if unknown:
            raise TypeError("unknown Daemon settings: %s"
                            % ", ".join(sorted(unknown)))
        self.optional = {k: v for k, v in optional.items() if v is not None}
        # YAML appended as is (a transfer: section, say); may be changed
        # before a restart or reload
        self.extra_config = extra_config
        self.port = None
        self.proc = None
        # Words before flipdnsd on its command line, e.g. setpriv to
        # start it as another user (as systemd's User= does), or prlimit
        # (either must exec it: the pid stays the daemon's).
        self.prefix = []

    # -- life cycle ---------------------------------------------------

    def write_config(self):
        listen = ["127.0.0.1:%d" % self.port]
        if self.v6:
            listen.append("[::1]:%d" % self.port)
        q = json.dumps   # a JSON string is a valid YAML scalar
        sections = {}   # section -> [(key, value)], in keyword order
        top = []        # (key, value) of top-level keys such as user
        for kw, value in self.optional.items():
            if "." not in OPTIONAL_SETTINGS[kw]:
                top.append((OPTIONAL_SETTINGS[kw], value))
                continue
            section, key = OPTIONAL_SETTINGS[kw].split(".", 1)
            sections.setdefault(section, []).append((key, value))
        zone_extra = "".join("\n  %s: %s" % (k, q(v))
                             for k, v in sections.pop("zone", []))
        storage_extra = "".join(", %s: %s" % (k, q(v))
                                for k, v in sections.pop("storage", []))
        control_extra = "".join(", %s: %s" % (k, q(v))
                                for k, v in sections.pop("control", []))
        soa_extra = ""
        if self.settings["soa_ttl"] is not None:
            soa_extra = ", ttl: %d" % self.settings["soa_ttl"]
        nameservers = "\n".join(
            "    - {name: %s, addresses: %s}" % (q(n), q(a))
            for n, a in self.nameservers)
        with open(self.conf, "w") as f:
            f.write(CONFIG_TEMPLATE.format(
                origin=self.origin, ttl=self.settings["ttl"],
                listen=q(listen), storage=q(self.storage),
                socket=q(self.socket),
                allow_uids=q(self.settings["allow_uids"]),
                allow_gids=q(self.settings["allow_gids"]),
                workers=self.settings["workers"],
                minimum=self.settings["minimum"], soa_extra=soa_extra,
                nameservers=nameservers, zone_extra=zone_extra,
                storage_extra=storage_extra, control_extra=control_extra))
            for key, value in top:
                f.write("%s: %s\n" % (key, q(value)))
            for section, items in sections.items():
                # "tls.cert" -> tls: {cert: ...}, one level down
                flat, nested = [], {}
                for k, v in items:
                    if "." in k:
                        sub, k = k.split(".", 1)
                        nested.setdefault(sub, []).append((k, v))
                    else:
                        flat.append("%s: %s" % (k, q(v)))
                for sub, subitems in nested.items():
                    flat.append("%s: {%s}" % (sub, ", ".join(
                        "%s: %s" % (k, q(v)) for k, v in subitems)))
                f.write("%s: {%s}\n" % (section, ", ".join(flat)))
            f.write(self.extra_config)

    def start(self):
        """Start on a free port (the same one on restart); wait until ready."""
        fixed = self.port is not None
        for attempt in range(5):
            if not fixed:
                self.port = free_port(self.v6)
            self.write_config()
            try:
                self._spawn()
                return self
            except DaemonError as e:
                # Lost a race for the port: try again, with a new port
                # unless it must stay the same (restart).
                if attempt == 4 or "listen" not in e.startup_log:
                    raise
                time.sleep(0.2)
        return self

    def _spawn(self):
        with open(self.log, "a") as log:
            log.write("--- start %s -c %s\n" % (FLIPDNSD, self.conf))
            log.flush()
            offset = log.tell()
            self.proc = subprocess.Popen(
                self.prefix + [FLIPDNSD, "-c", self.conf], cwd=self.dir,
                stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise DaemonError("flipdnsd exited with %d during start-up"
                                  % self.proc.returncode,
                                  self.read_log()[offset:])
            if self._ready():
                return
            time.sleep(0.05)
        self._kill()
        raise DaemonError("flipdnsd not ready after %ds" % START_TIMEOUT,
                          self.read_log()[offset:])

    def _ready(self):
        if not os.path.exists(self.socket):
            return False
        r = subprocess.run([FLIPCTL, "-s", self.socket, "--timeout", "2",
                            "status"], capture_output=True, text=True)
        if r.returncode != 0:
            return False
        try:
            ans = self.query(self.origin, "SOA", timeout=0.5)
        except Exception:
            return False
        return ans.rcode() == dns.rcode.NOERROR and len(ans.answer) == 1

    def stop(self, sig=signal.SIGTERM):
        """Signal the daemon and wait: its exit status, None if never run."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._kill()
            raise DaemonError("flipdnsd ignored signal %d for %ds"
                              % (sig, STOP_TIMEOUT), self.read_log())

    def restart(self):
        """Stop cleanly (SIGTERM), start again on the same port and store."""
        rc = self.stop()
        if rc not in (0, None):
            raise DaemonError("flipdnsd exited %r on SIGTERM" % rc,
                              self.read_log())
        return self.start()

    def crash(self):
        """SIGKILL the daemon and reap it: no shutdown code runs at all."""
        self._kill()

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def cleanup(self):
        """Kill if still running and remove the directory; never raises."""
        try:
            self._kill()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def read_log(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait_log(self, text, offset=0, guard=60):
        """Wait until text shows in the log after offset: an event, not a
        deadline (guard only catches a daemon that never writes it)."""
        end = time.monotonic() + guard
        while text not in self.read_log()[offset:]:
            if time.monotonic() > end:
                raise AssertionError("%r not logged within %ds:\n%s"
                                     % (text, guard, self.read_log()))
            time.sleep(0.02)

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # -- talking to it ------------------------------------------------

    def ctl(self, *args, check=True, as_user=None, socket_path=None,
            timeout=CTL_TIMEOUT):
        """Run flipctl -s SOCKET ARGS...; a CompletedProcess with text output.

        check: raise when the exit status is not 0.  as_user="nobody" runs
        it as that user and its primary group, without supplementary groups
        (the tests run as root); as_user=(uid, gid, [groups]) as those ids.
        """
        cmd = [FLIPCTL, "-s", socket_path or self.socket]
        cmd += [str(a) for a in args]
        if as_user is not None:
            cmd = as_user_prefix(as_user) + cmd
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("%s: exit %d\nstdout: %s\nstderr: %s"
                                 % (" ".join(cmd), r.returncode, r.stdout,
                                    r.stderr))
        return r

    def ctl_json(self, *args):
        """flipctl --json ARGS...: the daemon's result, parsed."""
        return json.loads(self.ctl("--json", *args).stdout)

    def query(self, name, rdtype, tcp=False, where="127.0.0.1",
              timeout=ANSWER_TIMEOUT, **kw):
        """One DNS query to the daemon; kw goes to dns.message.make_query."""
        q = dns.message.make_query(name, rdtype, **kw)
        send = dns.query.tcp if tcp else dns.query.udp
        return send(q, where, port=self.port, timeout=timeout)

    def udp_raw(self, wire, where="127.0.0.1", timeout=1.0):
        """Send raw bytes in one datagram: the answer's bytes, or None when
        nothing came back within timeout."""
        fam = socket.AF_INET6 if ":" in where else socket.AF_INET
        with socket.socket(fam, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(wire, (where, self.port))
            try:
                return s.recv(65535)
            except socket.timeout:
                return None

    def exchange(self, msg, tcp=False, where="127.0.0.1",
                 timeout=ANSWER_TIMEOUT):
        """Send a dns.message.Message; its answer parsed, with the bytes
        as .wire (to check header counts dnspython would merge away).
        AssertionError when no answer comes within timeout."""
        wire = msg.to_wire()
        if tcp:
            got = self.tcp_raw(len(wire).to_bytes(2, "big") + wire, where,
                               timeout)
        else:
            got = self.udp_raw(wire, where, timeout)
        assert got is not None, "no answer to %s within %ss" % (
            msg.question, timeout)
        r = dns.message.from_wire(got)
        r.wire = got
        return r

    def tcp_connect(self, where="127.0.0.1", timeout=2.0):
        fam = socket.AF_INET6 if ":" in where else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect((where, self.port))
        return s

    def tcp_raw(self, payload, where="127.0.0.1", timeout=1.0):
        """Send payload (framing included, if any) on a new TCP connection:
        the first framed answer's bytes, or None when the server closed
        the connection or sent nothing within timeout."""
        with self.tcp_connect(where, timeout) as s:
            s.sendall(payload)
            try:
                return read_framed(s)
            except (socket.timeout, ConnectionError):
                return None

    # -- shortcuts the tests share -------------------------------------

    def fqdn(self, label):
        return "%s.%s" % (label, self.origin)

    def serial(self):
        return self.ctl_json("status")["serial"]

    def create_group(self, *args):
        """group create ARGS...: the new group's label."""
        address = self.ctl("group", "create", *args).stdout.strip()
        assert address.endswith("." + self.origin), address
        return address[:-len(self.origin) - 1]

    def expect_error(self, *args, code=EXIT_FAIL, as_user=None):
        """Run flipctl ARGS, expect exit status code, a message and no change.

        The store must look the same before and after: status (serial,
        counts), every app and every group.
        """
        before = self.snapshot()
        r = self.ctl(*args, check=False, as_user=as_user)
        assert r.returncode == code, (
            "flipctl %s: exit %d, wanted %d\nstdout: %s\nstderr: %s"
            % (" ".join(map(str, args)), r.returncode, code, r.stdout,
               r.stderr))
        assert r.stdout == "", r.stdout
        assert r.stderr.startswith("flipctl: "), r.stderr
        assert len(r.stderr.splitlines()[0]) > len("flipctl: "), r.stderr
        if code == EXIT_USAGE:
            assert "usage:" in r.stderr, r.stderr
        assert self.snapshot() == before, "flipctl %s changed the store" % (
            " ".join(map(str, args)))
        return r

    def snapshot(self):
        """Everything a refused request must leave unchanged."""
        return {"status": strip_uptime(self.ctl_json("status")),
                "apps": self.ctl_json("app", "list"),
                "groups": self.ctl_json("group", "list")}


def strip_uptime(status):
    return {k: v for k, v in status.items() if k != "uptime"}


def recv_exact(sock, n):
    """n bytes from a stream socket; ConnectionError on EOF before that."""
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed after %d of %d bytes"
                                  % (len(buf), n))
        buf += chunk
    return buf


def read_framed(sock):
    """One DNS message from a TCP stream (RFC 1035 4.2.2 length prefix)."""
    n = int.from_bytes(recv_exact(sock, 2), "big")
    return recv_exact(sock, n)
