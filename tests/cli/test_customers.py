"""Customers' terms from the command line (#25): `subreg new --customer`, `subreg export
--customer ID --format md|json|csv`, and how `subreg check` reads an objection's resolution,
on real registry folders."""
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import TempDirTest, run  # noqa: E402
from api.test_customers import customer_xml  # noqa: E402


def rewrite(path, old, new):
    with open(path) as f:
        text = f.read()
    assert old in text, old
    with open(path, "w") as f:
        f.write(text.replace(old, new, 1))


class CustomerCli(TempDirTest):
    def write_customer(self, reg, id_, text):
        os.makedirs(os.path.join(reg, "customers"), exist_ok=True)
        with open(os.path.join(reg, "customers", id_ + ".xml"), "w") as f:
            f.write(text)

    def check(self, reg):
        p = run(["check", "--registry", reg, "--no-base", "--format", "json"])
        self.assertIn(p.returncode, (0, 1), p.stderr)
        return p.returncode, [f for f in json.loads(p.stdout)["findings"] if f["severity"] == "error"]

    def test_new_customer_starts_a_file_that_check_refuses_until_filled_in(self):
        reg = self.copy_seed()
        p = run(["new", "--customer", "acme", "--registry", reg])
        self.assertEqual(p.returncode, 0, p.stderr)
        path = os.path.join(reg, "customers", "acme.xml")
        with open(path) as f:
            text = f.read()
        self.assertIn('<customer xmlns="urn:subreg:1" id="acme">', text)
        self.assertIn("<notice-days>14</notice-days>", text)     # the registry's, to start from
        rc, errs = self.check(reg)
        self.assertEqual(rc, 1)
        self.assertEqual({e["rule"] for e in errs}, {"placeholder"})
        p = run(["validate", path])               # a customer's file alone, as an entry's
        self.assertEqual(p.returncode, 1)
        self.assertIn("acme.xml:5:1: error[placeholder]", p.stdout + p.stderr)
        rewrite(path, "CUSTOMER LEGAL NAME", "Acme Telecom SA")
        rewrite(path, "CUSTOMER DPA REFERENCE", "ACME-2026-01")
        self.assertEqual(self.check(reg), (0, []))
        p = run(["fmt", "--check", reg])      # the template is in the canonical layout
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        p = run(["new", "--customer", "acme", "--registry", reg])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("exists already", p.stderr)
        p = run(["new", "--customer", "../etc", "--registry", reg])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("not a valid id", p.stderr)

    def test_every_resolution_of_an_objection(self):
        reg = self.copy_seed()
        # mistral adds NL processing on 2027-01-15 (the seed's upcoming change)
        objection = ('  <objection entry="mistral" change="2027-01-15" made="2026-11-25" via="editor" '
                     'status="%s"%s>Phone call of 2026-11-25.</objection>')
        for status, resolved, held in (("open", "", "objection-open"), ("withdrawn", ' resolved="2026-11-27"', None),
                                       ("terminated", ' resolved="2026-11-27"', None),
                                       ("accepted", ' resolved="2026-11-27"', "objection-open")):
            with self.subTest(status=status):
                self.write_customer(reg, "acme", customer_xml("acme", "Acme Telecom SA", objections=objection % (status, resolved)))
                rc, errs = self.check(reg)
                rules = {(e["rule"], e["entry"]) for e in errs}
                self.assertEqual(rules, {(held, "mistral")} if held else set(), errs)
                if status == "open":
                    self.assertIn("Acme Telecom SA (acme) objected on 2026-11-25 to the change of mistral taking "
                                  "effect on 2027-01-15", errs[0]["message"])
                    self.assertEqual(errs[0]["line"], 23)   # the element that is held
                if status == "accepted":
                    self.assertIn("was accepted on 2026-11-27", errs[0]["message"])
        # accepted, and acme's data kept out of mistral: nothing left
        rewrite(os.path.join(reg, "subprocessors", "mistral.xml"), "<status>", '<customers except="acme"/>\n  <status>')
        self.assertEqual(self.check(reg), (0, []))
        # an open objection to a change the owner withdrew holds nothing
        self.write_customer(reg, "acme", customer_xml("acme", objections=objection % ("open", "")))
        rewrite(os.path.join(reg, "subprocessors", "mistral.xml"),
                '    <location country="NL" use="processing" announced="2026-11-20" effective="2027-01-15"/>\n', "")
        self.assertEqual(self.check(reg), (0, []))
        p = run(["explain", "objection-open"])
        self.assertEqual(p.returncode, 0)
        self.assertIn("Clause 7.7(a)", p.stdout)

    def test_export_for_one_customer(self):
        reg = self.copy_seed()
        hostile = 'Pipe | Co <b>"bold"</b> [link](http://x.example) =cmd'
        self.write_customer(reg, "acme", customer_xml(
            "acme", hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), notice=30,
            objection_days=20, emergency=(3, "7.4"), excluded=[("CN", "Annex III")],
            mechanisms=("adequacy scc dpf", "9.1"),
            objections='  <objection entry="gladia" made="2026-11-25" via="editor" status="open">x</objection>'))
        rewrite(os.path.join(reg, "subprocessors", "hetzner.xml"), "<status>", '<customers except="acme"/>\n  <status>')
        p = run(["export", "--registry", reg, "--customer", "acme"])
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["customer"]["name"], hostile)
        self.assertEqual(doc["customer"]["terms"]["notice_days"], 30)
        self.assertEqual(doc["customer"]["terms"]["emergency"], {"notice_days": 3, "clause": "7.4"})
        ids = [e["id"] for e in doc["subprocessors"]]
        self.assertNotIn("hetzner", ids)       # kept out
        self.assertNotIn("stripe", ids)        # a controller flow only: not the customer's data
        self.assertIn("mistral", ids)
        self.assertIn({"id": "mistral", "name": "Mistral AI SAS", "change": "location NL (processing)",
                       "announced": "2026-11-20", "effective": "2027-01-15", "object_until": "2026-12-10"},
                      doc["upcoming"])
        p = run(["export", "--registry", reg, "--customer", "acme", "--format", "md"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("# Sub-processors of CallNex BV for Pipe \\| Co &lt;b&gt;", p.stdout)
        self.assertNotIn("<b>", p.stdout)
        self.assertNotIn("[link](", p.stdout)           # never a link
        self.assertIn("\\[link\\](http", p.stdout)
        self.assertIn("| Mistral AI SAS | LLM inference", p.stdout)
        self.assertIn("- Excluded country: CN (Annex III)", p.stdout)
        self.assertIn("- 2026-11-25: to gladia", p.stdout)
        for line in p.stdout.splitlines():
            if line.startswith("| Mistral"):
                self.assertEqual(line.count(" | "), 4, line)   # five cells, none broken
        p = run(["export", "--registry", reg, "--customer", "acme", "--format", "csv"])
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = list(csv.reader(io.StringIO(p.stdout)))
        self.assertEqual(rows[0], ["id", "name", "purpose", "status", "effective", "country", "use", "safeguards"])
        self.assertIn(["elevenlabs", "Eleven Labs, Inc.", "Text-to-speech synthesis of the voice agent's replies",
                       "active", "2025-04-01", "US", "processing", "US: scc 2021/914 module 3"], rows)
        self.assertFalse([r for r in rows if r[0] == "hetzner"])
        for bad, why in ((["--customer", "nobody"], "no customers/nobody.xml"),
                         (["--customer", "acme", "--format", "art30"], "the formats are json, csv and md"),
                         (["--customer", "../../etc/passwd"], "no customers/ID.xml")):
            p = run(["export", "--registry", reg] + bad)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn(why, p.stderr)
        # the public exports never name it
        for fmt in ("json", "csv", "md", "html"):
            p = run(["export", "--registry", reg, "--format", fmt])
            self.assertNotIn("Pipe", p.stdout)
            self.assertNotIn("acme", p.stdout)
