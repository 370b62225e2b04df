#!/usr/bin/python3
"""flipdns benchmark: flipdnsd side by side with NSD, Knot DNS and gdnsd.

For each table size N it imports N groups into flipdns (`flipctl import`),
exports the zone as served (`flipctl export`), loads that same zone into
each peer, and runs dnsperf with one query file against each server in
turn, interleaved (A B C D A B C D ...) over several rounds.  Each server
runs with the same number of worker threads, pinned to its own cores, and
dnsperf to the others, so the server, not the client, is the bottleneck.

Measured per server and size: QPS, mean latency (dnsperf), p50/p99 latency
at a fixed moderate load (dnsperf -v, so queueing does not dominate), lost
queries, server CPU time per answered query (from /proc), dnsperf's own CPU,
peak RSS of the server's processes, and time from start to first answer.
For flipdns it also measures durable `group switch` round trips and
switches per second from several concurrent control clients, alone and
under full query load, and QPS with and without the flips.

    bench/bench.py                      # sizes 1000,100000,1000000, all peers
    bench/bench.py --sizes 100000 --servers flipdns,gdnsd --seconds 10
    bench/bench.py --smoke              # what CI runs: tiny, flipdns only

Results: a table on stdout and JSON under bench/results/ (git-ignored).
Nothing here leaves loopback.
"""

import argparse
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ORIGIN = "failover.example.test."
ZONE = ORIGIN.rstrip(".")
N_APPS = 100      # apps of each kind; groups spread over them
# dnsperf -q: enough outstanding queries to keep one server core busy on
# loopback; the ones still in flight when a run stops count as "lost".
QUERIES_IN_FLIGHT = 500


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(100):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            t.close()
            u.close()
    raise RuntimeError("no free port")


# ---------------------------------------------------------------- inputs

def write_import(path, n, seed):
    """N groups: half follow host-name apps, half apps with 2 A + 1 AAAA."""
    rnd = random.Random(seed)
    with open(path, "w") as f:
        f.write("apps:\n")
        for i in range(N_APPS):
            f.write("  - {name: cn%d, cname: lb-%d.example.com}\n" % (i, i))
        for i in range(N_APPS):
            f.write("  - {name: ad%d, addrs: [192.0.2.%d, 198.51.100.%d, "
                    "\"2001:db8::%x\"]}\n" % (i, i + 1, i + 1, i + 1))
        f.write("groups:\n")
        for i in range(n):
            kind = "cn" if i % 2 == 0 else "ad"
            p = rnd.randrange(N_APPS)
            b = (p + 1 + rnd.randrange(N_APPS - 1)) % N_APPS
            f.write("  - {primary: %s%d, backup: %s%d}\n" % (kind, p, kind, b))


def group_names(zonefile):
    names = []
    seen = set()
    suffix = "." + ORIGIN
    with open(zonefile) as f:
        for line in f:
            owner = line.split("\t", 1)[0]
            if (owner.endswith(suffix) and "_status" not in owner
                    and not owner.startswith("ns1.") and owner not in seen):
                seen.add(owner)
                names.append(owner)
    return names


def write_queries(path, names, count, seed):
    """Random existing names, A and AAAA, plus 5% nonexistent."""
    rnd = random.Random(seed)
    with open(path, "w") as f:
        for i in range(count):
            if rnd.random() < 0.05:
                name = "nx%010d.%s" % (rnd.randrange(10 ** 10), ORIGIN)
            else:
                name = rnd.choice(names)
            f.write("%s %s\n" % (name, "A" if rnd.random() < 0.5 else "AAAA"))


# ---------------------------------------------------------------- processes

def proc_tree(pid):
    """pid and all its descendants."""
    pids = [pid]
    i = 0
    while i < len(pids):
        try:
            with open("/proc/%d/task/%d/children" % (pids[i], pids[i])) as f:
                pids += [int(x) for x in f.read().split()]
        except OSError:
            pass
        i += 1
    return pids


