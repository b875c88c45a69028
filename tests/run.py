#!/usr/bin/env python3
"""Run the whole test suite: C unit tests (cmocka, TAP output) and the black-box tests of
tests/cli and tests/api (unittest), against the binary named by --bin. Prints one line per
failure and ends with "N passed, N failed"; exits 1 on any failure."""
import argparse
import concurrent.futures
import glob
import io
import json
import multiprocessing
import os
import re
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def units_of(unit_dir):
    """The unit test binaries (cmocka) in unit_dir."""
    if not unit_dir or not os.path.isdir(unit_dir):
        return []
    return [os.path.join(unit_dir, n) for n in sorted(os.listdir(unit_dir))
            if n.startswith("test_") and os.access(os.path.join(unit_dir, n), os.X_OK)]


def run_unit(path):
    """One unit test binary, its TAP output counted: (passed, failed)."""
    name = os.path.basename(path)
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
    p = subprocess.run([path], capture_output=True, text=True, env=env, cwd=os.path.dirname(HERE))
    ok = len(re.findall(r"^ok \d+", p.stdout, re.M))
    bad = re.findall(r"^not ok \d+.*$", p.stdout, re.M)
    if p.returncode != 0 and not bad:
        bad = ["%s exited %d" % (name, p.returncode)]
    out = "".join("FAIL unit/%s: %s\n" % (name, b) for b in bad)
    if p.returncode != 0:
        out += p.stdout[-4000:] + p.stderr[-8000:]
    print(out + "unit/%s: %d passed, %d failed" % (name, ok, len(bad)), flush=True)
    return ok, len(bad)


def run_fuzz_replay(driver):
    """Replay the fuzz corpus (tests/fuzz/corpus) through the plain driver under ASan."""
    files = sorted(glob.glob(os.path.join(HERE, "fuzz", "corpus", "*", "*")))
    if not driver or not files:
        return 0, 0
    p = subprocess.run([driver] + files, capture_output=True, text=True, cwd=os.path.dirname(HERE))
    ok = len(re.findall(r"^ok \d+", p.stdout, re.M))
    bad = len(files) - ok
    if p.returncode != 0 or bad:
        print("FAIL fuzz replay (exit %d):\n%s%s" % (p.returncode, p.stdout[-2000:], p.stderr[-6000:]))
        bad = max(bad, 1)
    print("fuzz replay: %d passed, %d failed" % (ok, bad), flush=True)
    return ok, bad


def run_bench_tiny():
    """Every benchmark's own code once at a tiny size (tests/bench/run.sh with BENCH_TINY=1):
    no timing is asserted, but a benchmark that no longer runs fails the suite."""
    t0 = time.time()
    p = subprocess.run(["tests/bench/run.sh"], capture_output=True, text=True,
                       cwd=os.path.dirname(HERE), env=dict(os.environ, BENCH_TINY="1"), timeout=600)
    ok = p.returncode == 0
    if not ok:
        print("FAIL bench (tiny) exited %d:\n%s%s" % (p.returncode, p.stdout[-3000:], p.stderr[-3000:]))
    skipped = p.stdout.count("(skipped:")
    print("bench (tiny): %s in %.0f s%s" % ("ran" if ok else "FAILED", time.time() - t0,
                                           ", %d sections skipped (peer not installed)" % skipped if skipped else ""),
          flush=True)
    return (1, 0) if ok else (0, 1)


TIMINGS = os.path.join(os.path.dirname(HERE), "build", "test-timings.json")


def tests_of(dirs, pattern):
    """The ids of the tests in dirs, in discovery order, and the set of those that must run
    alone (their class says `serial = True`: they measure time or load)."""
    loader = unittest.TestLoader()
    ids, serial = [], set()

    def walk(suite):
        for t in suite:
            if isinstance(t, unittest.TestSuite):
                walk(t)
            else:
                ids.append(t.id())
                if getattr(t, "serial", False) or getattr(getattr(t, t._testMethodName, None), "serial", False):
                    serial.add(t.id())
    for d in dirs:
        path = os.path.join(HERE, d)
        if os.path.isdir(path):
            walk(loader.discover(path, pattern=pattern, top_level_dir=HERE))
    return ids, serial


def run_job(job):
    """One job in a worker process: a black-box test ("test", id, binary), a unit test binary
    ("unit", path), the fuzz replay ("fuzz", driver) or the tiny benchmarks ("bench",).
    Returns (job, passed, failed, skipped, failures as (test, traceback), seconds)."""
    t0 = time.time()
    if job[0] != "test":
        fn = {"unit": run_unit, "fuzz": run_fuzz_replay, "bench": run_bench_tiny}[job[0]]
        ok, bad = fn(*job[1:])
        return job, ok, bad, 0, [], time.time() - t0
    _, tid, binary = job
    os.environ["SUBREG_BIN"] = binary
    suite = unittest.TestLoader().loadTestsFromName(tid)
    res = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    fails = [(str(t), tb) for t, tb in res.failures + res.errors]
    skipped = len(res.skipped)
    return job, res.testsRun - len(fails) - skipped, len(fails), skipped, fails, time.time() - t0


