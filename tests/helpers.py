"""Shared helpers of the black-box tests: run the real subreg binary, make temporary
registries and git clones. Nothing here fakes a component."""
import functools
import os
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = os.path.join(ROOT, "data", "seed")
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
# Real-world inputs from other projects live beside the checkout, never in it.
CORPUS = os.environ.get("SUBREG_CORPUS") or os.path.join(os.path.dirname(ROOT), "shared", "corpus")


def corpus(test, *parts):
    """The path of parts in the corpus of real-world inputs (../shared/corpus, or
    $SUBREG_CORPUS); skips `test` when it is absent: a user's clone has no ../shared, CI has.
    The one way the tests reach the corpus."""
    path = os.path.join(CORPUS, *parts)
    if not os.path.exists(path):
        test.skipTest("the corpus of real-world inputs is absent (%s): CI has it beside the clone" % path)
    return path


def serial(test):
    """Mark a test that measures time or load: tests/run.py runs it alone, after the others
    (which run several at once)."""
    test.serial = True
    return test


def release_pass():
    """1 in the second pass of the CLI tests, against the release build (bin/subreg)."""
    return subreg_bin().endswith("/bin/subreg")


def only_in(flavour, why):
    """Run a test in one pass only: "sanitizer" (a test of files, or of the build, that the
    release pass would repeat) or "release" (many runs of the same data, cheaper there)."""
    def mark(test):
        @functools.wraps(test)
        def wrapper(self, *a, **kw):
            if release_pass() != (flavour == "release"):
                self.skipTest(why)
            return test(self, *a, **kw)
        return wrapper
    return mark


def once(test):
    """A test of files (documents, reports), not of the binary: run with the sanitizer
    build's tests, skipped in the second pass against the release build."""
    return only_in("sanitizer", "a test of files: run once, with the sanitizer build's tests")(test)


def subreg_bin():
    return os.environ.get("SUBREG_BIN") or os.path.join(ROOT, "bin", "subreg")


def run(args, cwd=None, env=None, input=None, timeout=120):
    """Run subreg with args; returns CompletedProcess (text)."""
    e = dict(os.environ)
    e.setdefault("SUBREG_TODAY", "2026-11-28")
    if env:
        e.update(env)
    return subprocess.run([subreg_bin()] + list(args), cwd=cwd, env=e, input=input,
                          capture_output=True, text=True, timeout=timeout)


def git(args, cwd, check=True, env=None):
    e = dict(os.environ)
    e.setdefault("SUBREG_TODAY", "2026-11-28")  # the push guard judges "today" with it
    e.update({"GIT_AUTHOR_NAME": "Legal Team", "GIT_AUTHOR_EMAIL": "legal@callnex.example",
              "GIT_COMMITTER_NAME": "Legal Team", "GIT_COMMITTER_EMAIL": "legal@callnex.example"})
    if env:
        e.update(env)
    p = subprocess.run(["git"] + list(args), cwd=cwd, env=e, capture_output=True, text=True,
                       timeout=120)
    if check and p.returncode != 0:
        raise AssertionError("git %s failed (%d): %s %s" % (" ".join(args), p.returncode,
                                                           p.stdout, p.stderr))
    return p


# What a sanitizer report starts with: ASan, LSan, UBSan and TSan.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "WARNING: ThreadSanitizer")


class TempDirTest(unittest.TestCase):
    """A test with a fresh temporary directory in self.tmp."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="subreg-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def copy_seed(self, name="reg"):
        dst = os.path.join(self.tmp, name)
        shutil.copytree(SEED, dst)
        return dst

    def assertSanitizerClean(self, p):
        """No AddressSanitizer/UBSan/LeakSanitizer report on stderr."""
        for marker in SANITIZER_MARKERS:
            self.assertNotIn(marker, p.stderr, p.stderr[-3000:])