def cpu_seconds(pid):
    """utime + stime of the process tree (all threads), in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in proc_tree(pid):
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / tick


def peak_rss_mb(pid):
    """Sum of VmHWM over the process tree, in MB (shared pages count once
    per process: an upper bound for forking servers)."""
    kb = 0
    for p in proc_tree(pid):
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        kb += int(line.split()[1])
        except OSError:
            pass
    return kb / 1024.0


def dns_query_wire(name, qtype=1, qid=0x4242):
    wire = b"".join(bytes([len(l)]) + l.encode()
                    for l in name.rstrip(".").split(".")) + b"\0"
    return (qid.to_bytes(2, "big") + b"\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00"
            + wire + qtype.to_bytes(2, "big") + b"\x00\x01")


def wait_first_answer(port, name, t0, timeout=120.0, proc=None):
    """Seconds from t0 until the server answers name with NOERROR."""
    q = dns_query_wire(name)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.002)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError("server exited with %d" % proc.returncode)
            try:
                s.sendto(q, ("127.0.0.1", port))
                data = s.recv(4096)
                if len(data) >= 12 and data[3] & 0xF == 0 and \
                        int.from_bytes(data[6:8], "big") > 0:
                    return time.monotonic() - t0
            except (socket.timeout, ConnectionRefusedError):
                pass
        raise RuntimeError("no answer on port %d within %ss" % (port, timeout))
    finally:
        s.close()


class Server:
    """One DNS server under test, started from a prepared directory."""

    name = "?"

    def __init__(self, workdir, port, workers, cpus):
        self.dir = os.path.join(workdir, self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = port
        self.workers = workers
        self.cpus = cpus
        self.proc = None
        self.startup = None

    def command(self):
        raise NotImplementedError

    def start(self, probe):
        cmd = ["taskset", "-c", self.cpus] + self.command()
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log,
                                     cwd=self.dir, start_new_session=True)
        self.startup = wait_first_answer(self.port, probe, t0, proc=self.proc)

    def stop(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None
        self.log.close()


class Flipdns(Server):
    name = "flipdns"

    def __init__(self, workdir, port, workers, cpus, build):
        super().__init__(workdir, port, workers, cpus)
        self.build = build
        self.sock = os.path.join(self.dir, "ctl.sock")
        with open(os.path.join(self.dir, "flipdns.yaml"), "w") as f:
            f.write("""zone:
  origin: %s
  ttl: 30
  soa: {mname: ns1.%s, rname: hostmaster.example.test., minimum: 30}
  nameservers:
    - {name: ns1.%s, addresses: [127.0.0.1]}
listen: ["127.0.0.1:%d"]
storage: {path: %s/db, map_size: 8G}
control: {socket: %s}
workers: %d
rrl: {rate: 0}   # the load comes from one address: limit nothing
""" % (ORIGIN, ORIGIN, ORIGIN, port, self.dir, self.sock, workers))

    def command(self):
        return [os.path.join(self.build, "flipdnsd"), "-c",
                os.path.join(self.dir, "flipdns.yaml")]

    def ctl(self, *args, **kw):
        return subprocess.run([os.path.join(self.build, "flipctl"), "-s",
                               self.sock, "--timeout", "600"] + list(args),
                              check=True, capture_output=True, text=True, **kw)


class FlipdnsMetrics(Flipdns):
    """flipdns on the same store with metrics.listen on: what the per-thread
    counters cost (README "Metrics"), measured beside plain flipdns."""
    name = "flipdns-metrics"

    def __init__(self, workdir, port, workers, cpus, build, store):
        super().__init__(workdir, port, workers, cpus, build)
        cfg = os.path.join(self.dir, "flipdns.yaml")
        text = open(cfg).read()
        text = re.sub(r"storage: \{path: [^,]*,", "storage: {path: %s," % store,
                      text)
        text += "metrics: {listen: \"127.0.0.1:%d\"}\n" % free_port()
        open(cfg, "w").write(text)


class Nsd(Server):
    name = "nsd"

    def __init__(self, workdir, port, workers, cpus, zonefile):
        super().__init__(workdir, port, workers, cpus)
        d = self.dir
        with open(os.path.join(d, "nsd.conf"), "w") as f:
            f.write("""server:
  ip-address: 127.0.0.1@%d
  server-count: %d
  username: ""
  chroot: ""
  zonesdir: "%s"
  pidfile: "%s/nsd.pid"
  database: ""
  xfrdfile: "%s/xfrd.state"
  zonelistfile: "%s/zone.list"
  verbosity: 0
  hide-version: yes
  tcp-count: 10
  rrl-ratelimit: 0          # Debian's NSD limits to 200/s per /24 by default
