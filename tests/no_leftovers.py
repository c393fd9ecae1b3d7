#!/usr/bin/env python3
"""Runs a command (the test suite) as a child subreaper and fails if any
process it started is still alive when it has finished.

Every process the command leaves behind (an orphaned kubevali, a node,
anything a node started) is reparented to the nearest subreaper above it,
which is this script. So once the command has exited, whatever is still
our child is a leftover: it is named, killed (it is ours) and the run
fails.
"""

import ctypes
import os
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
# Orphans are reparented at once, but a process that is just exiting may
# still be on its way out; give them that long.
SETTLE_SECONDS = 2


def reap_zombies():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def children():
    me = os.getpid()
    found = []
    for task in os.listdir(f"/proc/{me}/task"):
        try:
            with open(f"/proc/{me}/task/{task}/children") as f:
                found += [int(pid) for pid in f.read().split()]
        except OSError:
            pass
    return found


def describe(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: no_leftovers.py COMMAND [ARG...]")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("no_leftovers.py: cannot become a child subreaper")
    status = subprocess.call(sys.argv[1:])
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        reap_zombies()
        left = children()
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if not left:
        sys.exit(status)
    print(f"error: {len(left)} process(es) left behind by: {' '.join(sys.argv[1:])}", file=sys.stderr)
    for pid in left:
        print(f"  {pid}: {describe(pid)}", file=sys.stderr)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    time.sleep(0.2)
    reap_zombies()
    sys.exit(1)


if __name__ == "__main__":
    main()
