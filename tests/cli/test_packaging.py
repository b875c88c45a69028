"""First success in CI (#22 items 1-3): one list of packages (tools/packages.txt) that the
Dockerfile, the GitHub Action, the GitLab template and docs/ci.md all take, and every library
the binary links to is on its runtime line."""
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import ROOT  # noqa: E402


def packages(line):
    out = subprocess.run([os.path.join(ROOT, "tools", "deps.sh"), "list", line], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out, line
    return set(out)


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


class Packaging(unittest.TestCase):
    def test_every_linked_library_is_a_runtime_package(self):
        binary = os.path.join(ROOT, "bin", "subreg")   # the release build: what images ship
        if not os.path.exists(binary):
            self.skipTest("bin/subreg is not built")
        elf = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True, check=True).stdout
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", elf)
        self.assertIn("libcurl.so.4", needed)
        runtime = packages("runtime") | {"libc6"}   # libc6 is in every Debian image
        missing = {}
        for lib in needed:
            p = subprocess.run(["dpkg", "-S", "*/" + lib], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, "%s belongs to no package: %s" % (lib, p.stderr))
            owners = {l.split(":")[0] for l in p.stdout.splitlines()}
            if not owners & runtime:
                missing[lib] = sorted(owners)
        self.assertEqual(missing, {}, "add these packages to the runtime line of tools/packages.txt")
        for pkg in ("git", "ca-certificates"):
            self.assertIn(pkg, runtime)

    def test_build_line_builds(self):
        build = packages("build")
        for dev in ("libxml2-dev", "libgit2-dev", "libsqlite3-dev", "libmicrohttpd-dev", "libcjson-dev",
                    "libcurl4-openssl-dev"):
            self.assertIn(dev, build)

    def test_every_building_block_takes_the_one_list(self):
        for rel in ("Dockerfile", "action.yml", "ci/gitlab-ci.yml"):
            with self.subTest(file=rel):
                text = read(rel)
                self.assertIn("packages.txt", text)
                self.assertNotRegex(text, r"lib(xml2|git2|sqlite3|microhttpd|cjson|curl4-openssl)-dev",
                                    "a package list of its own")
                self.assertNotIn("YOUR-GIT", text)
        docs = read("docs/ci.md")
        self.assertIn("tools/packages.txt", docs)
        self.assertNotRegex(docs, r"libgit2-dev|libgit2-1\.5", "docs/ci.md lists packages of its own")
        self.assertIn("security-events: write", docs)
        self.assertIn("fetch-depth: 0", docs)
