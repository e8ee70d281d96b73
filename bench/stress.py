#!/usr/bin/env python3
"""Stress and soak runs: does socket-tracer keep up, and when it cannot, does it
say exactly what it lost?

Stress (default): nginx (one worker) on 127.0.0.1 takes many short connections
(wrk, `Connection: close`) while curl pulls one large file over and over, for
--seconds. socket-tracer traces nginx (`-c nginx --json`, default sizes) into a
file. Afterwards every connection of the nginx worker is accounted for: the
bytes of its data events against the totals its close event reports, and every
jump in stream position against the gap the tracer reported for it. A "silent
gap" (bytes missing with no gap reported and no loss in the summary) is a bug;
the run exits 1 if it sees one.

Soak (--soak SECONDS): the same load for at least ten minutes with the JSON
thrown away (/dev/null), sampling the tracer's VmRSS every --rss-every seconds:
memory must stay flat once warmed up.

Both write a Markdown block into docs/performance.md (between
<!-- stress:begin --> / <!-- stress:end --> or <!-- soak:begin --> /
<!-- soak:end -->) and print it.

    python3 bench/stress.py [--seconds S] [--tracer PATH]
    python3 bench/stress.py --soak 600 [--rss-every 10]

Needs root, nginx, wrk and curl (scripts/setup.sh installs them).
"""

import argparse
import bisect
import collections
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the nginx, process and Markdown helpers)

BIG_FILE = "big.bin"
BIG_SIZE = 256 << 20
SUMMARY = re.compile(r"lost samples (\d+), malformed samples (\d+), refused samples (\d+)")


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=10, help="stress load length (default 10)")
    ap.add_argument("--soak", type=int, metavar="SECONDS",
                    help="soak instead: load length, at least 600 for the documented run")
    ap.add_argument("--rss-every", type=int, default=10, help="soak: RSS sample period")
    ap.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    ap.add_argument("--tracer", default=os.path.join(bench.REPO, "build", "socket-tracer"))
    ap.add_argument("--tracer-args", default="", help="extra socket-tracer arguments")
    ap.add_argument("--doc", default=bench.DOC_DEFAULT, help="Markdown file to update")
    a = ap.parse_args(argv)
    if a.seconds < 1 or (a.soak is not None and a.soak < 1) or a.rss_every < 1:
        ap.error("durations must be positive")
    return a


