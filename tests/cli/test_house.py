"""The house: the folders' layering (arrows point down only) and a build that rebuilds what
changed, installs and uninstalls (docs/architecture.md)."""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import ROOT, only_in  # noqa: E402


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()

# Higher may include lower, never the reverse.
RANK = {"registry": 0, "notices": 1, "server": 2, "cli": 3}


class House(unittest.TestCase):
    def test_arrows_point_down_only(self):
        bad = []
        for folder, rank in RANK.items():
            for path in glob.glob(os.path.join(ROOT, folder, "*.[ch]")):
                for inc in re.findall(r'(?m)^#include "([^"]+)"', read(path)):
                    target = os.path.normpath(os.path.join(folder, inc)).split(os.sep)[0]
                    if target in RANK and RANK[target] > rank:
                        bad.append("%s includes %s" % (os.path.relpath(path, ROOT), inc))
        self.assertEqual(bad, [])

    def test_no_library_file_prints(self):
        bad = []
        for path in glob.glob(os.path.join(ROOT, "registry", "*.c")):
            src = read(path)
            for call in re.findall(r"\b(printf|puts|perror)\s*\(|\bstd(?:out|err)\b", src):
                bad.append("%s: %s" % (os.path.relpath(path, ROOT), call))
        self.assertEqual(bad, [])

    @only_in("sanitizer", "builds its own copy: run once, with the sanitizer build's tests")
    def test_an_edit_rebuilds_one_object_and_flags_rebuild_all(self):
        src = tempfile.mkdtemp()
        try:
            files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                                   check=True).stdout.decode().split("\0")
            for f in filter(None, files):
                if not os.path.isfile(os.path.join(ROOT, f)):
                    continue
                os.makedirs(os.path.join(src, os.path.dirname(f)), exist_ok=True)
                shutil.copy2(os.path.join(ROOT, f), os.path.join(src, f))
            # the objects make test built, with their times: no full build again here
            if os.path.isdir(os.path.join(ROOT, "build", "release")):
                shutil.copytree(os.path.join(ROOT, "build", "release"), os.path.join(src, "build", "release"))

            def make(*args):
                p = subprocess.run(["make", "-j2"] + list(args), cwd=src, capture_output=True, text=True, timeout=600)
                self.assertEqual(p.returncode, 0, p.stdout[-2000:] + p.stderr[-2000:])
                return re.findall(r"(?m)^  CC\s+(\S+)", p.stdout)

            make("bin/subreg")
            self.assertEqual(make("bin/subreg"), [])
            os.utime(os.path.join(src, "cli", "cmd_log.c"))
            self.assertEqual(make("bin/subreg"), ["build/release/cli/cmd_log.o"])
            p = subprocess.run(["bin/subreg", "--version"], cwd=src, capture_output=True, text=True)
            self.assertRegex(p.stdout, r"^subreg \S+\n$")
            # a level of _FORTIFY_SOURCE of the caller's is no redefinition (an object built
            # with it), and a change of flags rebuilds an object that was up to date
            self.assertEqual(make("CPPFLAGS=-D_FORTIFY_SOURCE=3", "build/release/registry/date.o"),
                             ["build/release/registry/date.o"])
            self.assertEqual(make("build/release/registry/buf.o"), ["build/release/registry/buf.o"])
        finally:
            shutil.rmtree(src, ignore_errors=True)

    def test_uninstall_removes_what_install_put(self):
        dest = tempfile.mkdtemp()
        try:
            for target in ("install", "uninstall"):
                # -o bin/subreg: install what is built; never relink it under the tests running it
                p = subprocess.run(["make", "-s", "-o", "bin/subreg", target, "DESTDIR=" + dest, "PREFIX=/usr"], cwd=ROOT,
                                   capture_output=True, text=True)
                self.assertEqual(p.returncode, 0, p.stderr)
            left = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs]
            self.assertEqual(left, [])
        finally:
            shutil.rmtree(dest, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
