"""Real secondaries of a flipdns under test: NSD, Knot DNS and BIND.

Each runs in the foreground from a temporary directory of its own, on a
free loopback port, as root without a chroot or a user switch, with no
control channel, and is told to transfer the zone from the flipdns
daemon given (TSIG-signed with a key when one is given) and to accept
its NOTIFYs.  The configurations are the ones conf/examples/ documents,
filled in with the ports and paths of the test.

    sec = Knot(daemon, key=("sec1.", "hmac-sha256", SECRET)).start()
    sec.wait_serial(daemon.serial())
    sec.query(name, "A")
    sec.stop(); sec.cleanup()

A secondary's zone is its own: tests compare what it answers with what
flipdns answers, name by name.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

import dns.exception
import dns.message
import dns.query
import dns.rcode

import flipdns

START_GUARD = 60      # hang guard: a secondary not answering after this
STOP_GUARD = 20
EDNS_SIZE = 1232

NSD = shutil.which("nsd") or "/usr/sbin/nsd"
KNOTD = shutil.which("knotd") or "/usr/sbin/knotd"
NAMED = shutil.which("named") or "/usr/sbin/named"


def here_examples():
    return os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "../../conf/examples")


class Secondary:
    """What the three have in common; subclasses write the config."""

    name = "secondary"
    binary = None
    log_name = "server.log"

    addr = "127.0.0.1"

    def __init__(self, daemon, key=None, addr=None):
        self.daemon = daemon
        self.key = key            # (name, algorithm, base64 secret) or None
        # its own loopback address: where it listens, and where its
        # transfers come from (flipctl secondaries tells them apart)
        self.addr = addr or self.addr
        self.dir = os.path.realpath(tempfile.mkdtemp(prefix="flipdns-%s-"
                                                     % self.name))
        self.port = None
        self.proc = None

    # -- life cycle ----------------------------------------------------

    def start(self, port=None):
        """Start (on port, or a free one), wait until it answers."""
        fixed = port or self.port
        for attempt in range(5):
            self.port = fixed or flipdns.free_port(v6=False)
            self.write_config()
            with open(os.path.join(self.dir, "stdout.log"), "a") as out:
                self.proc = subprocess.Popen(
                    self.command(), cwd=self.dir, stdin=subprocess.DEVNULL,
                    stdout=out, stderr=subprocess.STDOUT)
            if self._wait_up():
                return self
            self.stop()
            if fixed:
                break
        raise AssertionError("%s did not start:\n%s" % (self.name,
                                                         self.log()))

    def _wait_up(self):
        end = time.monotonic() + START_GUARD
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                return False
            try:
                self.query(self.daemon.origin, "SOA", timeout=0.5)
                return True     # any answer: it listens
            except Exception:
                time.sleep(0.05)
        return False

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_GUARD)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cleanup(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log(self):
        text = ""
        for name in (self.log_name, "stdout.log"):
            try:
                with open(os.path.join(self.dir, name),
                          errors="replace") as f:
                    text += "--- %s\n%s" % (name, f.read())
            except OSError:
                pass
        return text

    # -- asking it -----------------------------------------------------

    def query(self, name, rdtype, timeout=2, tries=5):
        """A UDP question to the secondary.  A lost datagram or a busy
        secondary (BIND while it loads a transfer, a loaded CI machine) is
        not what any test here is about: ask again, up to tries times,
        and only then let the timeout through."""
        q = dns.message.make_query(name, rdtype, use_edns=0,
                                   payload=EDNS_SIZE)
        for attempt in range(tries):
            try:
                return dns.query.udp(q, self.addr, port=self.port,
                                     timeout=timeout)
            except dns.exception.Timeout:
                if attempt == tries - 1:
                    raise

    def serial(self):
        """The serial it serves, or None while it has no zone."""
        try:
            r = self.query(self.daemon.origin, "SOA", timeout=1, tries=1)
        except Exception:
            return None
        if r.rcode() != dns.rcode.NOERROR or not r.answer:
            return None
        return r.answer[0][0].serial

    def wait_serial(self, serial, guard=60):
        """Wait until it serves serial (or later): seconds it took.  The
        guard only catches a secondary that never gets there."""
        t0 = time.monotonic()
        while True:
            s = self.serial()
            if s is not None and ((s - serial) & 0xffffffff) < 0x80000000:
                return time.monotonic() - t0
            if time.monotonic() - t0 > guard:
                raise AssertionError("%s still at serial %r, not %d, after "
                                     "%ds:\n%s" % (self.name, s, serial,
                                                   guard, self.log()))
            time.sleep(0.005)

    # -- config --------------------------------------------------------

    def fill(self, template):
        keyname, alg, secret = self.key or ("", "", "")
        return template.format(
            dir=self.dir, addr=self.addr, port=self.port,
            primary_port=self.daemon.port,
            origin=self.daemon.origin, keyname=keyname.rstrip("."),
            algorithm=alg, secret=secret)

    def write_config(self):
        raise NotImplementedError

    def command(self):
        raise NotImplementedError


def example(name):
    with open(os.path.join(here_examples(), name)) as f:
        return f.read()


class Nsd(Secondary):
    """NSD 4: conf/examples/nsd-secondary.conf."""

    name = "nsd"
    log_name = "nsd.log"
    addr = "127.0.0.2"

    def write_config(self):
        text = example("nsd-secondary.conf" if self.key else
                       "nsd-secondary-nokey.conf")
        with open(os.path.join(self.dir, "nsd.conf"), "w") as f:
            f.write(self.fill(text))

    def command(self):
        return [NSD, "-d", "-c", os.path.join(self.dir, "nsd.conf")]


class Knot(Secondary):
    """Knot DNS 3: conf/examples/knot-secondary.conf."""

    name = "knot"
    log_name = "knot.log"
    addr = "127.0.0.3"

    def write_config(self):
        text = example("knot-secondary.conf" if self.key else
                       "knot-secondary-nokey.conf")
        with open(os.path.join(self.dir, "knot.conf"), "w") as f:
            f.write(self.fill(text))

    def command(self):
        return [KNOTD, "-c", os.path.join(self.dir, "knot.conf")]


class Bind(Secondary):
    """BIND 9: conf/examples/named-secondary.conf."""

    name = "bind"
    log_name = "named.log"
    # named listens only on addresses an interface has: lo has 127.0.0.1
    addr = "127.0.0.1"

    def write_config(self):
        text = example("named-secondary.conf" if self.key else
                       "named-secondary-nokey.conf")
        with open(os.path.join(self.dir, "named.conf"), "w") as f:
            f.write(self.fill(text))

    def command(self):
        return [NAMED, "-f", "-n", "1", "-c",
                os.path.join(self.dir, "named.conf")]


ALL = (Nsd, Knot, Bind)
