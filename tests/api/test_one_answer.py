"""One answer (#19): the same change through `subreg check` (base: origin/main), `subreg diff`,
the API (POST /v1/validate, which decides as a PUT does) and a real `git push` to the
server's repository gives the same decision and the same blocking findings, for every
boundary case a data-protection lawyer found."""
import json
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import SEED, git, run  # noqa: E402
from api.test_api import Server  # noqa: E402


def seed(name):
    with open(os.path.join(SEED, "subprocessors", name + ".xml")) as f:
        return f.read()


def sub(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


def new_entry(id, flow="processor", status="planned", announced="2026-11-28", effective="2026-12-20",
              dpa='<dpa signed="2026-11-20"/>', locations='<location country="DE" use="storage"/>',
              transfers=""):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<subprocessor xmlns="urn:subreg:1" id="%s">\n'
            '  <name>Acme %s GmbH</name>\n  <entity country="DE">Berlin</entity>\n'
            '  <purpose>Call quality analytics</purpose>\n'
            '  <categories><category>call-metadata</category></categories>\n'
            '  <flow>%s</flow>\n  <status>%s</status>\n  <announced>%s</announced>\n'
            '  <effective>%s</effective>\n  %s\n  <locations>%s</locations>\n%s'
            '</subprocessor>\n' % (id, id, flow, status, announced, effective, dpa, locations, transfers))


ONWARD_OK = ('  <onward name="Hosting Co SE" country="DE">\n    <purpose>Hosting</purpose>\n'
             '    <location country="DE" use="storage"/>\n  </onward>\n')

# (case, entry id, new text of subprocessors/<id>.xml, the blocking rules expected)
CASES = [
    ("1 location added to a live entry", "mistral",
     sub(seed("mistral"), '<location country="FR" use="processing"/>',
         '<location country="FR" use="processing"/>\n    <location country="DE" use="storage"/>'),
     {"change-notice"}),
    ("3 template value left in", "plausible",
     sub(seed("plausible"), "<purpose>", "<purpose>WHAT THE VENDOR DOES WITH THE DATA, IN ONE SENTENCE. "),
     {"placeholder"}),
    ("4 the only US transfer takes effect next month", "aws",
     sub(seed("aws"), 'mechanism="scc" clauses="2021/914" module="2 3"',
         'mechanism="scc" effective="2026-12-28" clauses="2021/914" module="2 3"'),
     {"transfer-missing"}),
    ("5 onward transfer on unsigned SCCs", "twilio",
     sub(seed("twilio"), ' signed="2022-09-01" tia="2026-06-01"', ' tia="2026-06-01"'),
     {"transfer-invalid"}),
    ("5 onward sub-processor added without notice", "mistral",
     sub(seed("mistral"), "  <ai ", ONWARD_OK + "  <ai "),
     {"change-notice"}),
    ("6 a waiver cannot make a negative TIA green", "aws",
     sub(sub(seed("aws"), 'tia-outcome="adequate-with-measures"', 'tia-outcome="not-adequate"'),
         "  <internal>",
         '<waiver rule="tia-negative" until="2027-01-31" owner="legal">board accepted the risk</waiver>\n  <internal>'),
     {"tia-negative", "waiver-not-allowed"}),
    ("7 processor vendor gets the controller flow", "mistral",
     sub(seed("mistral"), "<flow>processor</flow>", "<flow>processor</flow>\n  <flow>controller</flow>"),
     {"change-notice"}),
    ("7 contracting entity replaced", "mistral",
     sub(seed("mistral"), "<name>Mistral AI SAS</name>", "<name>Mistral AI Holdings SA</name>"),
     {"change-notice"}),
    ("7 retired vendor made active again", "voicebase",
     sub(sub(seed("voicebase"), "<status>retired</status>", "<status>active</status>"),
         "  <retired>2024-06-30</retired>\n", ""),
     {"change-notice", "dpa-expired"}),
    ("8 backdated announcement of a new entry", "acme",
     new_entry("acme", announced="2026-11-07", effective="2026-11-29"),
     {"notice-period"}),
    ("9 new recipient of the users' own data, no notice", "acmeusers",
     new_entry("acmeusers", flow="controller", announced="2026-11-28", effective="2026-12-01"),
     {"notice-period"}),
    ("10 retired without a day is checked as live", "voicebase",
     sub(seed("voicebase"), "  <retired>2024-06-30</retired>\n", ""),
     {"registry", "dpa-expired"}),
    ("10 DPF without verification", "sentry",
     sub(seed("sentry"), ' verified="2026-10-20"', ""),
     {"dpf-unverified"}),
    ("10 notice counts whole days after the announcement", "acmedays",
     new_entry("acmedays", announced="2026-11-28", effective="2026-12-12"),
     {"notice-period"}),
    ("10 special categories of the owner's own data need a DPIA", "acmevoice",
     new_entry("acmevoice", flow="controller").replace("<category>call-metadata</category>", "<category>voiceprints</category>"),
     {"dpia-missing"}),
    ("10 an international organisation seated in the EEA is still a transfer", "acmeintl",
     new_entry("acmeintl").replace('<entity country="DE">', '<entity country="DE" international="true">'),
     {"transfer-missing"}),
    ("11 planned vendor whose DPA is signed before go-live", "acmeplanned",
     new_entry("acmeplanned", dpa=""),
     set()),
]


