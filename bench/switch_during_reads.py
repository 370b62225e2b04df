#!/usr/bin/python3
"""Switch latency while big reads run: does a read hold up the writer?

Imports N groups into one flipdnsd, then measures durable `group switch`
round trips (one control client, one switch at a time) in three
conditions, each for --seconds:

  idle     nothing else runs;
  export   `flipctl export` of the whole zone runs in a loop beside;
  list     `flipctl group list` (every page) runs in a loop beside.

Reported: switches, p50 / p99 / max round trip in ms, and how long one
export / list took.  Run it against two builds (--build) to compare.

    bench/switch_during_reads.py --groups 1000000
    bench/switch_during_reads.py --groups 1000000 --build /tmp/old/build

Nothing leaves loopback.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def switch_loop(sock, labels, seconds):
    c = bench.Control(sock)
    rtts, k = [], 0
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        t = time.perf_counter()
        c.call("group.switch", address=labels[k % len(labels)])
        rtts.append(time.perf_counter() - t)
        k += 1
    c.close()
    rtts.sort()
    return {
        "switches": len(rtts),
        "p50_ms": rtts[len(rtts) // 2] * 1000,
        "p99_ms": rtts[min(len(rtts) - 1, int(len(rtts) * 0.99))] * 1000,
        "max_ms": rtts[-1] * 1000,
    }


def reader_loop(cmd, stop, took):
    """Run cmd again and again until stop; record each run's seconds."""
    while not stop.is_set():
        t = time.monotonic()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        took.append(time.monotonic() - t)


def condition(fl, build, labels, seconds, reader):
    stop, took = threading.Event(), []
    th = None
    if reader is not None:
        cmd = [os.path.join(build, "flipctl"), "-s", fl.sock,
               "--timeout", "600"] + reader
        th = threading.Thread(target=reader_loop, args=(cmd, stop, took))
        th.start()
        time.sleep(0.5)     # let the first read get going
    r = switch_loop(fl.sock, labels, seconds)
    stop.set()
    if th is not None:
        th.join()
    r["read_runs"] = len(took)
    r["read_s"] = min(took) if took else None
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--groups", type=int, default=1000000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--build", default=os.path.join(bench.ROOT, "build"))
    ap.add_argument("--server-cpus", default="0,1")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    workdir = tempfile.mkdtemp(prefix="flipdns-swread-")
    fl = bench.Flipdns(workdir, bench.free_port(), 1, args.server_cpus, build)
    try:
        imp = os.path.join(workdir, "import.yaml")
        bench.write_import(imp, args.groups, 1)
        fl.start("ns1." + bench.ORIGIN)
        subprocess.run([os.path.join(build, "flipctl"), "-s", fl.sock,
                        "--timeout", "600", "import", imp], check=True,
                       stdout=subprocess.DEVNULL)
        page = bench.Control(fl.sock).call("group.list", limit=200)
        labels = [g["label"] for g in page["groups"]]
        print("%-8s %9s %8s %8s %8s %10s" % ("while", "switches", "p50 ms",
                                            "p99 ms", "max ms", "read s"))
        for name, reader in (("idle", None), ("export", ["export"]),
                             ("list", ["group", "list"])):
            r = condition(fl, build, labels, args.seconds, reader)
            print("%-8s %9d %8.2f %8.2f %8.2f %10s" % (
                name, r["switches"], r["p50_ms"], r["p99_ms"], r["max_ms"],
                "-" if r["read_s"] is None else "%.2f" % r["read_s"]),
                flush=True)
    finally:
        fl.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
