#!/usr/bin/env python3
"""Zone transfer benchmarks: flipdns as the primary of real secondaries.

    bench/xfr.py [--groups N] [--switches N] [--build DIR]

1. switch to secondary: N switches (default 100), each timed from its
   acknowledgement until each of NSD, Knot and BIND answers the new side
   (median, p99, max);
2. AXFR of a zone of --groups groups (default 100,000) to a Knot
   secondary, from flipdns and from a Knot primary serving the same zone
   (flipctl export): seconds until the secondary serves it, and the
   primary's peak RSS (VmHWM) before and after;
3. an app set moving every group: the IXFR to each secondary (flipdns's
   transfer log) and the time until each answers the new address.  Past
   10,000 groups a change does not list its names (FD_TOUCHED_MAX) and
   the journal takes a break: the secondaries get an AXFR instead.

It uses the system tests' harness (tests/system) for the daemons and the
secondaries, with the configurations of conf/examples/.  Numbers go to
stdout; bench/README.md keeps the last ones.
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../tests/system"))


def vmhwm(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return 0


def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * 0.99))]


KNOT_PRIMARY = """\
server:
    rundir: "{dir}"
    listen: 127.0.0.1@{port}
log:
  - target: "{dir}/knot.log"
    any: info
database:
    storage: "{dir}"
acl:
  - id: xfr
    address: 127.0.0.0/8
    action: transfer
zone:
  - domain: "{origin}"
    file: "{dir}/zone.db"
    acl: xfr
    journal-content: none
"""


class KnotPrimary:
    """Knot serving flipdns's export: the baseline for the AXFR."""

    def __init__(self, origin, zone_text):
        import flipdns
        self.origin = origin
        self.dir = tempfile.mkdtemp(prefix="flipdns-knot-primary-")
        self.port = flipdns.free_port(v6=False)
        with open(os.path.join(self.dir, "zone.db"), "w") as f:
            f.write(zone_text)
        with open(os.path.join(self.dir, "knot.conf"), "w") as f:
            f.write(KNOT_PRIMARY.format(dir=self.dir, port=self.port,
                                        origin=origin))
        self.proc = subprocess.Popen(
            ["knotd", "-c", os.path.join(self.dir, "knot.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def wait_loaded(self, serial):
        import dns.message
        import dns.query
        end = time.monotonic() + 600
        while time.monotonic() < end:
            try:
                r = dns.query.udp(dns.message.make_query(self.origin, "SOA"),
                                  "127.0.0.1", port=self.port, timeout=0.5)
                if r.answer and r.answer[0][0].serial == serial:
                    return
            except Exception:
                pass
            time.sleep(0.05)
        raise RuntimeError("knot primary did not load the zone")

    def cleanup(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--groups", type=int, default=100000)
    ap.add_argument("--switches", type=int, default=100)
    ap.add_argument("--build", default=os.path.join(HERE, "../build"))
    a = ap.parse_args()
    os.environ["FLIPDNSD"] = os.path.abspath(os.path.join(a.build,
                                                          "flipdnsd"))
    os.environ["FLIPCTL"] = os.path.abspath(os.path.join(a.build, "flipctl"))
    import flipdns
    import secondaries
    from test_xfr_fleet import Fleet, lines

    fl = Fleet().start()
    d = fl.d
    try:
        # -- 1. switch to secondary ------------------------------------
        d.ctl("app", "add", "blue", "--addr", "192.0.2.10")
        d.ctl("app", "add", "green", "--addr", "192.0.2.20")
        label = d.create_group("--primary", "blue", "--backup", "green")
        name = d.fqdn(label)
        fl.wait_all()
        took = {s.name: [] for s in fl.secs}
        for i in range(a.switches):
            d.ctl("group", "switch", label)
            t0 = time.monotonic()
            want = lines(d.query(name, "A").answer)
            pending = list(fl.secs)
            while pending:
                for s in list(pending):
                    if lines(s.query(name, "A").answer) == want:
                        took[s.name].append(time.monotonic() - t0)
                        pending.remove(s)
                time.sleep(0.001)
            time.sleep(0.2)
        print("switch to secondary, %d switches:" % a.switches)
        for n, t in took.items():
            print("  %-5s median %6.1f ms  p99 %6.1f ms  max %6.1f ms"
                  % (n, statistics.median(t) * 1e3, p99(t) * 1e3,
                     max(t) * 1e3))

        # -- 3 first (the zone is small yet to load): app set ---------
        path = os.path.join(d.dir, "big.yaml")
        with open(path, "w") as f:
            f.write("apps:\n  - {name: web, addrs: [192.0.2.1]}\n"
                    "  - {name: spare, addrs: [192.0.2.9]}\ngroups:\n")
            for i in range(a.groups):
                f.write("  - {label: b%07d, primary: web, backup: spare}\n"
                        % i)
        t0 = time.monotonic()
        d.ctl("import", path)
        print("import of %d groups: %.1f s" % (a.groups,
                                                time.monotonic() - t0))
        fl.wait_all(guard=600)
        offset = len(d.read_log())
        d.ctl("app", "set", "web", "--addr", "198.51.100.7")
        t0 = time.monotonic()
        fl.wait_all(guard=600)
        print("app set moving %d groups: every secondary at the new serial "
              "after %.2f s" % (a.groups, time.monotonic() - t0))
        for l in d.read_log()[offset:].splitlines():
            if "xfr:" in l or "journal:" in l:
                print("  " + l.split(": info: ", 1)[-1])

        # -- 2. AXFR: flipdns vs Knot, to a Knot secondary -------------
        serial = d.serial()
        zone = d.ctl("export").stdout
        rss0 = vmhwm(d.proc.pid)
        k = secondaries.Knot(d, key=fl.secs[1].key, addr="127.0.0.3")
        k.port = flipdns.free_port(v6=False)
        t0 = time.monotonic()
        k.start(port=k.port)
        k.wait_serial(serial, guard=600)
        t_flip = time.monotonic() - t0
        rss1 = vmhwm(d.proc.pid)
        k.cleanup()
        kp = KnotPrimary(d.origin, zone)
        try:
            kp.wait_loaded(serial)
            krss0 = vmhwm(kp.proc.pid)

            class Fake:
                origin = d.origin
                port = kp.port
            k2 = secondaries.Knot(Fake, key=None, addr="127.0.0.7")
            k2.port = flipdns.free_port(v6=False)
            t0 = time.monotonic()
            k2.start(port=k2.port)
            k2.wait_serial(serial, guard=600)
            t_knot = time.monotonic() - t0
            krss1 = vmhwm(kp.proc.pid)
            k2.cleanup()
        finally:
            kp.cleanup()
        print("AXFR of %d groups to a Knot secondary (start to serving):"
              % a.groups)
        print("  flipdns primary: %.2f s, peak RSS %d -> %d MiB"
              % (t_flip, rss0, rss1))
        print("  Knot primary:    %.2f s, peak RSS %d -> %d MiB"
              % (t_knot, krss0, krss1))
    finally:
        fl.d.stop()
        fl.cleanup()


if __name__ == "__main__":
    main()