remote-control:
  control-enable: no
zone:
  name: %s
  zonefile: "%s"
""" % (port, workers, d, d, d, d, ZONE, zonefile))

    def command(self):
        return ["nsd", "-d", "-c", os.path.join(self.dir, "nsd.conf")]


class Knot(Server):
    name = "knot"

    def __init__(self, workdir, port, workers, cpus, zonefile):
        super().__init__(workdir, port, workers, cpus)
        d = self.dir
        with open(os.path.join(d, "knot.conf"), "w") as f:
            f.write("""server:
    rundir: "%s"
    listen: 127.0.0.1@%d
    udp-workers: %d
    tcp-workers: 1
    background-workers: 1
database:
    storage: "%s/db"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "%s"
    semantic-checks: off
    journal-content: none
    zonefile-sync: -1
    zonefile-load: whole
zone:
  - domain: %s
    file: "%s"
""" % (d, port, workers, d, d, ZONE, zonefile))

    def command(self):
        return ["knotd", "-c", os.path.join(self.dir, "knot.conf")]


class Gdnsd(Server):
    name = "gdnsd"

    def __init__(self, workdir, port, workers, cpus, zonefile):
        super().__init__(workdir, port, workers, cpus)
        d = self.dir
        os.makedirs(os.path.join(d, "etc", "zones"), exist_ok=True)
        os.makedirs(os.path.join(d, "run"), exist_ok=True)
        os.makedirs(os.path.join(d, "state"), exist_ok=True)
        dst = os.path.join(d, "etc", "zones", ZONE)
        if os.path.exists(dst):
            os.unlink(dst)
        os.symlink(zonefile, dst)
        with open(os.path.join(d, "etc", "config"), "w") as f:
            f.write("""options => {
  listen => [ 127.0.0.1 ]
  dns_port => %d
  udp_threads => %d
  tcp_threads => 1
  run_dir => %s/run
  state_dir => %s/state
}
""" % (port, workers, d, d))

    def command(self):
        d = self.dir
        return ["gdnsd", "-c", os.path.join(d, "etc"), "start"]


# ---------------------------------------------------------------- dnsperf

def dnsperf(port, queries, seconds, cpus, extra=()):
    """Run dnsperf; returns its parsed summary plus its own CPU seconds."""
    cmd = ["taskset", "-c", cpus, "dnsperf", "-s", "127.0.0.1", "-p",
           str(port), "-d", queries, "-l", str(seconds), "-c", "8", "-T",
           "1", "-q", str(QUERIES_IN_FLIGHT), "-t", "2"] + list(extra)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise RuntimeError("dnsperf failed: " + out.stderr[-500:])
    text = out.stdout

    def num(pattern, default=0.0):
        m = re.search(pattern, text)
        return float(m.group(1)) if m else default

    res = {
        "sent": num(r"Queries sent:\s+(\d+)"),
        "completed": num(r"Queries completed:\s+(\d+)"),
        "lost": num(r"Queries lost:\s+(\d+)"),
        "qps": num(r"Queries per second:\s+([\d.]+)"),
        "mean_ms": num(r"Average Latency \(s\):\s+([\d.]+)") * 1000,
        "client_cpu": (after.ru_utime - before.ru_utime)
        + (after.ru_stime - before.ru_stime),
    }
    if "-v" in extra:
        lat = [float(x) for x in re.findall(r"^> \S+ \S+ \S+ ([\d.]+)$",
                                             text, re.M)]
        lat.sort()
        if lat:
            res["p50_ms"] = lat[len(lat) // 2] * 1000
            res["p99_ms"] = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    return res


def measure(server, queries, seconds, client_cpus, latency_qps):
    cpu0 = cpu_seconds(server.proc.pid)
    r = dnsperf(server.port, queries, seconds, client_cpus)
    cpu1 = cpu_seconds(server.proc.pid)
    r["server_cpu_us"] = (cpu1 - cpu0) / max(r["completed"], 1) * 1e6
    lat = dnsperf(server.port, queries, min(seconds, 3), client_cpus,
                  ["-v", "-Q", str(latency_qps)])
    r["p50_ms"] = lat.get("p50_ms")
    r["p99_ms"] = lat.get("p99_ms")
    r["rss_mb"] = peak_rss_mb(server.proc.pid)
    return r


# ---------------------------------------------------------------- flips

class Control:
    """A persistent control connection speaking the JSON-lines protocol."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.f = self.s.makefile("rwb")
        self.id = 0

    def call(self, cmd, **args):
        self.id += 1
        self.f.write(json.dumps({"v": 1, "id": self.id, "cmd": cmd,
                                 "args": args}).encode() + b"\n")
        self.f.flush()
        resp = json.loads(self.f.readline())
        if not resp.get("ok"):
            raise RuntimeError("control: %s" % resp.get("error"))
        return resp["result"]

    def close(self):
        self.f.close()
        self.s.close()