def big_file(nginx):
    path = os.path.join(nginx.tmp, "www", BIG_FILE)
    with open(path, "wb") as f:
        block = bytes(range(256)) * 4096
        for _ in range(BIG_SIZE // len(block)):
            f.write(block)
    os.chmod(path, 0o644)


def start_load(procs, nginx, seconds, connections):
    """wrk with one connection per request, and curl pulling the big file in a loop."""
    wrk = procs.start(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-H", "Connection: close",
                       nginx.url("612.html")],
                      stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    loop = (f"end=$((SECONDS+{seconds})); n=0; while [ $SECONDS -lt $end ]; do "
            f"curl -s -o /dev/null {nginx.url(BIG_FILE)} || exit 1; n=$((n+1)); done; echo $n")
    curl = procs.start(["bash", "-c", loop], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    return wrk, curl


def finish_load(wrk, curl, seconds):
    out, _ = wrk.communicate(timeout=seconds + 60)
    m = re.search(rb"(\d+) requests in", out)
    requests = int(m.group(1)) if m else None
    pulls, _ = curl.communicate(timeout=seconds + 60)
    return requests, int(pulls or 0)


def start_tracer(procs, args, out_path, err_path):
    argv = [args.tracer, "--json", "-c", "nginx"] + args.tracer_args.split()
    p = procs.start_to_files(argv, out_path, err_path)
    bench.wait_for(lambda: bench.ST_READY in bench.read_text(err_path), bench.TRACER_READY_TIMEOUT,
                   0.05, "socket-tracer ready", p)
    return p


def account(events, worker):
    """Per connection of the nginx worker: bytes seen against the close totals."""
    opens = collections.defaultdict(list)       # fd -> accept times
    data = collections.defaultdict(list)        # (fd, direction) -> events
    closes = []
    for e in events:
        if e["pid"] != worker:
            continue
        if e["event"] == "accept" and e["result"] >= 0:
            opens[e["fd"]].append(e["ts_ns"])
        elif e["event"] == "data":
            data[(e["fd"], e["direction"])].append(e)
        elif e["event"] == "close" and e["family"] in ("inet", "inet6"):
            closes.append(e)
    for times in opens.values():
        times.sort()
    data_ts = {}
    for key, evs in data.items():
        evs.sort(key=lambda e: e["ts_ns"])
        data_ts[key] = [e["ts_ns"] for e in evs]
    r = collections.Counter()
    r["accepts"] = sum(len(v) for v in opens.values())
    last_close = {}
    for close in sorted(closes, key=lambda e: e["ts_ns"]):
        fd, end = close["fd"], close["ts_ns"]
        # the connection starts at its accept or after the previous close on
        # the fd, whichever is later (either may have been lost)
        i = bisect.bisect_left(opens[fd], end)
        start = max(last_close.get(fd, 0), opens[fd][i - 1] if i else 0)
        last_close[fd] = end
        r["connections"] += 1
        windows = {}
        for direction in ("send", "recv"):
            key = (fd, direction)
            times = data_ts.get(key, [])
            lo, hi = bisect.bisect_right(times, start), bisect.bisect_right(times, end)
            windows[direction] = data[key][lo:hi]
        # Every data event moves its socket's position forward (it carries at
        # least one byte): a position that does not grow means the window
        # holds two sockets, the close and the accept between them both lost.
        if any(b["pos"] <= a["pos"] for evs in windows.values() for a, b in zip(evs, evs[1:])):
            r["merged"] += 1
            continue
        complete = True
        for direction, total in (("send", close["bytes_sent"]), ("recv", close["bytes_recv"])):
            seen = windows[direction]
            r["bytes"] += total
            # stream_end: where the events seen so far end; captured_end:
            # where their captured bytes end. The tracer's gap_bytes counts
            # from captured_end (a truncated capture is a gap too).
            stream_end, captured_end, carried = 0, 0, 0
            for e in seen:
                if e["pos"] > stream_end:
                    r["gaps"] += 1
                    r["gap_bytes"] += e["pos"] - stream_end
                if e.get("gap_bytes", 0) != e["pos"] - captured_end:
                    r["gap_mismatches"] += 1
                carried += e["bytes"]
                stream_end = e["pos"] + e["bytes"]
                captured_end = e["pos"] + e["captured"]
            r["bytes_in_events"] += carried
            if carried < total:
                complete = False
                if total > stream_end:
                    r["tail_bytes_missing"] += total - stream_end
        r["complete"] += complete
    return r


def stress(args, procs, tmp):
    nginx = bench.Nginx(procs, tmp, False)
    big_file(nginx)
    out_path, err_path = os.path.join(tmp, "trace.jsonl"), os.path.join(tmp, "trace.err")
    tracer = start_tracer(procs, args, out_path, err_path)
    t0 = time.monotonic()
    wrk, curl = start_load(procs, nginx, args.seconds, args.connections)
    requests, pulls = finish_load(wrk, curl, args.seconds)
    elapsed = time.monotonic() - t0
    cpu = bench.cpu_seconds(tracer.pid)
    status = bench.Procs.stop(tracer, signal.SIGINT)
    err = bench.read_text(err_path)
    m = SUMMARY.search(err)
    if status != 0 or not m:
        raise bench.BenchError(f"socket-tracer exit {status}; stderr ends: {err[-800:]}")
    lost, malformed, refused = (int(x) for x in m.groups())
    events, bad_lines = [], 0
    with open(out_path, "rb") as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                bad_lines += 1
                continue
            e.pop("data", None)     # the payload is not needed here
            events.append(e)
    r = account(events, nginx.worker)
    # Without any loss in the summary, every byte must be in an event and every
    # reported gap must match; with loss, a connection whose accept was lost is
    # not known from its start and its first gap can go unreported.
    unexplained = r["bytes"] > r["bytes_in_events"] or r["gap_mismatches"]
    silent = r["gap_mismatches"] + (r["bytes"] - r["bytes_in_events"]) if unexplained and not \
        lost + refused else 0
    rows = [
        ("load", f"{args.seconds} s: wrk -c{args.connections} `Connection: close` "
                 f"({requests:,} requests) + curl pulling {BIG_SIZE >> 20} MiB "
                 f"{pulls} time(s)"),
        ("tracer", f"`socket-tracer --json -c nginx {args.tracer_args}`".replace(" `", "`")
         + f", {cpu:.1f} CPU s in {elapsed:.1f} s"),
        ("JSON lines written", f"{len(events):,} ({bad_lines} unparsable)"),
        ("lost samples / refused / malformed (summary)", f"{lost:,} / {refused:,} / {malformed}"),
        ("nginx connections accepted / closed (events)", f"{r['accepts']:,} / {r['connections']:,}"),
        ("closes whose connection cannot be told apart from the one before it "
         "(that one's close and this one's accept both lost; not counted below)",
         f"{r['merged']:,}"),
        ("connections with every byte in a data event", f"{r['complete']:,}"),
        ("stream bytes (close totals) / in data events",
         f"{r['bytes']:,} / {r['bytes_in_events']:,}"),
        ("events missing inside a stream: gaps / bytes", f"{r['gaps']:,} / {r['gap_bytes']:,}"),
        ("gap_bytes not matching the positions seen", f"{r['gap_mismatches']:,}"),
        ("bytes missing at a stream's end (shown by the close totals)",
         f"{r['tail_bytes_missing']:,}"),
        ("**silent loss** (missing bytes or gaps with no loss reported)", f"**{silent}**"),
    ]
    block = ["Last stress run: `bench/stress.py " + " ".join(args.argv) + "`, "
             + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()) + ".", "",
             "| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(block) + "\n", silent == 0 and bad_lines == 0


def soak(args, procs, tmp):
    nginx = bench.Nginx(procs, tmp, False)
    big_file(nginx)
    err_path = os.path.join(tmp, "trace.err")
    tracer = start_tracer(procs, args, None, err_path)
    samples = []
    t0 = time.monotonic()
    wrk, curl = start_load(procs, nginx, args.soak, args.connections)
    while wrk.poll() is None:
        time.sleep(args.rss_every)
        vm = bench.vm_status(tracer.pid)
        if tracer.poll() is not None:
            raise bench.BenchError(f"socket-tracer exited during the soak ({tracer.returncode})")
        samples.append((time.monotonic() - t0, vm.get("VmRSS", 0) / 1024))
        bench.log(f"soak {samples[-1][0]:.0f} s: VmRSS {samples[-1][1]:.1f} MiB")
    requests, pulls = finish_load(wrk, curl, args.soak)
    hwm = bench.vm_status(tracer.pid).get("VmHWM", 0) / 1024
    status = bench.Procs.stop(tracer, signal.SIGINT)
    err = bench.read_text(err_path)
    m = SUMMARY.search(err)
    warm = [rss for t, rss in samples if t >= 60] or [rss for _, rss in samples]
    growth = warm[-1] - warm[0]
    series = ", ".join(f"{t:.0f} s {rss:.1f}" for t, rss in samples[::max(1, len(samples) // 12)])
    block = [f"Last soak run: `bench/stress.py {' '.join(args.argv)}`, "
             + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()) + f": {args.soak} s of wrk "
             f"-c{args.connections} `Connection: close` ({requests:,} requests) and curl pulling "
             f"{BIG_SIZE >> 20} MiB {pulls} time(s); `socket-tracer --json -c nginx` to /dev/null, "
             f"exit status {status}, summary: {m.group(0) if m else 'missing'}.", "",
             f"VmRSS (MiB) every {args.rss_every} s, after the first minute: min "
             f"{min(warm):.1f}, max {max(warm):.1f}, first {warm[0]:.1f}, last {warm[-1]:.1f} "
             f"(change {growth:+.1f}); peak (VmHWM) {hwm:.1f} MiB. Samples: {series}."]
    return "\n".join(block) + "\n", status == 0 and growth < 2.0


def write_block(path, name, block):
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = bench.read_text(path)
    b, e = text.find(begin), text.find(end)
    body = f"{begin}\n{block}{end}"
    text = text[:b] + body + text[e + len(end):] if 0 <= b < e else text.rstrip("\n") + "\n\n" + body + "\n"
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def main(argv):
    args = parse_args(argv)
    args.argv = argv
    args.tracer = os.path.abspath(args.tracer)
    if os.geteuid() != 0:
        bench.log("error: must run as root")
        return 1
    for tool in ("nginx", "wrk", "curl"):
        if not shutil.which(tool):
            bench.log(f"error: {tool} not found: run scripts/setup.sh")
            return 1
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, bench.raise_interrupt)
    procs = bench.Procs()
    tmp = tempfile.mkdtemp(prefix="st-stress-")
    os.chmod(tmp, 0o755)
    try:
        if args.soak:
            block, ok = soak(args, procs, tmp)
            name = "soak"
        else:
            block, ok = stress(args, procs, tmp)
            name = "stress"
        print(block)
        write_block(args.doc, name, block)
        bench.log(f"written to {args.doc}")
        return 0 if ok else 1
    except KeyboardInterrupt:
        bench.log("interrupted")
        return 130
    except bench.BenchError as e:
        bench.log(f"error: {e}")
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        procs.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
