"""The man page, the bash completion and the container image (where docker or podman runs)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import ROOT, SEED, TempDirTest, git, run  # noqa: E402
import json  # noqa: E402


def commands():
    out = run(["--help"]).stdout
    return re.findall(r"(?m)^  ([a-z]+) ", out)


class Tooling(TempDirTest):
    def test_every_command_reads_its_options_alike(self):
        # one table-driven parser: --help on stdout with 0, a refused value named with the fix
        for cmd in commands():
            if cmd == "hook":  # git runs it with its own arguments
                continue
            p = run([cmd, "--help"])
            self.assertEqual(p.returncode, 0, cmd)
            self.assertIn("usage", p.stdout.lower(), cmd)
            p = run([cmd, "--no-such-option"])
            self.assertEqual(p.returncode, 2, cmd)
            self.assertIn("usage", p.stderr.lower(), cmd)
        p = run(["serve", "--threads", "many"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--threads many: give a whole number", p.stderr)
        p = run(["check", "--date", "2026-02-30"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--date 2026-02-30: write a real day as YYYY-MM-DD", p.stderr)
        p = run(["check", "--format", "yaml"])
        self.assertIn("--format yaml: use text, json, junit, sarif or github", p.stderr)

    def test_man_page_covers_every_command(self):
        with open(os.path.join(ROOT, "man", "subreg.1")) as f:
            man = f.read()
        for cmd in commands():
            self.assertRegex(man, r"(?m)^\.B %s\b" % cmd, cmd)

    def test_bash_completion(self):
        script = os.path.join(ROOT, "completions", "subreg.bash")
        binary = os.path.dirname(os.environ.get("SUBREG_BIN") or os.path.join(ROOT, "bin", "subreg"))
        p = subprocess.run(["bash", "-c", 'PATH="%s:$PATH"; source "%s"; COMP_WORDS=(subreg ex); COMP_CWORD=1; _subreg; '
                            'echo "${COMPREPLY[*]}"; COMP_WORDS=(subreg explain promise); COMP_CWORD=2; _subreg; echo "${COMPREPLY[*]}"'
                            % (binary, script)], capture_output=True, text=True)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["export", "explain"])
        self.assertEqual(sorted(lines[1].split()), ["promise-mechanism", "promise-storage"])

    def test_make_install_puts_man_and_completion(self):
        dest = tempfile.mkdtemp()
        try:
            p = subprocess.run(["make", "-s", "-o", "bin/subreg", "install", "DESTDIR=" + dest, "PREFIX=/usr"], cwd=ROOT,
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(os.path.isfile(os.path.join(dest, "usr/share/man/man1/subreg.1")))
            self.assertTrue(os.path.isfile(os.path.join(dest, "usr/share/bash-completion/completions/subreg")))
        finally:
            shutil.rmtree(dest, ignore_errors=True)

    def test_new_entry_from_the_template(self):
        reg = self.copy_seed()
        p = run(["new", "acme", "--registry", reg])
        self.assertEqual(p.returncode, 0, p.stderr)
        path = os.path.join(reg, "subprocessors", "acme.xml")
        self.assertNotEqual(run(["validate", reg]).returncode, 0)    # the XX placeholders
        self.assertNotEqual(run(["new", "acme", "--registry", reg]).returncode, 0)  # never overwritten
        with open(path) as f:
            body = f.read()
        self.assertIn("subreg check", p.stdout)                      # new points to check
        with open(path, "w") as f:
            f.write(body.replace('"XX"', '"DE"'))
        # every value in CAPITALS left in is an error: it would be published as it is
        p = run(["validate", reg])
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        out = p.stdout + p.stderr
        self.assertEqual(sorted(set(re.findall(r"error\[([a-z-]+)\]", out))), ["placeholder"])
        self.assertEqual(len(re.findall(r"error\[placeholder\]", out)), 6, out)
        self.assertIn("VENDOR LEGAL NAME", out)
        body = body.replace('"XX"', '"DE"')
        for old, new in (("VENDOR LEGAL NAME", "Acme Analytics GmbH"), ("VENDOR ADDRESS", "Berlin"),
                         ("https://VENDOR.EXAMPLE", "https://acme.example.org"),
                         ("WHAT THE VENDOR DOES WITH THE DATA, IN ONE SENTENCE", "Call analytics"),
                         ("CONTRACT FILE OR NUMBER", "contracts/acme.pdf"),
                         ("NOTES FOR THE LEGAL TEAM (never published)", "Reviewed by legal")):
            body = body.replace(old, new)
        with open(path, "w") as f:
            f.write(body)
        p = run(["validate", reg])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        p = run(["check", "--registry", reg])
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertEqual(run(["new", "Bad_Id", "--stdout"]).returncode, 2)
        # outside a checkout it writes nothing and says how to point at the registry
        empty = os.path.join(self.tmp, "elsewhere")
        os.makedirs(empty)
        p = run(["new", "foo"], cwd=empty)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--registry DIR", p.stderr)
        self.assertEqual(os.listdir(empty), [])

    def test_diff_for_a_reviewer(self):
        reg = self.copy_seed()
        git(["init", "-q", "-b", "main"], reg)
        git(["add", "-A"], reg)
        git(["commit", "-qm", "the seed"], reg)
        twilio = os.path.join(reg, "subprocessors", "twilio.xml")
        with open(twilio) as f:
            body = f.read()
        with open(twilio, "w") as f:
            f.write(body.replace('<location country="US" use="processing"/>',
                                 '<location country="US" use="processing"/>\n    <location country="IN" use="access"/>', 1))
        git(["rm", "-q", "subprocessors/voicebase.xml"], reg)
        git(["commit", "-qam", "twilio support from India; voicebase gone"], reg)
        p = run(["diff", "HEAD~1..", "--registry", reg, "--date", "2026-11-29"])
        self.assertEqual(p.returncode, 1, p.stderr)        # an unwaived error introduced
        self.assertIn("- Changed: twilio: location IN access added\n", p.stdout)
        self.assertIn("- Removed: VoiceBase, Inc.\n", p.stdout)
        self.assertIn("error `transfer-missing` twilio: IN (access) is outside the EEA", p.stdout)
        self.assertIn("**Findings resolved** (0)", p.stdout)
        self.assertNotIn("aws", p.stdout.split("**Findings introduced**")[0])   # unchanged entries stay out
        p = run(["diff", "HEAD..HEAD~1", "--registry", reg, "--date", "2026-11-29", "--format", "json"])
        self.assertEqual(p.returncode, 0, p.stderr)        # going back resolves, introduces nothing
        d = json.loads(p.stdout)
        self.assertEqual([(c["id"], c["status"]) for c in d["changes"]], [("twilio", "changed"), ("voicebase", "added")])
        self.assertEqual(d["introduced"], [])
        self.assertIn("transfer-missing", [f["rule"] for f in d["resolved"]])
        self.assertEqual(d["to"], git(["rev-parse", "HEAD~1"], reg).stdout.strip())
        p = run(["diff", "HEAD..HEAD", "--registry", reg, "--date", "2026-11-29"])
        self.assertEqual(p.returncode, 0)
        self.assertIn("No sub-processor changed.", p.stdout)
        self.assertEqual(run(["diff", "HEAD", "--registry", reg]).returncode, 2)
        p = run(["diff", "nope..HEAD", "--registry", reg])
        self.assertEqual(p.returncode, 2)
        self.assertIn("nope", p.stderr)

    def test_fmt_canonical_layout(self):
        reg = self.copy_seed()
        p = run(["fmt", "--check", reg])
        self.assertEqual((p.returncode, p.stdout), (0, ""), p.stderr)   # the seed is in the layout
        aws = os.path.join(reg, "subprocessors", "aws.xml")
        with open(aws) as f:
            canonical = f.read()
        # the same entry, laid out by hand: tabs, reordered attributes, padded text, blank lines
        messy = canonical.replace("\n  ", "\n\t\t").replace('<name>', '<name>\n   ', 1)
        messy = re.sub(r'<location country="(\w\w)" use="(\w+)"', r'<location use="\2"   country="\1"', messy)
        messy = messy.replace("</locations>", "<!-- keep: the legal team's note -->\n\n\n</locations>", 1)
        self.assertNotEqual(messy, canonical)
        with open(aws, "w") as f:
            f.write(messy)
        os.chmod(aws, 0o640)
        p = run(["fmt", "--check", reg])
        self.assertEqual((p.returncode, p.stdout), (1, aws + "\n"))
        self.assertIn("run `subreg fmt`", p.stderr)           # says what to do
        with open(aws) as f:
            self.assertEqual(f.read(), messy)                 # --check writes nothing
        p = run(["fmt", reg])
        self.assertEqual((p.returncode, p.stdout), (0, aws + "\n"), p.stderr)
        with open(aws) as f:
            once = f.read()
        self.assertEqual(once, canonical.replace("</locations>", "  <!-- keep: the legal team's note -->\n  </locations>", 1))
        self.assertEqual(os.stat(aws).st_mode & 0o777, 0o640)
        p = run(["fmt", aws])
        self.assertEqual((p.returncode, p.stdout), (0, ""))   # idempotent
        p = run(["validate", reg])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        # the template of `subreg new` is in the layout too, comments and all
        self.assertEqual(run(["new", "acme", "--registry", reg]).returncode, 0)
        self.assertEqual(run(["fmt", "--check", os.path.join(reg, "subprocessors", "acme.xml")]).stdout, "")
        # what is not well-formed, or has a DOCTYPE, is left as it is, with file and line
        bad = os.path.join(reg, "subprocessors", "broken.xml")
        for body in ('<subprocessor xmlns="urn:subreg:1" id="broken">\n<name>x</nom>\n</subprocessor>\n',
                     '<!DOCTYPE s [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<s>&e;</s>\n'):
            with open(bad, "w") as f:
                f.write(body)
            p = run(["fmt", bad])
            self.assertEqual(p.returncode, 1)
            self.assertRegex(p.stderr, re.escape(bad) + r":\d+:\d+: error\[schema\]")
            with open(bad) as f:
                self.assertEqual(f.read(), body)
        self.assertEqual(run(["fmt", os.path.join(reg, "nope.xml")]).returncode, 2)
        self.assertEqual(run(["fmt"]).returncode, 2)

    def test_container_image(self):
        engine = next((e for e in ("docker", "podman") if shutil.which(e)), None)
        if not engine or subprocess.run([engine, "info"], capture_output=True).returncode != 0:
            self.skipTest("no docker or podman daemon here: the image is built and tried where one runs")
        tag = "subreg-test:latest"
        p = subprocess.run([engine, "build", "-q", "-t", tag, ROOT], capture_output=True, text=True, timeout=1800)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        p = subprocess.run([engine, "run", "--rm", "-v", SEED + ":/work:ro", tag, "check", "--registry", "/work"],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("0 errors", p.stdout)


if __name__ == "__main__":
    unittest.main()
