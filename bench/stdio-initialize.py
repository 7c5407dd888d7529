#!/usr/bin/env python3
"""Time from spawning `kairos mcp` to its answer to `initialize`, N runs (stdio start-up, issue 2).

    bench/stdio-initialize.py [runs] [command...]     default: 6 runs of ./kairos mcp

The first run of a command also writes its class-data archive (.kairos/kairos-javaNN-mcp.jsa), so it
is reported apart. Data goes to a temporary KAIROS_DATA_DIR; the memory database starts in the
background as it does for an IDE, so its CPU use is part of what is measured.
"""
import os, subprocess, sys, tempfile, time

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 6
cmd = sys.argv[2:] or ["./kairos", "mcp"]
init = b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}\n'
env = dict(os.environ, KAIROS_DATA_DIR=tempfile.mkdtemp(prefix="kairos-init-"))
times = []
for i in range(runs):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    p.stdin.write(init); p.stdin.flush()
    line = p.stdout.readline()
    times.append(time.monotonic() - t0)
    p.stdin.close(); p.wait(timeout=120)
    assert b'"result"' in line, line
print("runs: " + ", ".join("%.3f s" % t for t in times))
rest = sorted(times[1:]) or times
print("first run %.3f s; later runs min %.3f / median %.3f / max %.3f s" % (times[0], rest[0], rest[len(rest) // 2], rest[-1]))
