"""What a DPO must know about each vendor beyond where data goes (#26): AI use (training,
retention, zero retention), the DPA's contents (Art. 28(3)(a)-(h), breach-notice time),
foreign law through a parent company, and where an erasure request must go. Each rule with
its true and false cases against the real binary; the page and the public JSON in three
languages; subreg export --format dsr."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import TempDirTest, run  # noqa: E402

CLAUSES = ("instructions", "confidentiality", "security", "subprocessing", "data-subject-rights",
           "assistance", "deletion", "audits")

ENTRY = """<?xml version="1.0" encoding="UTF-8"?>
<subprocessor xmlns="urn:subreg:1" id="t">
  <name>Test AI Vendor</name>
  <entity country="FR">1 rue de Test, Paris</entity>
  <purpose>Speech-to-text of calls</purpose>
  <categories><category>call-audio</category><category>transcripts</category></categories>
  <flow>processor</flow>
  <status>active</status>
  <announced>2025-01-01</announced>
  <effective>2025-02-01</effective>
  {dpa}
  <locations><location country="FR" use="processing"/></locations>
{transfers}{more}</subprocessor>
"""


def dpa(hours=24, clauses=None, recorded=True):
    if not recorded:
        return '<dpa signed="2025-01-15"/>'
    c = dict.fromkeys(CLAUSES, "true")
    c.update(clauses or {})
    attrs = " ".join('%s="%s"' % kv for kv in c.items() if kv[1] is not None)
    return '<dpa signed="2025-01-15" breach-notice-hours="%d"><clauses %s/></dpa>' % (hours, attrs)


def entry(ai="", parent="", erasure="", d=None, transfers=""):
    more = "".join("  %s\n" % x for x in (parent, ai, erasure) if x)
    return ENTRY.format(dpa=d if d is not None else dpa(), more=more, transfers=transfers)


class Facts(TempDirTest):
    def reg(self, xml, promises=True):
        self.n = getattr(self, "n", 0) + 1
        reg = self.copy_seed("reg%d" % self.n)
        if not promises:
            p = os.path.join(reg, "registry.xml")
            with open(p) as f:
                body = f.read()
            body = re.sub(r"\s*<training none=\"true\"/>", "", body)
            body = re.sub(r"\s*<retention [^>]*/>", "", body)
            with open(p, "w") as f:
                f.write(body)
        with open(os.path.join(reg, "subprocessors", "t.xml"), "w") as f:
            f.write(xml)
        return reg

    def findings(self, xml, date="2026-12-05", promises=True):
        p = run(["check", "--registry", self.reg(xml, promises), "--date", date, "--format", "json"])
        self.assertSanitizerClean(p)
        self.assertIn(p.returncode, (0, 1), p.stderr)
        return [f for f in json.loads(p.stdout)["findings"] if f["entry"] == "t"]

    def rules(self, xml, **kw):
        return sorted({f["rule"] for f in self.findings(xml, **kw) if not f["waived"]})

    def test_a_fully_recorded_vendor_is_clean(self):
        ai = '<ai role="provider" training="none" input-days="0" output-days="7" human-review="false"/>'
        self.assertEqual(self.rules(entry(ai=ai)), [])

    def test_ai_training(self):
        def ai(attrs):
            return entry(ai='<ai %s input-days="1" output-days="1"/>' % attrs)
        self.assertEqual(self.rules(ai('training="none"')), [])
        self.assertEqual(self.rules(ai('training="opt-in"')), ["ai-training"])
        self.assertEqual(self.rules(ai('training="opt-out"')), ["ai-training"])          # no day
        self.assertEqual(self.rules(ai('training="opt-out" opted-out="2025-01-20"')), [])
        # an opt-out that takes effect later does not hold today, and does the day it starts
        self.assertEqual(self.rules(ai('training="opt-out" opted-out="2026-12-06"')), ["ai-training"])
        self.assertEqual(self.rules(ai('training="opt-out" opted-out="2026-12-06"'), date="2026-12-06"), [])
        # unrecorded: an error only when the policy promises no training
        self.assertEqual(self.rules(ai('role="provider"')), ["ai-training"])
        self.assertEqual(self.rules(ai('role="provider"'), promises=False), [])
        msg = [f["message"] for f in self.findings(ai('training="opt-in"')) if f["rule"] == "ai-training"][0]
        self.assertIn("Art. 28(10)", msg)
        # never waivable: the waiver is refused and the finding stands
        waived = ai('training="opt-in"').replace(
            "</subprocessor>", '  <waiver rule="ai-training" until="2026-12-31">pilot</waiver>\n</subprocessor>')
        self.assertEqual(self.rules(waived), ["ai-training", "waiver-not-allowed"])

    def test_retention_exceeds(self):
        def ai(attrs):
            return entry(ai='<ai training="none" %s/>' % attrs)
        # the seed promises call-audio at most 30 days, vendors' copies included
        self.assertEqual(self.rules(ai('input-days="30" output-days="30"')), [])
        self.assertEqual(self.rules(ai('input-days="31" output-days="7"')), ["retention-exceeds"])
        self.assertEqual(self.rules(ai('input-days="7" output-days="7" abuse-monitoring-days="45"')),
                         ["retention-exceeds"])
        self.assertEqual(self.rules(ai('human-review="false"')), ["retention-exceeds"])     # unrecorded
        self.assertEqual(self.rules(ai('input-days="90"'), promises=False), [])
        msg = [f["message"] for f in self.findings(ai('input-days="31"')) if f["rule"] == "retention-exceeds"][0]
        self.assertIn("call-audio up to 31 days, longer than the 30 days", msg)
        # zero retention keeps nothing, abuse monitoring aside
        zr = '<zero-retention since="2025-02-01" evidence="vendor letter"/>'
        self.assertEqual(self.rules(entry(ai='<ai training="none">%s</ai>' % zr)), [])
        self.assertEqual(self.rules(entry(ai='<ai training="none" abuse-monitoring-days="40">%s</ai>' % zr)),
                         ["retention-exceeds"])
        # a vendor that is not an AI vendor (no <ai>) is not asked
        self.assertEqual(self.rules(entry()), [])

    def test_zero_retention_unproven(self):
        def zr(attrs):
            return entry(ai='<ai training="none"><zero-retention %s/></ai>' % attrs)
        self.assertEqual(self.rules(zr('since="2025-02-01" evidence="the vendor\'s letter"')), [])
        self.assertEqual(self.rules(zr('since="2025-02-01"')), ["zero-retention-unproven"])
        self.assertEqual(self.rules(zr('evidence="letter"')), ["zero-retention-unproven"])
        self.assertEqual(self.rules(zr('')), ["zero-retention-unproven"])

    def test_dpa_contents(self):
        self.assertEqual(self.rules(entry(d=dpa())), [])
        # nothing recorded: a warning, so existing registries do not turn red at once
        self.assertEqual(self.rules(entry(d=dpa(recorded=False))), ["dpa-clauses-unrecorded"])
        p = run(["check", "--registry", self.reg(entry(d=dpa(recorded=False))), "--date", "2026-12-05"])
        self.assertEqual(p.returncode, 0, p.stdout)
        # some clauses left out: still a warning that names them
        part = entry(d=dpa(clauses={"audits": None, "deletion": None}))
        self.assertEqual(self.rules(part), ["dpa-clauses-unrecorded"])
        self.assertIn("deletion, audits", self.findings(part)[0]["message"])
        # a clause recorded as absent: an error naming it and its letter
        missing = entry(d=dpa(clauses={"subprocessing": "false", "audits": "false"}))
        self.assertEqual(self.rules(missing), ["dpa-clause-missing"])
        msg = self.findings(missing)[0]["message"]
        self.assertIn("Art. 28(3)(d)", msg)
        self.assertIn("Art. 28(3)(h)", msg)
        self.assertNotIn("28(3)(a)", msg)
        # breach notice: the seed allows 24 hours (48 of Art. 33(1)'s 72 left to the company)
        self.assertEqual(self.rules(entry(d=dpa(hours=24))), [])
        self.assertEqual(self.rules(entry(d=dpa(hours=48))), ["breach-notice-slow"])
        # an independent controller signs no DPA: nothing asked
        ctl = entry(d="").replace("<flow>processor</flow>", "<flow>controller</flow>\n  <recipient>controller</recipient>")
        self.assertNotIn("dpa-clauses-unrecorded", self.rules(ctl))

    def test_foreign_access_unassessed(self):
        us = '<parent country="US" fisa-702="true" cloud-act="true">Test Parent, Inc.</parent>'
        self.assertEqual(self.rules(entry(parent=us)), ["foreign-access-unassessed"])
        msg = self.findings(entry(parent=us))[0]["message"]
        self.assertIn("Test Parent, Inc.", msg)
        self.assertIn("FISA 702", msg)
        assessed = us.replace('cloud-act="true"', 'cloud-act="true" assessed="2026-01-10" assessment="keys held by us"')
        self.assertEqual(self.rules(entry(parent=assessed)), [])
        # a parent inside the EEA is no foreign law
        self.assertEqual(self.rules(entry(parent='<parent country="DE">Test Holding GmbH</parent>')), [])
        # a transfer to the parent's country: its TIA covers that law
        tr = ('  <transfers><transfer country="US" mechanism="scc" clauses="2021/914" module="3" '
              'signed="2025-01-15" tia="2026-06-01"/></transfers>\n')
        with_transfer = entry(parent=us, transfers=tr).replace(
            '<location country="FR" use="processing"/>',
            '<location country="FR" use="processing"/><location country="US" use="access"/>')
        self.assertEqual(self.rules(with_transfer, promises=False), [])

    def test_the_public_json_and_the_page_in_three_languages(self):
        reg = self.copy_seed()
        p = run(["export", "--registry", reg, "--format", "json"])
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        entries = {e["id"]: e for e in (doc["subprocessors"] if isinstance(doc, dict) else doc)}
        mistral = entries["mistral"]["ai"]
        self.assertEqual(mistral["training"], "none")
        self.assertEqual(mistral["retention_days"], 0)
        self.assertEqual(mistral["zero_retention"], {"since": "2024-10-01"})   # the evidence is not public
        self.assertTrue(mistral["example"])
        self.assertNotIn("parent", entries["aws"])                               # customers and editors only
        self.assertNotIn("erasure", entries["aws"])
        internal = json.loads(run(["export", "--registry", reg, "--format", "json", "--internal"]).stdout)
        internal = {e["id"]: e for e in (internal["subprocessors"] if isinstance(internal, dict) else internal)}
        self.assertEqual(internal["aws"]["parent"]["country"], "US")
        self.assertTrue(internal["aws"]["parent"]["fisa_702"])
        self.assertIn("evidence", internal["mistral"]["ai"]["zero_retention"])
        self.assertTrue(internal["mistral"]["dpa"]["clauses"]["audits"])
        self.assertEqual(internal["mistral"]["dpa"]["breach_notice_hours"], 24)
        self.assertNotIn("Zero data retention", internal["mistral"].get("internal") or "")
        want = {
            "en": ("Does not train its AI models on your data.", "Keeps no call data.", "Keeps call data 7 days.",
                   "(example data)"),
            "fr": ("N\u2019entra\u00eene pas ses mod\u00e8les d\u2019IA sur vos donn\u00e9es.",
                   "Ne conserve aucune donn\u00e9e d\u2019appel.", "Conserve les donn\u00e9es d\u2019appel 7\u00a0jours.",
                   "(donn\u00e9es d\u2019exemple)"),
            "nl": ("Traint zijn AI-modellen niet met uw gegevens.", "Bewaart geen gespreksgegevens.",
                   "Bewaart gespreksgegevens 7 dagen.", "(voorbeeldgegevens)"),
        }
        for lang, texts in want.items():
            page = run(["export", "--registry", reg, "--format", "html", "--lang", lang]).stdout
            row = re.search(r'<tr id="mistral">.*?</tr>', page, re.S).group(0)
            self.assertIn(texts[0], row, lang)
            self.assertIn(texts[1], row, lang)
            self.assertIn(texts[3], row, lang)
            row = re.search(r'<tr id="speechmatics">.*?</tr>', page, re.S).group(0)
            self.assertIn(texts[2], row, lang)
            # a vendor without <ai> says nothing about AI
            row = re.search(r'<tr id="hetzner">.*?</tr>', page, re.S).group(0)
            self.assertNotIn('class="ai"', row, lang)
        # a vendor that trains (opt-in) is never said not to
        with open(os.path.join(reg, "subprocessors", "mistral.xml")) as f:
            body = f.read()
        with open(os.path.join(reg, "subprocessors", "mistral.xml"), "w") as f:
            f.write(body.replace('training="none"', 'training="opt-in"'))
        page = run(["export", "--registry", reg, "--format", "html"]).stdout
        row = re.search(r'<tr id="mistral">.*?</tr>', page, re.S).group(0)
        self.assertNotIn("Does not train", row)

    def test_the_records_name_the_foreign_law_a_tia_covers(self):
        md = run(["export", "--registry", self.copy_seed(), "--format", "art30"]).stdout
        self.assertIn("US: scc 2021/914 (module 2 3) (its TIA covers the law that reaches the parent, "
                      "Amazon.com, Inc.: FISA 702, the CLOUD Act)", md)

    def test_export_dsr(self):
        reg = self.copy_seed()
        p = run(["export", "--registry", reg, "--format", "dsr"])
        self.assertSanitizerClean(p)
        self.assertEqual(p.returncode, 0, p.stderr)
        md = p.stdout
        self.assertIn("Art. 17(2), 19", md)
        self.assertRegex(md, r"\| Mistral AI SAS \| Call transcripts; Call summaries \| automatic: Nothing is kept")
        self.assertRegex(md, r"\| Cantab Research Limited \(Speechmatics\) \|[^\n]*\| api: [^\n]*\| 7 days \|")
        self.assertNotIn("VoiceBase", md)            # retired: no longer a recipient
        self.assertNotIn("Gladia", md)               # planned: not yet one
        # a recipient without a recorded path says so
        with open(os.path.join(reg, "subprocessors", "mailjet.xml")) as f:
            body = f.read()
        with open(os.path.join(reg, "subprocessors", "mailjet.xml"), "w") as f:
            f.write(re.sub(r"\s*<erasure[^>]*>.*?</erasure>", "", body))
        md = run(["export", "--registry", reg, "--format", "dsr"]).stdout
        self.assertRegex(md, r"\| Sinch Mailjet SAS \|[^\n]*\| not recorded: ask the vendor[^\n]*\| not recorded \|")
        rows = run(["export", "--registry", reg, "--format", "dsr", "--csv"]).stdout.splitlines()
        self.assertEqual(rows[0], "id,name,data,via,days,how")
        self.assertTrue(any(r.startswith("speechmatics,") and ",api,7," in r for r in rows), rows)
        # as of a day (of a git registry): Gladia is a recipient from its effective day
        repo = os.path.join(self.tmp, "r.git")
        self.assertEqual(run(["init", "--registry", repo, "--from", reg]).returncode, 0)
        p = run(["export", "--registry", repo, "--state", os.path.join(self.tmp, "state"), "--format", "dsr",
                 "--at", "2026-12-15"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Gladia SAS", p.stdout)
