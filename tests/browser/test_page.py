"""The public page and the widget in a real browser (Debian's chromium through playwright-core),
against the real server on a loopback port and a second origin that embeds the widget.
Screenshots go to tests/out/ (ignored) for a person to look at."""
import datetime
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from api.test_api import Server, free_port  # noqa: E402
from helpers import SEED  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "out")
NODE = shutil.which("node")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

XSS = """<?xml version="1.0" encoding="UTF-8"?>
<subprocessor xmlns="urn:subreg:1" id="xss">
  <name>&lt;script&gt;window.__xss=true&lt;/script&gt;Evil Corp</name>
  <entity country="DE">Secret Street 1</entity>
  <website>https://evil.example/"&gt;&lt;img/src=x/onerror=window.__xss=true&gt;</website>
  <purpose>"&gt;&lt;img src=x onerror=window.__xss=true&gt; and javascript:window.__xss=true</purpose>
  <categories><category>contact-data</category></categories>
  <flow>processor</flow>
  <status>active</status>
  <announced>2019-01-01</announced>
  <effective>2019-02-01</effective>
  <dpa signed="2019-01-15" reference="contracts/evil-secret-dpa.pdf"/>
  <locations><location country="DE" use="storage"/></locations>
  <internal>INTERNAL-NOTE-xyzzy</internal>
</subprocessor>
"""


class WidgetHost(http.server.SimpleHTTPRequestHandler):
    """A customer's site on another origin, with a strict Content-Security-Policy."""
    registry_origin = ""

    def do_GET(self):
        body = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Acme</title></head>"
                "<body><h1>Acme</h1><div data-subreg></div>"
                "<script src=\"%s/embed.js\" data-lang=\"en\" defer></script></body></html>" % self.registry_origin).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Security-Policy", "default-src 'none'; script-src %s; connect-src %s" %
                         (self.registry_origin, self.registry_origin))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


class Browser(Server):
    """A server and Debian's chromium to look at its pages with (no tests of its own: the
    pages of notices use it too, without running the list's tests again)."""
    def setUp(self):
        if not NODE or not os.path.exists(CHROMIUM):
            self.fail("the browser tests need node and %s (tools/deps.sh test installs them)" % CHROMIUM)
        super().setUp()

    def browse(self, path="/", widget=True):
        """What chromium finds on path (check_page.js); with widget, also on a page of another
        origin that embeds the widget."""
        os.makedirs(OUT, exist_ok=True)
        host = None
        widget_url = "-"
        if widget:
            WidgetHost.registry_origin = "http://127.0.0.1:%d" % self.port
            host = http.server.ThreadingHTTPServer(("127.0.0.2", free_port()), WidgetHost)
            threading.Thread(target=host.serve_forever, daemon=True).start()
            widget_url = "http://127.0.0.2:%d/" % host.server_address[1]
        try:
            p = subprocess.run([NODE, os.path.join(HERE, "check_page.js"), "http://127.0.0.1:%d%s" % (self.port, path),
                                widget_url, OUT],
                               capture_output=True, text=True, timeout=180, cwd=os.path.dirname(HERE))
        finally:
            if host:
                host.shutdown()
                host.server_close()
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        return json.loads(p.stdout)


