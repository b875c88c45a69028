"""Entry text never becomes code (#21 item 7): Markdown and CSV exports keep names and
purposes inert, and bidirectional controls are refused before they reach a reader."""
import csv
import io
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import ROOT, SEED, TempDirTest, run  # noqa: E402


class HostileText(TempDirTest):
    def write(self, reg, name, purpose):
        path = os.path.join(reg, "subprocessors", "plausible.xml")
        with open(path, encoding="utf-8") as f:
            body = f.read()
        start, end = body.index("<name>") + 6, body.index("</name>")
        body = body[:start] + name + body[end:]
        start = body.index("<purpose>") + 9
        body = body[:start] + purpose + body[body.index("</purpose>"):]
        with open(path, "w", encoding="utf-8") as f:
            f.write(body)

    def test_markdown_and_csv_exports_are_inert(self):
        reg = self.copy_seed()
        self.write(reg, "&lt;img src=x onerror=alert(1)&gt; Evil | Co",
                   "=HYPERLINK(&quot;https://evil.example&quot;) [click](javascript:alert(1)) `code`")
        self.assertEqual(run(["validate", reg]).returncode, 0)
        md = run(["export", "--registry", reg, "--format", "md"]).stdout
        row = [l for l in md.splitlines() if "Evil" in l][0]
        self.assertNotIn("<img", row)
        self.assertIn("&lt;img", row)
        self.assertNotRegex(row, r"(?<!\\)\]\(javascript:")   # no link: the brackets are escaped
        self.assertIn("\\[click\\]", row)
        self.assertIn("Evil \\| Co", row)       # one cell, not two
        self.assertEqual(row.count(" | "), md.splitlines()[0].count(" | "))
        out = run(["export", "--registry", reg, "--format", "csv"]).stdout
        rows = list(csv.DictReader(io.StringIO(out)))
        purposes = [r["purpose"] for r in rows if "Evil" in r["name"]]
        self.assertEqual(len(purposes), 1)
        self.assertTrue(purposes[0].startswith("'=HYPERLINK"), purposes)
        for r in rows:
            for v in r.values():
                self.assertFalse(v and v[0] in "=+-@", (r, v))

    def test_bidirectional_controls_are_refused(self):
        reg = self.copy_seed()
        self.write(reg, "Plausible \u202egnissecorp\u202c OÜ", "Website analytics")
        p = run(["validate", reg])
        self.assertEqual(p.returncode, 1)
        self.assertIn("U+202E", p.stdout + p.stderr)
        self.write(reg, "Plausible Insights OÜ", "Website \u2067analytics\u2069")
        p = run(["check", "--registry", reg])
        self.assertEqual(p.returncode, 1)
        self.assertIn("bidirectional", p.stdout + p.stderr)


class NoSilentCut(TempDirTest):
    def test_the_page_lists_every_entry(self):
        # the page and export --format html showed 2,047 of 10,000 active entries (#21 item 8)
        reg = os.path.join(self.tmp, "big")
        subprocess.run([sys.executable, os.path.join(ROOT, "tests", "bench", "gen.py"), "2100", reg], check=True,
                       stdout=subprocess.DEVNULL)
        p = run(["export", "--registry", reg, "--format", "html"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.count('<th scope="row"'), 2100)


class StaticExport(TempDirTest):
    """`export --format html` writes a file: no ?lang= links that lead nowhere in it, a
    description in its language, apostrophes as &#39; (#24 item 8)."""

    def test_a_file_has_no_links_that_lead_nowhere(self):
        for lang, start in (("en", "The companies that process"), ("fr", "Les entreprises qui traitent"),
                            ("nl", "De bedrijven die")):
            p = run(["export", "--registry", SEED, "--format", "html", "--lang", lang])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertNotIn("?lang=", p.stdout)
            self.assertNotIn("&apos;", p.stdout)
            self.assertIn('<meta name="description" content="%s' % start, p.stdout)