class OneAnswer(Server):
    def blocking(self, findings, id):
        return {f["rule"] for f in findings
                if f["severity"] == "error" and not f.get("waived") and f.get("entry") in (id, None)}

    def test_check_diff_api_and_push_agree(self):
        for case, id, text, expected in CASES:
            with self.subTest(case=case):
                clone = os.path.join(self.tmp, "c")
                shutil.rmtree(clone, ignore_errors=True)
                git(["clone", "-q", self.repo, clone], cwd=self.tmp)
                with open(os.path.join(clone, "subprocessors", id + ".xml"), "w") as f:
                    f.write(text)
                git(["add", "-A"], cwd=clone)
                git(["commit", "-qm", case], cwd=clone)

                p = run(["check", "--registry", clone, "--format", "json"])
                self.assertIn(p.returncode, (0, 1), p.stderr)
                check = (p.returncode == 1, self.blocking(json.loads(p.stdout)["findings"], id))

                p = run(["diff", "--registry", clone, "--format", "json", "origin/main..HEAD"])
                self.assertIn(p.returncode, (0, 1), p.stderr)
                diff = (p.returncode == 1, self.blocking(json.loads(p.stdout)["introduced"], id))

                st, _, doc = self.jreq("POST", "/v1/validate", body=text.encode(), token=self.editor,
                                       headers={"Content-Type": "application/xml"})
                self.assertIn(st, (200, 422), doc)
                api = (st == 422, self.blocking(doc["error"]["problems"], id) if st == 422 else set())

                p = git(["push", "-q", "origin", "main"], cwd=clone, check=False)
                push = (p.returncode != 0, set(re.findall(r"error\[([a-z-]+)\]", p.stderr)))

                want = (bool(expected), expected)
                self.assertEqual({"check": check, "diff": diff, "api": api, "push": push},
                                 {"check": want, "diff": want, "api": want, "push": want}, p.stderr)
                if not expected:  # it landed: the next case starts from it
                    self.assertEqual(self.tip(), git(["rev-parse", "HEAD"], cwd=clone).stdout.strip())

    def test_shallow_clone_without_base_says_how_to_fetch_it(self):
        src = os.path.join(self.tmp, "src")
        git(["clone", "-q", self.repo, src], cwd=self.tmp)
        shallow = os.path.join(self.tmp, "shallow")
        git(["clone", "-q", "--depth", "1", "file://" + src, shallow], cwd=self.tmp)
        git(["update-ref", "-d", "refs/remotes/origin/main"], cwd=shallow)
        p = run(["check", "--registry", shallow])
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("fetch-depth: 0", p.stderr)
        self.assertEqual(run(["check", "--registry", shallow, "--no-base"]).returncode, 0)
        self.assertEqual(run(["check", "--registry", shallow, "--base", "HEAD"]).returncode, 0)
