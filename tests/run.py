#!/usr/bin/env python3
"""Run the whole test suite: C unit tests (cmocka, TAP output) and the black-box tests of
tests/cli and tests/api (unittest), against the binary named by --bin. Prints one line per
failure and ends with "N passed, N failed"; exits 1 on any failure."""
import argparse
import glob
import os
import re
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def run_unit(unit_dir):
    passed = failed = 0
    if not os.path.isdir(unit_dir):
        return 0, 0
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
    for name in sorted(os.listdir(unit_dir)):
        path = os.path.join(unit_dir, name)
        if not (name.startswith("test_") and os.access(path, os.X_OK)):
            continue
        p = subprocess.run([path], capture_output=True, text=True, env=env, cwd=os.path.dirname(HERE))
        ok = len(re.findall(r"^ok \d+", p.stdout, re.M))
        bad = re.findall(r"^not ok \d+.*$", p.stdout, re.M)
        if p.returncode != 0 and not bad:
            bad = ["%s exited %d" % (name, p.returncode)]
        passed += ok
        failed += len(bad)
        for b in bad:
            print("FAIL unit/%s: %s" % (name, b))
        if p.returncode != 0:
            sys.stdout.write(p.stdout[-4000:])
            sys.stdout.write(p.stderr[-8000:])
        print("unit/%s: %d passed, %d failed" % (name, ok, len(bad)))
    return passed, failed


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
    print("fuzz replay: %d passed, %d failed" % (ok, bad))
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
                                           ", %d sections skipped (peer not installed)" % skipped if skipped else ""))
    return (1, 0) if ok else (0, 1)


class Result(unittest.TextTestResult):
    pass


def run_blackbox(dirs, pattern):
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for d in dirs:
        path = os.path.join(HERE, d)
        if os.path.isdir(path):
            suite.addTests(loader.discover(path, pattern=pattern, top_level_dir=HERE))
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=1, resultclass=Result)
    res = runner.run(suite)
    failed = len(res.failures) + len(res.errors)
    return res.testsRun - failed - len(res.skipped), failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--unit-dir", default="build/asan/tests/unit")
    ap.add_argument("--bin", required=True, help="subreg binary for the black-box tests")
    ap.add_argument("--release-bin", help="also run the CLI tests against this binary")
    ap.add_argument("-k", default="test_*.py", help="file pattern of black-box tests")
    ap.add_argument("--fuzz", help="the fuzz corpus replay driver")
    ap.add_argument("--bench", action="store_true", help="run the benchmarks once at a tiny size")
    ap.add_argument("--only", choices=["cli", "api", "browser"], help="only these black-box tests")
    a = ap.parse_args()
    os.environ["SUBREG_BIN"] = a.bin
    # ASan: fail on leaks and on any report; UBSan: stop on the first problem.
    os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=99")
    os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:exitcode=99")
    # TSan: any data race is a report, and the process then exits non-zero
    os.environ.setdefault("TSAN_OPTIONS", "halt_on_error=0:exitcode=66:second_deadlock_stack=1:suppressions=%s"
                          % os.path.join(HERE, "tsan.supp"))
    t0 = time.time()
    p1, f1 = run_unit(a.unit_dir) if not a.only else (0, 0)
    pz, fz = run_fuzz_replay(a.fuzz)
    p1, f1 = p1 + pz, f1 + fz
    if a.bench:
        pb, fb = run_bench_tiny()
        p1, f1 = p1 + pb, f1 + fb
    print("== black-box tests against %s" % a.bin)
    p2, f2 = run_blackbox([a.only] if a.only else ["cli", "api", "browser"], a.k)
    p3 = f3 = 0
    if a.release_bin:
        print("== CLI tests against the release build %s" % a.release_bin)
        os.environ["SUBREG_BIN"] = a.release_bin
        p3, f3 = run_blackbox(["cli"], a.k)
    passed, failed = p1 + p2 + p3, f1 + f2 + f3
    print("(%.1f s)" % (time.time() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
