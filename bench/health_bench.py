#!/usr/bin/python3
"""flipdns health bench: what thousands of checks cost, and whether DNS
answering notices.

N apps (2,000 by default) each get a tcp check at a 1 s interval, every
one at an endpoint of its own (127.0.0.1 and a port each: N distinct
probers) with one acceptor process listening on all those ports.  flipdnsd runs with one worker
on CPU 0 (prober thread included: it competes for the same core), dnsperf
and the acceptor on CPU 1.  Rounds alternate: checks off, checks on, off,
on ...; in each, dnsperf runs for --seconds against the N groups, and
the bench reads:

  - QPS and lost queries (dnsperf);
  - process CPU per answer (utime+stime of every thread, /proc), and the
    same without the prober thread's CPU (flipdns_health_prober_cpu_-
    seconds_total): answering's own cost, which must not move;
  - the prober's CPU in percent of one core, probes per second, and the
    prober's CPU per probe.

    bench/health_bench.py                    # 2000 apps, 2 rounds of 8 s
    bench/health_bench.py --apps 5000 --seconds 10 --rounds 3
    bench/health_bench.py --smoke            # 50 apps, 2 s: does it run

Results: a table on stdout and JSON under bench/results/ (git-ignored).
Nothing leaves loopback.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (the query bench's processes and dnsperf)

# N listeners on 127.0.0.1, ports of the kernel's choosing (printed on
# one line), each connection accepted and closed.  Nothing bound to
# 0.0.0.0: tests running beside the bench keep their addresses.
ACCEPTOR = """
import resource, selectors, socket, sys
n = int(sys.argv[1])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = n + 64 if hard == resource.RLIM_INFINITY else min(hard, n + 64)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
sel, ports = selectors.DefaultSelector(), []
for _ in range(n):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
    ports.append(s.getsockname()[1])
print(" ".join(map(str, ports)), flush=True)
while True:
    for key, _ in sel.select():
        try:
            c, _ = key.fileobj.accept()
            c.close()
        except BlockingIOError:
            pass
"""


def stats(ctl):
    return ctl.call("stats")


def set_checks(ctl, n, ports, interval, on):
    for i in range(n):
        if on:
            ctl.call("app.check", name="h%d" % i, type="tcp",
                     port=ports[i], interval=str(interval), timeout="0.5")
        else:
            ctl.call("app.check", name="h%d" % i, type="none")


def wait_reports(ctl, n, guard=120):
    """Until every app's state is established (a report each)."""
    end = time.monotonic() + guard
    while True:
        h = stats(ctl)["health"]
        if h["apps"] == n and h["reports"] >= n:
            return
        if time.monotonic() > end:
            raise RuntimeError("checks not established: %r" % h)
        time.sleep(0.2)


