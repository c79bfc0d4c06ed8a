#!/usr/bin/python3
"""Runs last: the server's own output stays clean.  libRmath writes its
warnings to the standard output of the backend, outside PostgreSQL's
logging controls; barometer handles such arguments before the call.  After
every earlier test of the suite (pg_regress, pgTAP, the fuzzer, the cancel
and dump tests) the file the server writes to must hold none of them, nor
any crash of a backend.  The file is found through /proc (the suite runs
as root, as CI does)."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opslib import Tap, connect, run, scalar  # noqa: E402

RMATH = re.compile(r"full precision|is not accurate|NOTIFY R-core|bgrat\(|bpser\(|pbeta_raw|"
                   r"qbeta\(|qgamma|pnbeta|pnchisq|value out of range in|ML_|convergence failed")
CRASH = re.compile(r"terminated by signal|was terminated by exception|server process .* exited with exit code [^0]")


def main():
    t = Tap(3)
    conn = connect(os.environ.get("PGDATABASE", "postgres"))
    pid = scalar(conn, "SELECT pg_backend_pid()")
    paths = set()
    for fd in (1, 2):
        try:
            paths.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError as e:
            t.bail(f"cannot read the server's output files through /proc ({e}); run as root")
    files = [p for p in paths if os.path.isfile(p)]
    t.ok(len(files) >= 1, "the server writes its output to a file", paths)
    text = ""
    for p in files:
        with open(p, errors="replace") as f:
            text += f.read()
    print(f"# {len(text)} bytes of server output read from {', '.join(files)}", flush=True)
    rm = [line for line in text.splitlines() if RMATH.search(line)]
    t.ok(not rm, "no libRmath warning in the server's output", "\n".join(rm[:10]))
    crash = [line for line in text.splitlines() if CRASH.search(line)]
    t.ok(not crash, "no backend crashed during the suite", "\n".join(crash[:10]))
    conn.close()
    t.done()


if __name__ == "__main__":
    run(main)