class Page(Browser):
    def test_page_and_widget_in_a_browser(self):
        st, _, doc = self.put("xss", XSS)
        self.assertEqual(st, 201, doc)
        got = self.browse("/")
        self.assertEqual(got["status"], 200)
        csp = got["headers"]["content-security-policy"]
        self.assertNotIn("unsafe-inline", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertEqual(got["headers"]["x-frame-options"], "DENY")
        self.assertEqual(got["lang"], "en")
        st, _, public = self.jreq("GET", "/v1/subprocessors")
        active = [e for e in public["subprocessors"] if e["status"] == "active"]
        # one table per group of people whose data it is: a vendor with both flows is in both;
        # independent controllers in their own table (#19 item 12, #24 item 6)
        rows = [e["name"] for e in active if e["recipient"] == "processor" and "processor" in e["flows"]] + \
               [e["name"] for e in active if e["recipient"] == "processor" and "controller" in e["flows"]] + \
               [e["name"] for e in active if e["recipient"] == "controller"]
        self.assertEqual(sorted(got["rows"]), sorted(rows))
        self.assertIn("Independent controllers", got["html"])
        self.assertTrue(any("Gladia" in u for u in got["upcoming"]), got["upcoming"])       # planned
        self.assertTrue(any("new place of processing: Netherlands (processed)" in u for u in got["upcoming"]))  # material change
        # hostile text renders inert: no script, no image, no javascript: link ran or exists
        self.assertIn("<script>window.__xss=true</script>Evil Corp", got["rows"])
        self.assertEqual((got["scripts"], got["images"], got["xss"]), (0, 0, False))
        self.assertFalse([h for h in got["hrefs"] if h.lower().startswith("javascript:")])
        # no internal or customer-only value on the page
        for secret in ("INTERNAL-NOTE-xyzzy", "evil-secret-dpa", "Secret Street", "contracts/aws-dpa-2023.pdf",
                       "38 Avenue John F. Kennedy", "DPIA-2025-03", "Follow-the-sun"):
            self.assertNotIn(secret, got["html"])
        self.assertEqual(got["svg"], ["flow-title flow-desc"])
        self.assertEqual((got["errors"], got["csp"]), ([], []))
        self.assertEqual(got["axe"], [])
        self.assertFalse(got["mobileOverflow"])
        # (the hostile entry's markup is one run of 40 characters without a break: it may wrap)
        words = [w for w in got["brokenWords"] + got["mobileBrokenWords"] if not any(c in w for c in "<>=_")]
        self.assertEqual(words, [])
        # the widget on another origin shows the same entries, within that site's CSP
        # the widget: the sub-processors in force (no independent controller, no planned vendor)
        self.assertEqual(sorted(got["widgetRows"]), sorted(e["name"] for e in active if e["recipient"] == "processor"))
        self.assertEqual((got["widgetErrors"], got["widgetCsp"]), ([], []))
        # one renderer: each widget row reads as the page's row of the same vendor, and the
        # upcoming changes are the page's (planned Gladia with its date, not as current)
        page_rows = dict(got["rowTexts"])
        self.assertTrue(got["widgetRowTexts"])
        for vid, text in got["widgetRowTexts"]:
            self.assertEqual(text, page_rows[vid], vid)
        self.assertEqual(got["widgetUpcoming"], got["upcoming"])
        self.assertNotIn("gladia", dict(got["widgetRowTexts"]))
        for shot in ("page.png", "page-mobile.png", "widget.png"):
            self.assertTrue(os.path.getsize(os.path.join(OUT, shot)) > 1000)

    def test_french_and_dutch_pages_on_a_desktop_and_a_phone(self):
        # #24 items 4, 8: no horizontal scroll and no word broken inside, at 1280 and 390 px
        for lang in ("fr", "nl"):
            got = self.browse("/?lang=" + lang, widget=False)
            self.assertEqual((got["status"], got["lang"]), (200, lang))
            self.assertFalse(got["mobileOverflow"], lang)
            self.assertEqual((got["brokenWords"], got["mobileBrokenWords"]), ([], []), lang)
            self.assertEqual(got["axe"], [], lang)
            self.assertEqual((got["errors"], got["csp"]), ([], []), lang)
        # an entry's page and a removed vendor's page, likewise (#24 done-when)
        for path, status in (("/subprocessors/mistral?lang=fr", 200), ("/subprocessors/voicebase?lang=nl", 410)):
            got = self.browse(path, widget=False)
            self.assertEqual(got["status"], status, path)
            self.assertFalse(got["mobileOverflow"], path)
            self.assertEqual((got["brokenWords"], got["mobileBrokenWords"]), ([], []), path)
            self.assertEqual(got["axe"], [], path)

    def test_finding_a_vendor_without_script(self):
        # #24 item 7: a search box and a country filter, answered by the server
        import re

        def rows(path):
            st, h, body = self.req("GET", path)
            self.assertEqual(st, 200, body[:300])
            return st, body.decode(), sorted(set(re.findall(r'<tr id="([a-z0-9-]+)">', body.decode())))
        _, page, all_rows = rows("/")
        self.assertIn('<form method="get" action="/" role="search" class="search">', page)
        self.assertIn('<option value="US">United States of America</option>', page)
        # the countries in the order of their names
        names = re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]+)</option>', page)
        self.assertEqual(names, sorted(names))
        _, page, got = rows("/?q=MISTRAL")
        self.assertEqual(got, ["mistral"])
        self.assertIn("1 of 12 sub-processors match.", page)
        self.assertIn('value="MISTRAL"', page)
        _, page, got = rows("/?country=US&lang=fr")
        self.assertEqual(got, ["aws", "elevenlabs", "sentry", "stripe", "twilio", "zendesk"])
        self.assertIn("6 sous-traitants ult\u00e9rieurs sur 12 correspondent.", page)
        self.assertIn('<option value="US" selected>', page)
        # the purpose in the visitor's language is searched too; an upcoming vendor is found
        _, page, got = rows("/?q=inf%C3%A9rence&lang=fr")
        self.assertEqual(got, ["mistral"])
        _, page, got = rows("/?country=FR")
        self.assertIn("Gladia SAS", re.search(r'<ul class="upcoming">.*?</ul>', page, re.S).group(0))
        _, page, got = rows("/?q=%22%3E%3Cscript%3Ex")           # shown back inert
        self.assertEqual(got, [])
        self.assertIn('value="&quot;&gt;&lt;script&gt;x"', page)
        self.assertNotIn("<script>x", page)
        self.assertEqual(self.req("GET", "/?country=XX")[0], 400)
        self.assertEqual(self.req("GET", "/?q=" + "a" * 101)[0], 400)
        self.assertEqual(self.req("GET", "/?q=%FF%FE")[0], 200)                # bad UTF-8: replaced
        self.assertEqual(rows("/?q=&country=")[2], all_rows)                   # empty: everything

    def test_a_removed_vendor_has_a_page_that_says_so(self):
        # #24 item 5: a retired entry, and an entry whose file was removed: 410 with a page
        st, h, body = self.req("GET", "/subprocessors/voicebase", headers={"Accept": "text/html"})
        self.assertEqual(st, 410)
        self.assertIn("text/html", h["content-type"])
        self.assertIn("<h1>VoiceBase, Inc., former sub-processor of CallNex BV</h1>", body.decode())
        self.assertIn('<time datetime="2024-06-30">', body.decode())
        st, _, _ = self.jreq("DELETE", "/v1/subprocessors/plausible", token=self.editor)
        self.assertEqual(st, 204)
        for lang, title, said in (("en", "Plausible Insights O\u00dc, former sub-processor of CallNex BV",
                                   "No longer a sub-processor: removed from the list on"),
                                  ("fr", "Plausible Insights O\u00dc, ancien sous-traitant ult\u00e9rieur de CallNex BV",
                                   "retir\u00e9 de la liste le")):
            st, h, body = self.req("GET", "/subprocessors/plausible?lang=" + lang)
            self.assertEqual(st, 410, body[:300])
            page = body.decode()
            self.assertIn("<h1>%s</h1>" % title, page)
            self.assertIn(said, page)
            self.assertIn("Removed: Plausible", page)              # its own history says it too
            # the same answer from the page cache
            self.assertEqual(self.req("GET", "/subprocessors/plausible?lang=" + lang)[0], 410)
        feed = self.req("GET", "/v1/feed.atom")[2].decode()
        self.assertIn('href="http://127.0.0.1:%d/subprocessors/plausible"' % self.port, feed)
        self.assertEqual(self.req("GET", "/subprocessors/nobody-ever")[0], 404)
        self.assertEqual(self.req("GET", "/subprocessors/aws")[0], 200)

    def test_the_widget_is_rendered_by_the_page(self):
        # #24 item 2: GET /v1/widget carries the page's own rows and upcoming changes, in each
        # language, for the same revision and day
        import re
        for lang in ("en", "fr", "nl"):
            st, h, w = self.jreq("GET", "/v1/widget?lang=" + lang)
            self.assertEqual(st, 200, w)
            self.assertEqual(h["access-control-allow-origin"], "*")
            self.assertEqual((w["lang"], w["full"]), (lang, "/?lang=" + lang))
            page = self.req("GET", "/?lang=" + lang)[2].decode()
            self.assertEqual(w["revision"], self.jreq("GET", "/v1/subprocessors")[2]["revision"])
            for row in re.findall(r'<tr id="[a-z0-9-]+">.*?</tr>', w["html"], re.S):
                self.assertIn(row, page)
            upcoming = re.search(r'<ul class="upcoming">.*?</ul>', w["html"], re.S).group(0)
            self.assertIn(upcoming, page)
            self.assertNotIn('<tr id="stripe">', w["html"])            # an independent controller
            self.assertNotIn('<tr id="gladia">', w["html"])            # planned: upcoming only
            self.assertNotIn("<script", w["html"])
        st, _, w = self.jreq("GET", "/v1/widget?lang=fr")
        self.assertIn("Allemagne", w["html"])
        self.assertIn("15\u00a0d\u00e9cembre 2026", w["html"])

    def test_every_word_in_the_visitors_language(self):
        # #24 item 3: country names from Debian's iso-codes, dates as people write them, French
        # typography, what a change adds in the visitor's words; the registry's own English words
        # (a purpose without a translation, category labels) marked lang="en"
        import re
        fr = self.req("GET", "/?lang=fr")[2].decode()
        nl = self.req("GET", "/?lang=nl")[2].decode()
        en = self.req("GET", "/?lang=en")[2].decode()
        self.assertIn("Allemagne (stockage)", fr)
        self.assertIn("\u00c9tats-Unis (acc\u00e8s \u00e0 distance)", fr)
        self.assertIn("Duitsland (opslag)", nl)
        self.assertIn("Verenigde Staten (toegang op afstand)", nl)
        self.assertIn("Germany (stored)", en)
        self.assertIn('<time datetime="2026-12-15">15\u00a0d\u00e9cembre 2026</time>', fr)
        self.assertIn('<time datetime="2026-12-15">15\u00a0december 2026</time>', nl)
        self.assertIn('<time datetime="2026-12-15">15\u00a0December 2026</time>', en)
        self.assertIn("Mistral AI SAS</strong>\u00a0: nouveau lieu de traitement\u00a0: Pays-Bas (traitement)", fr)
        self.assertIn("Mistral AI SAS</strong>: nieuwe verwerkingslocatie: Nederland (verwerking)", nl)
        self.assertIn('<span lang="en">Real-time speech-to-text for French and Dutch calls</span>', fr)
        # category labels in the visitor's language (registry.xml <category xml:lang>)
        self.assertIn("<li>Enregistrements d\u2019appels</li>", fr)
        self.assertIn("<li>Gespreksopnamen</li>", nl)
        self.assertIn("<li>Call recordings</li>", en)
        self.assertNotIn('<span lang="en">', en)
        # none of the page's English words on a French or Dutch page outside lang="en"
        english = ("Sub-processor", "Purpose", "Personal data", "Corporate location", "stored)", "processed)",
                   "accessed remotely", "new place of processing", "Upcoming changes", "Current sub-processors",
                   "Be told before each change", "Subscribe", "Search", "All countries", "Earlier versions",
                   " from ", "December", "January", "Germany", "United States", "Netherlands", "inside the EEA",
                   "Does not train", "Keeps call data", "example data", "Call recordings", "Contact data",
                   "adequacy")
        for lang, page in (("fr", fr), ("nl", nl)):
            visible = re.sub(r'<span lang="en">.*?</span>', "", page, flags=re.S)
            visible = re.sub(r'<nav class="lang".*?</nav>', "", visible, flags=re.S)
            visible = re.sub(r"<[^>]+>", " ", visible)
            found = [w for w in english if w in visible]
            self.assertEqual(found, [], lang)

    def test_languages_versions_and_static_export(self):
        st, h, body = self.req("GET", "/?lang=fr")
        self.assertEqual((st, h["content-language"]), (200, "fr"))
        self.assertIn("Sous-traitants ult\u00e9rieurs de CallNex BV", body.decode())
        st, h, body = self.req("GET", "/", headers={"Accept-Language": "nl-BE,nl;q=0.9,en;q=0.5"})
        self.assertIn("Subverwerkers van CallNex BV", body.decode())
        self.assertEqual(self.req("GET", "/?lang=fr", headers={"If-None-Match": h["etag"]})[0], 200)
        st, h2, _ = self.req("GET", "/?lang=nl")
        self.assertEqual(self.req("GET", "/?lang=nl", headers={"If-None-Match": h2["etag"]})[0], 304)
        page = self.req("GET", "/")[2].decode()
        self.assertIn("Last updated", page)
        self.assertIn("?at=", page)                 # the dates on which the list changed
        today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()  # commits carry the real time
        st, _, old = self.req("GET", "/?at=" + today)
        self.assertEqual(st, 200)
        self.assertIn("as it stood at the end of " + today, old.decode())
        self.assertEqual(self.req("GET", "/?at=main")[0], 400)
        self.assertEqual(self.req("GET", "/subprocessors/aws")[0], 200)
        self.assertEqual(self.req("GET", "/subprocessors/nope")[0], 404)
        feed = self.req("GET", "/v1/feed.atom")[2].decode()
        self.assertIn('rel="alternate" type="text/html" href="http://127.0.0.1:%d/subprocessors/' % self.port, feed)
        from helpers import run
        p = run(["export", "--registry", SEED, "--format", "html", "--lang", "nl"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("<style>", p.stdout)
        self.assertIn('<html lang="nl">', p.stdout)
        self.assertNotIn("Follow-the-sun", p.stdout)