def round_(fl, ctl, queries, args, on):
    s0 = stats(ctl)["health"]
    c0, t0 = bench.cpu_seconds(fl.proc.pid), time.monotonic()
    r = bench.dnsperf(fl.port, queries, args.seconds, args.client_cpus)
    c1, t1 = bench.cpu_seconds(fl.proc.pid), time.monotonic()
    s1 = stats(ctl)["health"]
    prober = s1["cpu_seconds"] - s0["cpu_seconds"]
    probes = (s1["probes"]["ok"] + s1["probes"]["failed"] -
              s0["probes"]["ok"] - s0["probes"]["failed"])
    failed = s1["probes"]["failed"] - s0["probes"]["failed"]
    answered = max(r["completed"], 1)
    return {
        "checks": on, "qps": r["qps"], "lost": r["lost"],
        "cpu_us_per_answer": (c1 - c0) / answered * 1e6,
        "dns_cpu_us_per_answer": (c1 - c0 - prober) / answered * 1e6,
        "prober_cpu_pct": 100.0 * prober / (t1 - t0),
        "probes_per_s": probes / (t1 - t0),
        "probes_failed": failed,
        "prober_us_per_probe": prober / probes * 1e6 if probes else 0.0,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--apps", type=int, default=2000)
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--server-cpus", default="0")
    ap.add_argument("--client-cpus", default="1")
    ap.add_argument("--build", default=os.path.join(bench.ROOT, "build"))
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args()
    if args.smoke:
        args.apps, args.rounds, args.seconds = 50, 1, 2
    args.build = os.path.abspath(args.build)
    for tool in ("dnsperf", "taskset"):
        if shutil.which(tool) is None:
            sys.exit("bench: %s is missing: run tools/deps bench" % tool)
    workdir = tempfile.mkdtemp(prefix="flipdns-hbench-")
    acceptor = fl = ctl = None
    rows = []
    try:
        port = bench.free_port()
        acceptor = subprocess.Popen(["taskset", "-c", args.client_cpus,
                                     sys.executable, "-c", ACCEPTOR,
                                     str(args.apps)], stdout=subprocess.PIPE,
                                    text=True)
        hports = [int(x) for x in acceptor.stdout.readline().split()]
        if len(hports) != args.apps:
            raise RuntimeError("the acceptor did not listen")
        fl = bench.Flipdns(workdir, port, 1, args.server_cpus, args.build)
        imp = os.path.join(workdir, "apps.yaml")
        with open(imp, "w") as f:
            f.write("apps:\n")
            for i in range(args.apps):
                f.write("  - {name: h%d, addrs: [127.0.0.1]}\n" % i)
            f.write("groups:\n")
            for i in range(args.apps):
                f.write("  - {label: g%d, primary: h%d}\n" % (i, i))
        fl.start("ns1." + bench.ORIGIN)
        fl.ctl("import", imp)
        ctl = bench.Control(fl.sock)
        queries = os.path.join(workdir, "queries")
        bench.write_queries(queries, ["g%d.%s" % (i, bench.ORIGIN)
                                      for i in range(args.apps)], 200000, 1)
        for k in range(args.rounds):
            for on in (False, True):
                set_checks(ctl, args.apps, hports, args.interval, on)
                if on:
                    wait_reports(ctl, args.apps)
                else:
                    time.sleep(1)    # probes in flight end
                row = round_(fl, ctl, queries, args, on)
                rows.append(row)
                bench.log("round %d, checks %s: %s" % (k + 1,
                          "on" if on else "off", json.dumps(row)))
        # the prober alone, without DNS load, for as long
        set_checks(ctl, args.apps, hports, args.interval, True)
        wait_reports(ctl, args.apps)
        s0, t0 = stats(ctl)["health"], time.monotonic()
        time.sleep(args.seconds)
        s1, t1 = stats(ctl)["health"], time.monotonic()
        idle = {"prober_cpu_pct": 100.0 * (s1["cpu_seconds"] -
                                           s0["cpu_seconds"]) / (t1 - t0),
                "probes_per_s": (s1["probes"]["ok"] - s0["probes"]["ok"] +
                                 s1["probes"]["failed"] -
                                 s0["probes"]["failed"]) / (t1 - t0)}
    finally:
        if ctl is not None:
            ctl.close()
        if fl is not None:
            fl.stop()
        if acceptor is not None:
            acceptor.kill()
            acceptor.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    def med(on, key):
        return statistics.median(r[key] for r in rows if r["checks"] == on)

    print("%d apps, tcp checks every %gs, %d rounds of %ds, flipdnsd on CPU "
          "%s, dnsperf on %s" % (args.apps, args.interval, args.rounds,
                                 args.seconds, args.server_cpus,
                                 args.client_cpus))
    print("%-10s %10s %8s %12s %12s %10s %10s %10s" % (
        "checks", "QPS", "lost", "cpu us/q", "dns us/q", "prober %",
        "probes/s", "us/probe"))
    for on in (False, True):
        print("%-10s %10.0f %8.0f %12.3f %12.3f %10.2f %10.0f %10.1f" % (
            "on" if on else "off", med(on, "qps"), med(on, "lost"),
            med(on, "cpu_us_per_answer"), med(on, "dns_cpu_us_per_answer"),
            med(on, "prober_cpu_pct"), med(on, "probes_per_s"),
            med(on, "prober_us_per_probe")))
    print("prober alone (no DNS load): %.2f%% of a core at %.0f probes/s"
          % (idle["prober_cpu_pct"], idle["probes_per_s"]))
    out = {"machine": bench.machine(), "args": vars(args), "rounds": rows,
           "idle": idle}
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    path = os.path.join(HERE, "results", time.strftime(
        "health-%Y%m%d-%H%M%S.json"))
    with open(path, "w") as f:
        json.dump(out, f, indent=2)
    bench.log("results written to " + path)
    if args.smoke:
        ok = all(r["qps"] > 0 for r in rows) and idle["probes_per_s"] > 0
        print("smoke: %s" % ("1 passed, 0 failed" if ok else
                             "0 passed, 1 failed"))
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