def flip_client(sock, mine, stop, out):
    """One control client: switch its groups until stop; send the round
    trips (seconds) through the pipe out."""
    c = Control(sock)
    rtts, k = [], 0
    while time.monotonic() < stop:
        t = time.perf_counter()
        c.call("group.switch", address=mine[k % len(mine)])
        rtts.append(time.perf_counter() - t)
        k += 1
    c.close()
    out.send(rtts)
    out.close()


def flip_load(sock, labels, clients, seconds):
    """clients processes switch distinct groups as fast as they can;
    returns switches/s and round-trip p50/p99 in ms.  Processes, not
    threads: with threads, Python's GIL serialised the clients' own work
    and its waits showed up as server latency."""
    stop = time.monotonic() + seconds
    procs, pipes = [], []
    for i in range(clients):
        rd, wr = multiprocessing.Pipe(duplex=False)
        p = multiprocessing.Process(target=flip_client,
                                    args=(sock, labels[i::clients], stop, wr))
        procs.append(p)
        pipes.append(rd)
    t0 = time.monotonic()
    for p in procs:
        p.start()
    allr = []
    for rd in pipes:
        try:
            allr.extend(rd.recv())
        except EOFError:        # the client died; its exit code says how
            pass
    for i, p in enumerate(procs):
        p.join()
        if p.exitcode != 0:
            raise RuntimeError("flip client %d failed (exit %s)"
                               % (i, p.exitcode))
    elapsed = time.monotonic() - t0
    allr.sort()
    return {
        "clients": clients,
        "switches": len(allr),
        "per_sec": len(allr) / elapsed,
        "p50_ms": allr[len(allr) // 2] * 1000,
        "p99_ms": allr[min(len(allr) - 1, int(len(allr) * 0.99))] * 1000,
    }


# ---------------------------------------------------------------- driver

def run_size(args, n, workdir, results):
    log("N=%d: preparing" % n)
    sizedir = os.path.join(workdir, "n%d" % n)
    os.makedirs(sizedir, exist_ok=True)
    srv_cpus, cli_cpus = args.server_cpus, args.client_cpus
    fl = Flipdns(sizedir, free_port(), args.workers, srv_cpus, args.build)
    imp = os.path.join(sizedir, "import.yaml")
    write_import(imp, n, args.seed)
    fl.start("ns1." + ORIGIN)
    t = time.monotonic()
    fl.ctl("import", imp)
    import_s = time.monotonic() - t
    zonefile = os.path.join(sizedir, "zone.db")
    with open(zonefile, "w") as f:
        subprocess.run([os.path.join(args.build, "flipctl"), "-s", fl.sock,
                        "--timeout", "600", "export"], stdout=f, check=True)
    fl.stop()
    names = group_names(zonefile)
    log("N=%d: imported in %.2fs, %d names exported" % (n, import_s,
                                                        len(names)))
    queries = os.path.join(sizedir, "queries.txt")
    write_queries(queries, names, min(max(len(names) * 2, 10000), 1000000),
                  args.seed)
    probe = names[len(names) // 2]

    servers = []
    for name in args.servers:
        port = free_port()
        if name == "flipdns":
            servers.append(fl)
            fl.port = port
            # same store, new port: rewrite the listen line
            cfg = os.path.join(fl.dir, "flipdns.yaml")
            text = open(cfg).read()
            text = re.sub(r'listen: \["127.0.0.1:\d+"\]',
                          'listen: ["127.0.0.1:%d"]' % port, text)
            open(cfg, "w").write(text)
        elif name == "flipdns-metrics":
            servers.append(FlipdnsMetrics(sizedir, port, args.workers,
                                          srv_cpus, args.build,
                                          os.path.join(fl.dir, "db")))
        elif name == "nsd":
            servers.append(Nsd(sizedir, port, args.workers, srv_cpus, zonefile))
        elif name == "knot":
            servers.append(Knot(sizedir, port, args.workers, srv_cpus, zonefile))
        elif name == "gdnsd":
            servers.append(Gdnsd(sizedir, port, args.workers, srv_cpus,
                                 zonefile))

    rows = {s.name: {"runs": [], "startup_s": [], "rss_mb": []}
            for s in servers}
    for rnd in range(args.rounds):
        for s in servers:
            log("N=%d round %d: %s" % (n, rnd + 1, s.name))
            s.start(probe)
            try:
                r = measure(s, queries, args.seconds, cli_cpus,
                            args.latency_qps)
            finally:
                rss = peak_rss_mb(s.proc.pid)
                s.stop()
            rows[s.name]["runs"].append(r)
            rows[s.name]["startup_s"].append(s.startup)
            rows[s.name]["rss_mb"].append(rss)

    summary = {}
    for name, d in rows.items():
        runs = d["runs"]

        def med(key):
            vals = [r[key] for r in runs if r.get(key) is not None]
            return statistics.median(vals) if vals else None

        summary[name] = {
            "qps": med("qps"), "mean_ms": med("mean_ms"),
            "p50_ms": med("p50_ms"), "p99_ms": med("p99_ms"),
            "lost": sum(r["lost"] for r in runs),
            "sent": sum(r["sent"] for r in runs),
            "server_cpu_us": med("server_cpu_us"),
            "client_cpu_s": med("client_cpu"),
            "rss_mb": max(d["rss_mb"]),
            "startup_ms": statistics.median(d["startup_s"]) * 1000,
            "qps_runs": [r["qps"] for r in runs],
        }
    entry = {"n": n, "import_s": import_s, "servers": summary}

    if "flipdns" in args.servers and not args.no_flips:
        entry["flips"] = flip_bench(args, fl, names, queries)
    results["sizes"].append(entry)


def flip_bench(args, fl, names, queries):
    """Switch round trips alone, then under full query load."""
    labels = [n[:-len(ORIGIN) - 1] for n in names[:400]]
    fl.start(names[0])
    try:
        alone = flip_load(fl.sock, labels, args.flip_clients, 3)
        single = flip_load(fl.sock, labels, 1, 3)
        box = {}

        def perf():
            box["q"] = dnsperf(fl.port, queries, args.seconds, args.client_cpus)

        t = threading.Thread(target=perf)
        t.start()
        time.sleep(1)
        loaded = flip_load(fl.sock, labels, args.flip_clients,
                           max(1, args.seconds - 2))
        t.join()
        quiet = dnsperf(fl.port, queries, args.seconds, args.client_cpus)
    finally:
        fl.stop()
    return {"alone": alone, "single_client": single, "under_load": loaded,
            "qps_with_flips": box["q"]["qps"], "qps_without_flips":
            quiet["qps"]}


def print_table(results):
    hdr = ("%-8s %9s %-8s %10s %8s %8s %8s %7s %9s %9s %9s %8s" %
           ("N", "server", "", "QPS", "mean ms", "p50 ms", "p99 ms", "lost",
            "cpu us/q", "RSS MB", "start ms", "x flip"))
    print(hdr)
    for e in results["sizes"]:
        s = e["servers"]
        fq = s.get("flipdns", {}).get("qps")
        for name, r in s.items():
            ratio = (fq / r["qps"]) if fq and r["qps"] else None
            print("%-8d %9s %-8s %10.0f %8.3f %8s %8s %7d %9.2f %9.1f %9.1f %8s"
                  % (e["n"], name, "", r["qps"] or 0, r["mean_ms"] or 0,
                     "%.3f" % r["p50_ms"] if r["p50_ms"] else "-",
                     "%.3f" % r["p99_ms"] if r["p99_ms"] else "-",
                     r["lost"], r["server_cpu_us"] or 0, r["rss_mb"],
                     r["startup_ms"],
                     "%.2f" % ratio if ratio and name != "flipdns" else "-"))
        if "flips" in e:
            f = e["flips"]
            for k in ("single_client", "alone", "under_load"):
                x = f[k]
                print("         switch %-14s %d clients: %7.0f/s  p50 %.2f ms"
                      "  p99 %.2f ms" % (k, x["clients"], x["per_sec"],
                                         x["p50_ms"], x["p99_ms"]))
            print("         QPS with flips %.0f, without %.0f" % (
                f["qps_with_flips"], f["qps_without_flips"]))
        print("         import of %d groups: %.2f s" % (e["n"], e["import_s"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,100000,1000000")
    ap.add_argument("--servers", default="flipdns,nsd,knot,gdnsd")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--server-cpus", default="0")
    ap.add_argument("--client-cpus", default="1")
    ap.add_argument("--latency-qps", type=int, default=20000)
    ap.add_argument("--flip-clients", type=int, default=8)
    ap.add_argument("--no-flips", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--smoke", action="store_true",
                    help="tiny and quick, flipdns only (CI)")
    ap.add_argument("--keep", action="store_true", help="keep the work dir")
    args = ap.parse_args()
    if args.smoke:
        args.sizes, args.servers, args.rounds, args.seconds = "200", \
            "flipdns", 1, 2
        args.latency_qps, args.flip_clients = 2000, 2
    args.build = os.path.abspath(args.build)
    args.sizes = [int(x) for x in args.sizes.split(",")]
    args.servers = args.servers.split(",")
    for tool in ["dnsperf", "taskset"] + [
            {"nsd": "nsd", "knot": "knotd", "gdnsd": "gdnsd"}[s]
            for s in args.servers if not s.startswith("flipdns")]:
        if shutil.which(tool) is None:
            sys.exit("bench: %s is missing: run tools/deps bench" % tool)

    results = {"machine": machine(), "args": vars(args), "sizes": []}
    workdir = tempfile.mkdtemp(prefix="flipdns-bench-")
    try:
        for n in args.sizes:
            run_size(args, n, workdir, results)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print_table(results)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    out = os.path.join(HERE, "results", time.strftime("bench-%Y%m%d-%H%M%S"
                                                      ".json"))
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    log("results written to " + out)
    if args.smoke:
        e = results["sizes"][0]
        f = e["servers"]["flipdns"]
        # dnsperf counts the queries still in flight when it stops (up to
        # its -q) as lost; beyond that a loaded CI machine may lose a stray
        # datagram, and more is a bug
        ok = (f["qps"] > 0 and f["lost"] <= QUERIES_IN_FLIGHT +
              f["sent"] * 0.001 and
              e["flips"]["alone"]["switches"] > 0 and
              e["flips"]["under_load"]["switches"] > 0)
        print("smoke: %s" % ("1 passed, 0 failed" if ok else
                             "0 passed, 1 failed"))
        sys.exit(0 if ok else 1)


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    vers = {}
    for tool, cmd in (("nsd", ["nsd", "-v"]), ("knot", ["knotd", "-V"]),
                      ("gdnsd", ["gdnsd", "-V"]),
                      ("dnsperf", ["dnsperf", "-h"])):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=5)
            # The line naming the version (gdnsd prints it after an
            # "invalid option" complaint, dnsperf after its title).
            lines = (p.stdout + p.stderr).strip().splitlines()
            vers[tool] = next((ln for ln in lines if "ersion" in ln),
                              lines[0])[:80]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            vers[tool] = None
    return {"cpu": cpu, "cores": os.cpu_count(),
            "kernel": os.uname().release, "versions": vers}


if __name__ == "__main__":
    main()