def job_key(job):
    if job[0] == "test":
        return "%s %s" % (job[1], os.path.basename(os.path.dirname(job[2])))
    return " ".join([job[0]] + [os.path.basename(x) for x in job[1:]])


def run_all(jobs, serial, workers):
    """Run the jobs on a pool of worker processes, the longest first as the last run timed them
    (build/test-timings.json): the tests wait on servers, relays and browsers more than they
    compute. Then the serial ones (tests that measure time), one at a time. Returns (passed,
    failed); prints each failure whole and the slowest jobs."""
    passed = failed = 0
    try:
        with open(TIMINGS) as f:
            known = json.load(f)
    except (OSError, ValueError):
        known = {}
    # unknown jobs first, in the order given (the API and browser tests, the slow kind, lead)
    pooled = sorted([j for j in jobs if not (j[0] == "test" and j[1] in serial)],
                    key=lambda j: -known.get(job_key(j), 1e9))
    alone = [j for j in jobs if j[0] == "test" and j[1] in serial]
    took = {}
    ctx = multiprocessing.get_context("fork")

    def report(results):
        nonlocal passed, failed
        for job, ok, bad, skipped, fails, secs in results:
            took[job_key(job)] = round(secs, 2)
            for test, tb in fails:
                print("=" * 70 + "\nFAIL: %s (%s)\n%s" % (test, job_key(job).split(" ")[-1], tb), flush=True)
            passed += ok
            failed += bad
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        report(pool.map(run_job, pooled))
    print("(%d jobs at once: %d passed, %d failed so far; now %d tests that measure time, alone)"
          % (workers, passed, failed, len(alone)), flush=True)
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        report(pool.map(run_job, alone))
    slow = sorted(took.items(), key=lambda kv: -kv[1])[:8]
    print("slowest: " + ", ".join("%s %.0f s" % (k.split(".")[-1], v) for k, v in slow))
    try:
        os.makedirs(os.path.dirname(TIMINGS), exist_ok=True)
        with open(TIMINGS, "w") as f:
            json.dump(dict(known, **took), f, indent=0, sort_keys=True)
    except OSError:
        pass
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--unit-dir", default="build/asan/tests/unit")
    ap.add_argument("--bin", required=True, help="subreg binary for the black-box tests")
    ap.add_argument("--release-bin", help="also run the CLI tests against this binary")
    ap.add_argument("-k", default="test_*.py", help="file pattern of black-box tests")
    ap.add_argument("--fuzz", help="the fuzz corpus replay driver")
    ap.add_argument("--bench", action="store_true", help="run the benchmarks once at a tiny size")
    ap.add_argument("--only", choices=["cli", "api", "browser"], help="only these black-box tests")
    # 3 per core: the tests wait on servers, relays and browsers as much as they compute
    # (measured on 2 cores: 253 s with 3 at once, 249 s with 4, 246 s with 6)
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("SUBREG_TEST_JOBS", "0")) or 3 * (os.cpu_count() or 1),
                    help="jobs run at once (default: three per core; SUBREG_TEST_JOBS)")
    a = ap.parse_args()
    os.environ["SUBREG_BIN"] = a.bin
    # ASan: fail on leaks and on any report; UBSan: stop on the first problem.
    os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=99")
    os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:exitcode=99")
    # TSan: any data race is a report, and the process then exits non-zero
    os.environ.setdefault("TSAN_OPTIONS", "halt_on_error=0:exitcode=66:second_deadlock_stack=1:suppressions=%s"
                          % os.path.join(HERE, "tsan.supp"))
    t0 = time.time()
    # without timings of an earlier run (a fresh clone), the given order: unit tests (long
    # single jobs), the benchmarks, then the API and browser tests, then the CLI's
    jobs = [("unit", u) for u in units_of(a.unit_dir)] if not a.only else []
    if a.bench:
        jobs.append(("bench",))
    if a.fuzz:
        jobs.append(("fuzz", a.fuzz))
    ids, serial = tests_of([a.only] if a.only else ["api", "browser", "cli"], a.k)
    jobs += [("test", t, a.bin) for t in ids]
    if a.release_bin:
        rel, rel_serial = tests_of(["cli"], a.k)
        jobs += [("test", t, a.release_bin) for t in rel]
        serial |= rel_serial
    print("== %d jobs, %d at once: black-box tests against %s%s%s" % (
        len(jobs), a.jobs, a.bin, ", the CLI's against " + a.release_bin if a.release_bin else "",
        ", unit tests, fuzz replay, benchmarks at a tiny size" if not a.only else ""), flush=True)
    passed, failed = run_all(jobs, serial, a.jobs)
    print("(%.1f s)" % (time.time() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
