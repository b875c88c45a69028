"""Notices of changes (issue #13, docs/notify.md) end to end: the real server, a real SMTP
server on loopback (Debian's python3-aiosmtpd, run by /usr/bin/python3 in
tests/tools/smtp_sink.py), real pushes with the git command line, a webhook receiver on
loopback that checks the signature as docs/notify.md tells customers to."""
import email
import email.policy
import email.utils
import glob
import http.client
import hashlib
import hmac
import http.server
import json
import os
import sys
import re
import signal
import subprocess
import threading
import time
import urllib.parse

from api.test_api import Server, free_port
from helpers import ROOT, git, run, serial

SINK = os.path.join(ROOT, "tests", "tools", "smtp_sink.py")
DEBIAN_PYTHON = "/usr/bin/python3"  # python3-aiosmtpd is Debian's


def new_entry_xml(base, id_, name, announced="2026-11-28", effective="2027-01-05"):
    """A planned entry made from the seed's gladia.xml, announced and in force later."""
    s = base.replace('id="gladia"', 'id="%s"' % id_).replace("Gladia SAS", name)
    s = re.sub(r"<announced>[^<]*</announced>", "<announced>%s</announced>" % announced, s)
    return re.sub(r"<effective>[^<]*</effective>", "<effective>%s</effective>" % effective, s)


class Notify(Server):
    refuse = 0         # the relay refuses this many messages first
    smtp = True
    webhook_allow = True

    def setUp(self):
        self.smtp_port = free_port()
        self.sink = None
        self.mail_dir = None
        super().setUp()

    def serve_args(self):
        args = ["--retry-base", "1"]
        if self.smtp:
            if not self.sink:
                self.start_sink(self.refuse)
            args += ["--smtp", "smtp://127.0.0.1:%d" % self.smtp_port, "--mail-from", "notices@callnex.example"]
        if self.webhook_allow:
            args += ["--webhook-allow", "127.0.0.0/8"]
        return args

    def start_sink(self, refuse=0):
        if not self.mail_dir:
            self.mail_dir = os.path.join(self.tmp, "mail")
        self.sink = subprocess.Popen([DEBIAN_PYTHON, SINK, str(self.smtp_port), self.mail_dir, "--refuse", str(refuse)],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.assertEqual(self.sink.stdout.readline().strip(), "ready")

    def stop_sink(self):
        self.sink.kill()
        self.sink.wait()
        self.sink.stdout.close()

    def tearDown(self):
        try:
            super().tearDown()
        finally:
            if self.sink:
                self.stop_sink()

    # ---- helpers ----

    def mails(self):
        """What the relay received, without settle()'s markers."""
        out = []
        for path in sorted(glob.glob(os.path.join(self.mail_dir or "/nonexistent", "*.eml"))):
            with open(path, "rb") as f:
                m = email.message_from_bytes(f.read(), policy=email.policy.default)
            try:
                with open(path[:-4] + ".env") as f:
                    m.envelope = json.load(f)
            except (OSError, ValueError):
                continue       # the sink is writing it: it is there the next time
            if not m.envelope["to"][0].startswith("settle-"):
                out.append(m)
        return out

    settled = 0

    def settle(self):
        """Wait until the notices thread has done everything it had to do when called: a
        marker subscription (from an address of its own on loopback, so that no rate limit of
        the test's counts it) queues a confirmation, which the thread sends after every notice
        and every confirmation queued before it. Instead of sleeping and hoping that what was
        not sent by then never will be."""
        Notify.settled += 1
        n = Notify.settled
        addr = "settle-%d-%d@example.org" % (os.getpid(), n)
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                       source_address=("127.0.%d.%d" % (1 + n // 250, 1 + n % 250), 0))
        st = self.req("POST", "/v1/subscriptions", body=json.dumps({"email": addr}).encode(),
                      headers={"Content-Type": "application/json"}, conn=c)[0]
        c.close()
        self.assertEqual(st, 202)
        deadline = time.time() + 20
        while time.time() < deadline:
            for path in glob.glob(os.path.join(self.mail_dir, "*.env")):
                with open(path) as f:
                    text = f.read()
                if addr in text:       # (a file being written may be empty yet)
                    return
            time.sleep(0.05)
        self.fail("the marker %s never arrived\n%s" % (addr, self.server_log()[-2000:]))

    def wait_mails(self, n, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = self.mails()
            if len(got) >= n:
                return got
            time.sleep(0.1)
        self.fail("expected %d emails, got %d\n%s" % (n, len(self.mails()), self.server_log()[-3000:]))

    def text(self, m):
        return m.get_body(("plain",)).get_content()

    def link(self, m, prefix):
        found = re.search(r"http://127\.0\.0\.1:%d(%s\S+)" % (self.port, re.escape(prefix)), self.text(m))
        self.assertTrue(found, self.text(m))
        return found.group(1)

    def subscribe(self, addr, lang="en"):
        st, h, doc = self.jreq("POST", "/v1/subscriptions", body=json.dumps({"email": addr, "lang": lang}),
                               headers={"Content-Type": "application/json"})
        self.assertEqual(st, 202, doc)
        return doc

    def subscribe_confirmed(self, addr, lang="en", customer=None):
        body = {"email": addr, "lang": lang}
        if customer:
            body["customer"] = customer
        st, h, doc = self.jreq("POST", "/v1/subscribers", body=json.dumps(body), token=self.editor)
        self.assertIn(st, (200, 201), doc)
        return doc

    def announce(self, id_="deepgram", name="Deepgram BV"):
        """Push a new planned sub-processor with the git command line."""
        clone = os.path.join(self.tmp, "clone")
        if not os.path.isdir(clone):
            git(["clone", "-q", self.repo, clone], cwd=self.tmp)
        git(["pull", "-q", "origin", "main"], cwd=clone)
        with open(os.path.join(clone, "subprocessors", id_ + ".xml"), "w") as f:
            f.write(new_entry_xml(self.seed_xml("gladia"), id_, name))
        git(["add", "."], cwd=clone)
        git(["commit", "-qm", "Announce " + name], cwd=clone)
        p = git(["push", "-q", "origin", "main"], cwd=clone, check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        return git(["rev-parse", "HEAD"], cwd=clone).stdout.strip()

    def notices(self):
        st, h, doc = self.jreq("GET", "/v1/notices", token=self.editor)
        self.assertEqual(st, 200, doc)
        return doc["notices"]

    def wait_notice(self, pred, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            rows = [n for n in self.notices() if pred(n)]
            if rows:
                return rows
            time.sleep(0.1)
        self.fail("no such notice in %s\n%s" % (json.dumps(self.notices(), indent=1), self.server_log()[-2000:]))


class Subscriptions(Notify):
    def test_subscribe_confirm_push_notifies_each_confirmed_subscriber_once(self):
        self.subscribe("dpo@customer-a.example", "fr")
        self.subscribe("never@customer-b.example", "en")      # never confirms
        self.subscribe("leaves@customer-c.example", "nl")     # confirms, then unsubscribes
        confirmations = self.wait_mails(3)
        by_to = {m.envelope["to"][0]: m for m in confirmations}
        self.assertEqual(set(by_to), {"dpo@customer-a.example", "never@customer-b.example", "leaves@customer-c.example"})
        fr = by_to["dpo@customer-a.example"]
        self.assertIn("confirmez", fr["Subject"])
        self.assertEqual(fr["Content-Language"], "fr")
        # a GET (a mail scanner following the link) shows a page and confirms nothing
        path = self.link(fr, "/subscriptions/confirm/")
        st, h, page = self.req("GET", path)
        self.assertEqual(st, 200)
        self.assertIn(b'method="post"', page)
        self.assertIn("form-action 'self'", h["content-security-policy"])
        self.assertEqual(h["referrer-policy"], "no-referrer")
        subs = {s["email"]: s for s in self.jreq("GET", "/v1/subscribers", token=self.editor)[2]["subscribers"]}
        self.assertIsNone(subs["dpo@customer-a.example"]["confirmed"])
        # the POST to the link's URL confirms; a replay is a clear 410
        self.assertEqual(self.req("POST", path)[0], 200)
        self.assertEqual(self.req("POST", path)[0], 410)
        leave = by_to["leaves@customer-c.example"]
        self.assertEqual(self.req("POST", self.link(leave, "/subscriptions/confirm/"))[0], 200)
        # RFC 8058 one-click unsubscribe: POST List-Unsubscribe=One-Click to the header's URL
        self.assertEqual(leave["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        unsub = urllib.parse.urlsplit(leave["List-Unsubscribe"].strip("<>")).path
        st, h, _ = self.req("POST", unsub, body=b"List-Unsubscribe=One-Click",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(st, 200)

        rev = self.announce()
        got = self.wait_mails(4)
        self.settle()  # nothing more may come: not to the unconfirmed, the unsubscribed, nor twice
        got = self.mails()
        self.assertEqual(len(got), 4, [m["To"] for m in got])
        m = got[3]
        self.assertEqual(m.envelope["to"], ["dpo@customer-a.example"])
        self.assertEqual(m.envelope["from"], "notices@callnex.example")
        self.assertEqual(m["To"], "dpo@customer-a.example")
        self.assertIn("notices@callnex.example", m["From"])
        self.assertIn("CallNex BV", m["From"])
        self.assertIn("sous-traitants ultérieurs", m["Subject"])   # RFC 2047, decoded by Python
        self.assertRegex(m["Message-ID"], r"^<[^<>@\s]+@callnex\.example>$")
        self.assertLess(abs(email.utils.parsedate_to_datetime(m["Date"]).timestamp() - time.time()), 120)
        self.assertEqual(m.get_content_type(), "multipart/alternative")
        self.assertEqual(m["MIME-Version"], "1.0")
        self.assertEqual([p.get_content_type() for p in m.iter_parts()], ["text/plain", "text/html"])
        for p in m.iter_parts():
            self.assertEqual(p.get_content_charset(), "utf-8")
        self.assertEqual(m["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        self.assertTrue(m["List-Unsubscribe"].startswith("<http://127.0.0.1:%d/unsubscribe/" % self.port))
        body = self.text(m)
        self.assertIn("Deepgram BV", body)
        self.assertIn("2027-01-05", body)             # from when
        self.assertIn("Délai de préavis", body)        # the notice period, in French
        # the change in the subscriber's words, as the page says them (#24 item 2, 3)
        self.assertIn("Nouveau\u00a0: Deepgram BV \u2013 ", body)
        self.assertIn("nouveau lieu de traitement\u00a0: France (traitement) (en vigueur le 5\u00a0janvier 2027)", body)
        self.assertIn("/objections/", body)
        self.assertIn("http://127.0.0.1:%d/?lang=fr" % self.port, body)
        self.assertIn("Deepgram BV", m.get_body(("html",)).get_content())
        # the proof of notice names it, with the relay's answer and the Message-ID
        rows = [n for n in self.notices() if n["channel"] == "email"]
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(rows[0]["recipient"], "dpo@customer-a.example")
        self.assertEqual(rows[0]["status"], "sent")
        self.assertEqual(rows[0]["to"], rev)
        self.assertTrue(rows[0]["response"].startswith("250"), rows[0])
        self.assertEqual("<%s>" % rows[0]["message_id"], m["Message-ID"])
        p = run(["notices", "--state", self.state, "--format", "json"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(rows[0]["message_id"], p.stdout)
        p = run(["notices", "--state", self.state])
        self.assertTrue(p.stdout.startswith("id,changeset,from,to,channel,recipient"), p.stdout)
        self.assertIn("dpo@customer-a.example", p.stdout)

    def test_subscribe_from_the_page(self):
        # the page offers the form, in its language, and lets it post to this server only
        st, h, page = self.req("GET", "/?lang=fr")
        self.assertEqual(st, 200)
        self.assertIn("form-action 'self'", h["content-security-policy"])
        page = page.decode()
        self.assertIn('<form method="post" action="/subscribe">', page)
        self.assertIn('<input type="hidden" name="lang" value="fr">', page)
        self.assertIn("s\u2019opposer \u00e0 un changement", page)          # how a customer objects
        own = "http://127.0.0.1:%d" % self.port
        form = {"Content-Type": "application/x-www-form-urlencoded", "Origin": own}
        st, h, doc = self.req("POST", "/subscribe", body=b"lang=fr&email=dpo%40page.example", headers=form)
        self.assertEqual(st, 200, doc)
        self.assertEqual(h["content-language"], "fr")
        self.assertIn('<html lang="fr"', doc.decode())
        self.assertIn("V\u00e9rifiez votre bo\u00eete de r\u00e9ception", doc.decode())
        m = self.wait_mails(1)[0]
        self.assertEqual(m.envelope["to"], ["dpo@page.example"])
        self.assertEqual(m["Content-Language"], "fr")
        # the pages behind the links speak the subscriber's language and name the company
        # (#24 item 3); what is stored is shown in words, not as JSON
        st, _, doc = self.req("GET", self.link(m, "/subscriptions/confirm/"))
        self.assertEqual(st, 200)
        doc = doc.decode()
        self.assertIn('<html lang="fr"', doc)
        self.assertIn("Confirmez votre abonnement", doc)
        self.assertIn("sous-traitants ult\u00e9rieurs de CallNex BV", doc)
        self.assertIn("Confirmer mon abonnement", doc)
        unsub = urllib.parse.urlsplit(m["List-Unsubscribe"].strip("<>")).path
        doc = self.req("GET", unsub)[2].decode()
        self.assertIn("Voici tout ce que CallNex BV conserve sur votre abonnement", doc)
        self.assertIn("<dt>Adresse</dt><dd>dpo@page.example</dd>", doc)
        self.assertNotIn("{", doc)
        self.assertEqual(self.req("POST", self.link(m, "/subscriptions/confirm/"))[0], 200)
        subs = {s["email"]: s for s in self.jreq("GET", "/v1/subscribers", token=self.editor)[2]["subscribers"]}
        self.assertIsNotNone(subs["dpo@page.example"]["confirmed"])
        self.assertEqual(subs["dpo@page.example"]["lang"], "fr")
        # a form of another site, or a post that does not say where it comes from: refused
        for origin in ("https://evil.example", None):
            hdr = {"Content-Type": "application/x-www-form-urlencoded"}
            if origin:
                hdr["Origin"] = origin
            st, _, doc = self.req("POST", "/subscribe", body=b"lang=en&email=victim%40other.example", headers=hdr)
            self.assertEqual(st, 403, doc)
        st, _, doc = self.req("POST", "/subscribe", body=b"lang=nl&email=not-an-address", headers=form)
        self.assertEqual(st, 400)
        self.assertIn("Dit adres kan niet worden gebruikt", doc.decode())
        self.settle()
        self.assertEqual([m.envelope["to"] for m in self.mails()], [["dpo@page.example"]])

    def test_api_write_notifies_too_and_internal_edits_do_not(self):
        self.subscribe_confirmed("legal@customer.example", customer="Customer NV")
        # an internal-only edit (the internal note) changes nothing customers see
        xml = self.seed_xml("gladia").replace("Pilot with two customers first", "Pilot with three customers first")
        st, h, doc = self.put("gladia", xml)
        self.assertEqual(st, 200, doc)
        st, h, doc = self.put("deepgram", new_entry_xml(self.seed_xml("gladia"), "deepgram", "Deepgram BV"),
                              headers={"If-None-Match": "*"})
        self.assertEqual(st, 201, doc)
        got = self.wait_mails(1)
        self.settle()
        got = self.mails()
        self.assertEqual(len(got), 1, [self.text(m) for m in got])
        self.assertIn("Deepgram BV", self.text(got[0]))
        self.assertNotIn("Gladia", self.text(got[0]))
        self.assertEqual(got[0]["Content-Language"], "en")

    def test_a_burst_of_writes_is_one_notice(self):
        # the debounce: writes within a couple of seconds seal one change set, and an entry
        # announced and withdrawn within the burst is never notified
        self.subscribe_confirmed("burst@customer.example")
        xml = self.seed_xml("mistral")
        for i in range(6):
            st, _, doc = self.put("mistral", xml.replace("</purpose>", " (burst %d)</purpose>" % i, 1))
            self.assertIn(st, (200, 201), doc)
        self.assertEqual(self.put("flash", new_entry_xml(self.seed_xml("gladia"), "flash", "Flash Ltd"))[0], 201)
        self.assertEqual(self.jreq("DELETE", "/v1/subprocessors/flash", token=self.editor)[0], 204)
        self.wait_notice(lambda n: n["recipient"] == "burst@customer.example")
        sets = {n["changeset"] for n in self.notices() if n["recipient"] == "burst@customer.example"}
        self.assertEqual(len(sets), 1, self.notices())
        m = self.wait_mails(1)[0]
        self.assertNotIn("Flash Ltd", self.text(m))

    def test_a_removal_never_shortens_the_objection_period(self):
        # one commit retires a vendor as of yesterday and announces another: the objection
        # period is the addition's (#21 item 1)
        self.subscribe_confirmed("dpo@mixed.example")
        clone = os.path.join(self.tmp, "clone")
        git(["clone", "-q", self.repo, clone], cwd=self.tmp)
        path = os.path.join(clone, "subprocessors", "hetzner.xml")
        with open(path) as f:
            body = f.read()
        with open(path, "w") as f:
            f.write(body.replace("<status>active</status>", "<status>retired</status>").replace(
                "</effective>", "</effective>\n  <retired>2026-11-27</retired>", 1))
        with open(os.path.join(clone, "subprocessors", "deepgram.xml"), "w") as f:
            f.write(new_entry_xml(self.seed_xml("gladia"), "deepgram", "Deepgram BV"))
        git(["add", "."], cwd=clone)
        git(["commit", "-qm", "Retire Hetzner, announce Deepgram"], cwd=clone)
        p = git(["push", "-q", "origin", "main"], cwd=clone, check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        m = self.wait_mails(1)[0]
        text = self.text(m)
        self.assertIn("Hetzner", text)
        self.assertNotIn("-1 day", text)
        self.assertNotIn("2026-11-27", text.split("object")[-1] if "object" in text else "")
        st, h, page = self.req("GET", self.link(m, "/objections/"))
        self.assertEqual(st, 200, page[:300])                # open, not 410 on arrival

    def test_objection_through_the_emailed_link(self):
        self.subscribe_confirmed("dpo@objector.example", customer="Objector SA")
        self.announce()
        m = self.wait_mails(1)[0]
        path = self.link(m, "/objections/")
        st, h, page = self.req("GET", path)
        self.assertEqual(st, 200)
        self.assertIn(b"Deepgram BV", page)
        self.assertIn(b"<textarea", page)
        # a comment that tries to forge a row, a formula and a terminal escape
        hostile = "We do not accept US access for call audio.\n2026-01-01\tforged row\x1b]0;pwned\x07"
        form = urllib.parse.urlencode({"comment": "=HYPERLINK(1) " + hostile}).encode()
        hdr = {"Content-Type": "application/x-www-form-urlencoded"}
        self.assertEqual(self.req("POST", path, body=form, headers=hdr)[0], 201)
        self.assertEqual(self.req("POST", path, body=form, headers=hdr)[0], 410)       # single use
        forged = path[:-1] + ("0" if path[-1] != "0" else "1")
        self.assertEqual(self.req("POST", forged, body=form, headers=hdr)[0], 404)
        self.assertEqual(self.req("GET", "/objections/o1-999-" + "0" * 32)[0], 404)
        self.assertEqual(self.req("GET", "/objections/../../etc/passwd")[0], 404)
        st, h, doc = self.jreq("GET", "/v1/objections", token=self.editor)
        self.assertEqual(st, 200)
        self.assertEqual(len(doc["objections"]), 1)
        o = doc["objections"][0]
        self.assertEqual(o["email"], "dpo@objector.example")
        self.assertEqual(o["customer"], "Objector SA")
        self.assertTrue(o["comment"].startswith("=HYPERLINK(1) We do not accept US access for call audio."), o)
        self.assertEqual(o["items"][0]["id"], "deepgram")
        self.assertEqual(self.jreq("GET", "/v1/objections", token=self.reader)[0], 403)
        self.assertEqual(self.jreq("GET", "/v1/objections")[0], 401)
        p = run(["objections", "--state", self.state, "--format", "csv"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Objector SA", p.stdout)
        self.assertIn("'=HYPERLINK(1)", p.stdout)        # never a formula in a spreadsheet
        p = run(["objections", "--state", self.state])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.splitlines()), 1, p.stdout)   # one objection, one line
        self.assertNotIn("\x1b", p.stdout)
        self.assertNotIn("\x07", p.stdout)
        self.assertIn("forged row", p.stdout)

    def test_a_huge_change_set_makes_a_bounded_email(self):
        # a push of ~21,000 entries made an email over common relay limits (#21 item 8)
        self.subscribe_confirmed("big@customer.example")
        clone = os.path.join(self.tmp, "clone")
        git(["clone", "-q", self.repo, clone], cwd=self.tmp)
        for i in range(150):
            with open(os.path.join(clone, "subprocessors", "bulk%03d.xml" % i), "w") as f:
                f.write(new_entry_xml(self.seed_xml("gladia"), "bulk%03d" % i, "Bulk Vendor %03d" % i))
        git(["add", "."], cwd=clone)
        git(["commit", "-qm", "150 vendors"], cwd=clone)
        self.assertEqual(git(["push", "-q", "origin", "main"], cwd=clone, check=False).returncode, 0)
        m = self.wait_mails(1, timeout=60)[0]
        text = self.text(m)
        self.assertIn("and 50 more changes", text)
        self.assertEqual(text.count("Bulk Vendor"), 100)
        self.assertLess(len(m.as_bytes()), 200000)

    def test_the_proof_of_notice_is_paged(self):
        # one unpaged answer was 10 MB for 30,000 deliveries (#21 item 8)
        for i in range(3):
            self.subscribe_confirmed("page%d@customer.example" % i)
        self.announce()
        self.wait_notice(lambda n: len(self.notices()) >= 3)
        st, _, first = self.jreq("GET", "/v1/notices?limit=2", token=self.editor)
        self.assertEqual((st, len(first["notices"])), (200, 2))
        st, _, rest = self.jreq("GET", "/v1/notices?limit=2&after=" + first["next"], token=self.editor)
        self.assertEqual((st, len(rest["notices"])), (200, 1))
        self.assertNotIn("next", rest)
        ids = [n["id"] for n in first["notices"] + rest["notices"]]
        self.assertEqual(len(set(ids)), 3)
        for bad in ("limit=0", "limit=1001", "after=x", "limit="):
            self.assertEqual(self.jreq("GET", "/v1/notices?" + bad, token=self.editor)[0], 400, bad)

    def test_see_and_erase_what_is_stored(self):
        self.subscribe_confirmed("erase.me@customer.example")
        self.announce()
        m = self.wait_mails(1)[0]
        self.wait_notice(lambda n: n["status"] == "sent")
        path = urllib.parse.urlsplit(m["List-Unsubscribe"].strip("<>")).path
        st, h, page = self.req("GET", path)
        self.assertEqual(st, 200)
        self.assertIn(b"erase.me@customer.example", page)     # what is stored, shown to its subject
        st, h, page = self.req("POST", path, body=b"action=erase",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(st, 200)
        self.assertEqual(self.req("GET", path)[0], 404)          # gone
        subs = self.jreq("GET", "/v1/subscribers", token=self.editor)[2]["subscribers"]
        self.assertEqual(subs, [])
        digest = hashlib.sha256(b"erase.me@customer.example").hexdigest()
        rows = self.notices()
        self.assertEqual([r["recipient"] for r in rows], ["erased:" + digest])
        self.assertNotIn("erase.me", json.dumps(rows))

    def test_hostile_addresses_are_refused_and_nothing_is_sent(self):
        hdr = {"Content-Type": "application/json"}
        bad = ["victim@example.com\r\nBcc: everyone@example.com", "a@b.example\nSubject: hi",
               "x" * 65 + "@example.com", "a@" + "b" * 250 + ".example", "no-at-sign.example",
               "two@@example.com", "spa ce@example.com", "<a@example.com>", "é@example.com", "a@example"]
        for addr in bad:   # 10: the allowance of one client address
            st, h, doc = self.jreq("POST", "/v1/subscriptions", body=json.dumps({"email": addr}), headers=hdr)
            self.assertEqual(st, 400, (addr, doc))
            self.assertIn("email", doc["error"]["message"])
        # garbage counts against the allowance too: a flood of it is cut off
        st, h, doc = self.jreq("POST", "/v1/subscriptions", body=json.dumps({"email": "ok@example.com"}), headers=hdr)
        self.assertEqual(st, 429)
        self.assertGreater(int(h["retry-after"]), 0)
        self.settle()
        self.assertEqual(self.mails(), [])

    def test_bad_bodies_and_editor_fields(self):
        hdr = {"Content-Type": "application/json"}
        for body in (b"{", b"[]", b'{"email": 5}', json.dumps({"email": "ok@example.com", "lang": "de"}).encode()):
            self.assertEqual(self.req("POST", "/v1/subscriptions", body=body, headers=hdr)[0], 400, body)
        st, h, doc = self.jreq("POST", "/v1/subscribers", token=self.editor,
                               body=json.dumps({"email": "ok@example.com", "customer": "Evil\r\nBcc: x@y.example"}))
        self.assertEqual(st, 400)
        st, h, doc = self.jreq("POST", "/v1/subscribers", token=self.editor,
                               body=b'{"email": "ok@example.com", "customer": "bad \xff\xfe utf-8"}')
        self.assertEqual(st, 400, doc)
        self.assertEqual(self.jreq("POST", "/v1/subscribers", token=self.reader, body="{}")[0], 403)
        self.assertEqual(self.jreq("GET", "/v1/subscribers")[0], 401)
        self.assertEqual(self.jreq("GET", "/v1/notices", token=self.reader)[0], 403)
        self.assertEqual(self.jreq("GET", "/v1/notices?since=yesterday", token=self.editor)[0], 400)
        self.assertEqual(self.jreq("DELETE", "/v1/subscribers/abc", token=self.editor)[0], 400)
        self.assertEqual(self.jreq("DELETE", "/v1/subscribers/99", token=self.editor)[0], 404)
        self.settle()
        self.assertEqual(self.mails(), [])

    def test_a_flood_of_subscriptions_is_cut_off(self):
        hdr = {"Content-Type": "application/json"}
        codes = [self.req("POST", "/v1/subscriptions", body=json.dumps({"email": "flood%d@example.com" % i}).encode(),
                          headers=hdr) for i in range(14)]
        statuses = [c[0] for c in codes]
        self.assertEqual(statuses, [202] * 10 + [429] * 4)
        self.assertGreater(int(codes[-1][1]["retry-after"]), 0)
        # without --trust-proxy, X-Forwarded-For is anyone's to forge: ignored
        spoof = dict(hdr, **{"X-Forwarded-For": "203.0.113.99"})
        self.assertEqual(self.req("POST", "/v1/subscriptions", body=b'{"email": "spoof@example.com"}', headers=spoof)[0], 429)
        sent = self.wait_mails(10)
        self.settle()
        sent = self.mails()
        self.assertEqual(sorted(m.envelope["to"][0] for m in sent), sorted("flood%d@example.com" % i for i in range(10)))

    def test_an_owner_name_with_a_comma_is_one_mailbox(self):
        # "Example, Inc." unquoted in From: is two mailboxes to every mail reader (#23 item 7)
        self.subscribe_confirmed("from@customer.example")
        clone = os.path.join(self.tmp, "clone")
        git(["clone", "-q", self.repo, clone], cwd=self.tmp)
        path = os.path.join(clone, "registry.xml")
        with open(path) as f:
            body = f.read()
        with open(path, "w") as f:
            f.write(body.replace(">CallNex BV</owner>", ">CallNex, Inc. (\"Voice\")</owner>"))
        git(["commit", "-qam", "Owner renamed"], cwd=clone)
        self.assertEqual(git(["push", "-q", "origin", "main"], cwd=clone, check=False).returncode, 0)
        self.announce()
        m = self.wait_mails(1)[0]
        import email.utils
        addrs = email.utils.getaddresses([m["From"]])
        self.assertEqual(len(addrs), 1, m["From"])
        self.assertEqual(addrs[0], ('CallNex, Inc. ("Voice")', "notices@callnex.example"))

    def test_only_json_subscribes(self):
        # a form on any site could post text/plain without a CORS preflight (#21 item 9)
        for ctype in ("text/plain", "application/x-www-form-urlencoded", None):
            hdr = {"Content-Type": ctype} if ctype else {}
            st = self.req("POST", "/v1/subscriptions", body=json.dumps({"email": "csrf@example.com"}).encode(),
                          headers=hdr)[0]
            self.assertEqual(st, 415, ctype)
        self.assertEqual(self.req("POST", "/v1/subscriptions", body=json.dumps({"email": "json@example.com"}).encode(),
                                  headers={"Content-Type": "application/json; charset=utf-8"})[0], 202)
        self.wait_mails(1)
        self.assertEqual([m.envelope["to"][0] for m in self.mails()], ["json@example.com"])

    def test_a_long_address_is_limited_like_any_other(self):
        # a rate-limit key of 80 bytes or more used to be stored cut and never matched (#21 item 3)
        hdr = {"Content-Type": "application/json"}
        addr = "a" * 60 + "@" + "b" * 40 + ".example"
        statuses = [self.req("POST", "/v1/subscriptions", body=json.dumps({"email": addr}).encode(),
                             headers=hdr)[0] for _ in range(5)]
        self.assertEqual(statuses, [202, 202, 202, 429, 429])

    def test_one_address_cannot_be_flooded_with_confirmations(self):
        hdr = {"Content-Type": "application/json"}
        statuses = [self.req("POST", "/v1/subscriptions", body=json.dumps({"email": "target@example.com"}).encode(),
                             headers=hdr)[0] for _ in range(5)]
        self.assertEqual(statuses, [202, 202, 202, 429, 429])
        self.settle()
        self.assertLessEqual(len(self.mails()), 3)

    def test_forged_and_replayed_confirmation_tokens(self):
        self.subscribe("someone@example.com")
        m = self.wait_mails(1)[0]
        path = self.link(m, "/subscriptions/confirm/")
        tok = path.rsplit("/", 1)[1]
        for forged in ("c1-0-" + "0" * 32, "c2-0-" + tok[-32:], "u" + tok[1:], "c1-0-" + tok[-32:].upper(), "x", "",
                       "c1-0-" + tok[-32:] + "0", "c99999999999999999999-0-" + tok[-32:]):
            st, h, page = self.req("POST", "/subscriptions/confirm/" + forged)
            self.assertEqual(st, 404, forged)
        self.assertEqual(self.req("POST", path)[0], 200)
        self.assertEqual(self.req("POST", path)[0], 410)
        # whatever the method or answer: OPTIONS, a trailing slash, a bad token header (#21 item 9)
        self.req("OPTIONS", path)
        self.req("GET", path + "/")
        self.req("GET", path, headers={"Authorization": "Bearer nonsense"})
        self.req("GET", "/objections/" + tok)
        self.assertNotIn(tok, self.server_log())   # tokens act for people: never in the log
        self.assertNotIn(tok[-32:], self.server_log())


class RelayRefuses(Notify):
    refuse = 2

    def test_refused_twice_then_delivered_once(self):
        self.subscribe_confirmed("dpo@customer.example")
        self.announce()
        m = self.wait_mails(1, timeout=30)[0]
        self.assertEqual(m.envelope["to"], ["dpo@customer.example"])
        row = self.wait_notice(lambda n: n["channel"] == "email" and n["status"] == "sent")[0]
        self.assertEqual(row["attempts"], 3)
        self.assertTrue(row["response"].startswith("250"), row)
        # the retention of proof is the operator's: records of finished change sets go
        p = run(["notices", "--purge-before", "2000-01-01", "--state", self.state])
        self.assertIn("Removed 0 ", p.stdout)
        p = run(["notices", "--purge-before", "2999-01-01", "--state", self.state])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Removed 1 ", p.stdout)
        self.assertEqual(self.notices(), [])
        self.settle()
        self.assertEqual(len(self.mails()), 1)      # and it was sent once


class Durability(Notify):
    def test_sigkill_between_commit_and_delivery_delivers_after_restart_once(self):
        self.subscribe_confirmed("dpo@customer.example")
        self.stop_sink()            # the relay is down: the delivery stays in the outbox
        self.sink = None
        self.announce()
        self.wait_notice(lambda n: n["channel"] == "email" and n["status"] == "pending" and n["attempts"] >= 1)
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.start_sink()
        self.start()
        got = self.wait_mails(1)
        self.settle()
        got = self.mails()
        self.assertEqual(len(got), 1)
        rows = [n for n in self.notices() if n["channel"] == "email"]
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["status"], "sent")

    def test_sigkill_before_the_change_set_is_recorded(self):
        """A push while the server is down: found again from the cursor at the next start."""
        self.subscribe_confirmed("dpo@customer.example")
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.announce()
        self.start()
        self.assertEqual(len(self.wait_mails(1)), 1)
        self.settle()
        self.assertEqual(len(self.mails()), 1)


class Receiver(http.server.BaseHTTPRequestHandler):
    """A customer's webhook endpoint: verifies the signature as docs/notify.md shows."""
    fail_first = 1

    def do_POST(self):
        srv = self.server
        body = self.rfile.read(int(self.headers["Content-Length"]))
        sig = dict(kv.split("=", 1) for kv in self.headers["X-Subreg-Signature"].split(","))
        want = hmac.new(srv.secret.encode(), sig["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(want, sig["v1"]) and abs(time.time() - int(sig["t"])) < 300
        srv.got.append({"ok": ok, "body": json.loads(body), "delivery": self.headers["X-Subreg-Delivery"],
                        "event": self.headers["X-Subreg-Event"]})
        status = 500 if len(srv.got) <= srv.fail_first else (200 if ok else 401)
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"thanks" if status == 200 else b"try again")

    def log_message(self, *a):
        pass


class Webhooks(Notify):
    smtp = False

    def receiver(self, fail_first=1):
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        srv.got, srv.secret, srv.fail_first = [], "", fail_first
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.addCleanup(srv.server_close)
        self.addCleanup(srv.shutdown)
        return srv

    def test_signed_webhook_retried_after_a_failure(self):
        srv = self.receiver(fail_first=1)
        url = "http://127.0.0.1:%d/hooks/subreg" % srv.server_address[1]
        st, h, doc = self.jreq("POST", "/v1/webhooks", token=self.editor,
                               body=json.dumps({"url": url, "customer": "Customer NV"}))
        self.assertEqual(st, 201, doc)
        self.assertTrue(doc["secret"].startswith("whsec_"))
        srv.secret = doc["secret"]
        listed = self.jreq("GET", "/v1/webhooks", token=self.editor)[2]["webhooks"]
        self.assertEqual([w["url"] for w in listed], [url])
        self.assertNotIn("secret", json.dumps(listed))
        rev = self.announce()
        deadline = time.time() + 20
        while time.time() < deadline and len(srv.got) < 2:
            time.sleep(0.1)
        self.assertEqual(len(srv.got), 2, self.server_log()[-2000:])
        self.assertTrue(all(g["ok"] for g in srv.got), srv.got)
        self.assertEqual(srv.got[0]["delivery"], srv.got[1]["delivery"])   # one idempotency key
        body = srv.got[1]["body"]
        self.assertEqual(srv.got[1]["event"], "subprocessors.changed")
        self.assertEqual(body["type"], "subprocessors.changed")
        self.assertEqual(body["changeset"]["to"], rev)
        self.assertEqual(body["changeset"]["items"][0]["id"], "deepgram")
        self.assertEqual(body["changeset"]["items"][0]["change"], "added")
        row = self.wait_notice(lambda n: n["channel"] == "webhook" and n["status"] == "sent")[0]
        self.assertEqual(row["attempts"], 2)
        self.assertTrue(row["response"].startswith("HTTP 200"), row)
        self.assertEqual(len(srv.got), 2)   # sent after two attempts: two POSTs, and never again
        self.assertEqual(self.req("DELETE", "/v1/webhooks/%d" % doc["id"], token=self.editor)[0], 204)
        self.assertEqual(self.req("DELETE", "/v1/webhooks/%d" % doc["id"], token=self.editor)[0], 404)

    def test_emails_wait_without_a_relay_and_compliance_says_so(self):
        p = run(["subscribers", "add", "dpo@customer.example", "--customer", "Customer NV", "--state", self.state])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.announce()
        self.wait_notice(lambda n: n["channel"] == "email")
        st, h, doc = self.jreq("GET", "/v1/compliance", token=self.reader)
        self.assertEqual(st, 200)
        unsent = [f for f in doc["findings"] if f["rule"] == "notice-unsent"]
        self.assertEqual(len(unsent), 1, doc["findings"])
        self.assertEqual(unsent[0]["entry"], "deepgram")
        self.assertEqual(unsent[0]["severity"], "warning")
        self.assertIn("1 of its 1", unsent[0]["message"])
        self.assertIn("waiting in the outbox", self.server_log())


class BehindAProxy(Notify):
    """--trust-proxy: behind the recommended reverse proxy every client has the proxy's
    address; X-Forwarded-For from the trusted range names the client (#21 item 4)."""

    def serve_args(self):
        return super().serve_args() + ["--trust-proxy", "127.0.0.0/8"]

    def post(self, client):
        return self.req("POST", "/v1/subscriptions", body=json.dumps({"email": "x%s@example.com" % time.time()}).encode(),
                        headers={"Content-Type": "application/json", "X-Forwarded-For": "198.51.100.7, " + client})[0]

    def test_one_client_behind_the_proxy_does_not_lock_out_the_others(self):
        self.assertEqual([self.post("203.0.113.5") for _ in range(11)], [202] * 10 + [429])
        self.assertEqual(self.post("203.0.113.6"), 202)      # another client still subscribes
        # the nearest untrusted address counts: a client cannot pick its own by prepending
        self.assertEqual(self.post("203.0.113.5"), 429)

    @serial
    def test_the_answer_time_tells_nobody_who_is_subscribed(self):
        """#21 item 6: the answer to a subscription request took 1 ms for a confirmed address
        and 3-5 ms for another (a flushed write): a classifier told them apart 98-100 % of the
        time. A threshold learnt on half the samples must be right at most 60 % of the time on
        the other half."""
        import random
        n = 120
        confirmed = ["known%d@customer.example" % i for i in range(n)]
        for a in confirmed:
            self.subscribe_confirmed(a)
        fresh = ["new%d@customer.example" % i for i in range(n)]
        trials = [(a, 1) for a in confirmed] + [(a, 0) for a in fresh]
        random.Random(21).shuffle(trials)
        times = []
        for i, (addr, known) in enumerate(trials):
            body = json.dumps({"email": addr}).encode()
            hdr = {"Content-Type": "application/json", "X-Forwarded-For": "203.0.%d.%d" % (i // 200, i % 200 + 1)}
            t0 = time.perf_counter()
            st = self.req("POST", "/v1/subscriptions", body=body, headers=hdr)[0]
            times.append((time.perf_counter() - t0, known))
            self.assertEqual(st, 202)
        learn, judge = times[0::2], times[1::2]
        def accuracy(th, rows):
            # either direction: the classifier may learn that the known answer faster or slower
            right = sum(1 for t, k in rows if (t < th) == bool(k))
            return max(right, len(rows) - right) / len(rows)
        best = max(sorted(t for t, _ in learn), key=lambda th: accuracy(th, learn))
        right = sum(1 for t, k in judge if (t < best) == bool(k))
        # the direction too is learnt on the first half
        learnt_fast = sum(1 for t, k in learn if (t < best) == bool(k)) >= len(learn) / 2
        acc = (right if learnt_fast else len(judge) - right) / len(judge)
        self.assertLessEqual(acc, 0.6, "a classifier tells subscribed addresses apart %.0f %% of the time" % (acc * 100))
        # and the work is still done: each fresh address gets its confirmation, no known one does
        # (were a known address mailed, a fresh one would be missing among the first n)
        to = sorted(m.envelope["to"][0] for m in self.wait_mails(n, timeout=30))
        self.assertEqual(to, sorted(fresh))


class StalledRelay(Notify):
    """An SMTP relay that accepts the connection and then says nothing: emails wait on it,
    webhooks do not (#20 item 8)."""
    smtp = False          # the relay below is a black hole, not the sink
    receiver = Webhooks.receiver

    def serve_args(self):
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
        from fault_proxy import FaultProxy
        self.stall = FaultProxy(1)
        self.stall.mode = "stall"
        self.addCleanup(self.stall.close)
        return super().serve_args() + ["--smtp", "smtp://127.0.0.1:%d" % self.stall.port,
                                       "--mail-from", "notices@callnex.example"]

    def test_a_stalled_relay_never_holds_webhooks(self):
        self.subscribe_confirmed("waiting@customer.example")
        srv = self.receiver(fail_first=0)
        url = "http://127.0.0.1:%d/hooks/subreg" % srv.server_address[1]
        st, h, doc = self.jreq("POST", "/v1/webhooks", token=self.editor, body=json.dumps({"url": url}))
        self.assertEqual(st, 201, doc)
        srv.secret = doc["secret"]
        t0 = time.time()
        self.announce()
        while time.time() - t0 < 10 and not srv.got:
            time.sleep(0.05)
        self.assertEqual(len(srv.got), 1, self.server_log()[-2000:])
        self.assertLess(time.time() - t0, 8)          # the email is stuck on the relay meanwhile
        self.assertTrue(self.stall.held)              # (it is: the relay holds its connection)
        # and a shutdown does not wait for the relay (it took 168 s)
        t0 = time.time()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        self.assertLess(time.time() - t0, 5)


class WebhookPolicy(Notify):
    smtp = False
    webhook_allow = False

    def test_internal_destinations_are_refused_by_default(self):
        for url in ("http://127.0.0.1:9/x", "http://localhost:9/x", "http://10.1.2.3/x", "http://169.254.169.254/latest",
                    "http://[::1]:9/x", "http://192.168.1.1/", "http://100.64.0.1/"):
            st, h, doc = self.jreq("POST", "/v1/webhooks", token=self.editor, body=json.dumps({"url": url}))
            self.assertEqual(st, 400, (url, doc))
            self.assertIn("--webhook-allow", doc["error"]["message"])
        for url in ("ftp://example.com/x", "file:///etc/passwd", "gopher://example.com/", "not a url", "http://"):
            st, h, doc = self.jreq("POST", "/v1/webhooks", token=self.editor, body=json.dumps({"url": url}))
            self.assertEqual(st, 400, (url, doc))
        self.assertEqual(self.jreq("GET", "/v1/webhooks", token=self.editor)[2]["webhooks"], [])
        self.assertEqual(self.jreq("POST", "/v1/webhooks", body=json.dumps({"url": "http://example.com/"}))[0], 401)


class NoticeCli(Notify):
    smtp = False

    def test_subscribers_add_list_remove(self):
        st = ["--state", self.state]
        p = run(["subscribers", "add", "Legal@Customer.example", "--customer", "Customer NV", "--lang", "nl"] + st)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = run(["subscribers", "list", "--format", "json"] + st)
        rows = json.loads(p.stdout)
        self.assertEqual([(r["email"], r["lang"], r["customer"]) for r in rows], [("Legal@Customer.example", "nl", "Customer NV")])
        self.assertIsNotNone(rows[0]["confirmed"])
        # the API sees it at once
        subs = self.jreq("GET", "/v1/subscribers", token=self.editor)[2]["subscribers"]
        self.assertEqual(subs[0]["email"], "Legal@Customer.example")
        p = run(["subscribers", "add", "bad\r\nBcc: x@y.example"] + st)
        self.assertEqual(p.returncode, 2)
        self.assertIn("line break", p.stderr)
        p = run(["subscribers", "add", "a@b.example", "--lang", "de"] + st)
        self.assertEqual(p.returncode, 2)
        p = run(["subscribers", "remove", "legal@customer.example"] + st)     # addresses match without case
        self.assertEqual(p.returncode, 0, p.stderr)
        p = run(["subscribers", "remove", "legal@customer.example"] + st)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no subscriber", p.stderr)
        self.assertEqual(json.loads(run(["subscribers", "list", "--format", "json"] + st).stdout), [])
        p = run(["notices", "--since", "not-a-date"] + st)
        self.assertEqual(p.returncode, 2)
        p = run(["notices", "--since", "2026-01-01", "--format", "json"] + st)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), [])
        p = run(["notices", "--state", os.path.join(self.tmp, "nowhere")])
        self.assertEqual(p.returncode, 2)
        for cmd in ("subscribers", "notices", "objections"):
            p = run([cmd, "--help"])
            self.assertEqual(p.returncode, 0)
            self.assertIn("usage: subreg " + cmd, p.stdout)

    def test_the_command_line_and_the_server_see_each_others_writes(self):
        """Regression: opening the database file with open()+close() dropped the server's
        POSIX locks on it; a command closing its connection then deleted the WAL the server
        was still writing to, and what the server wrote next was seen by nobody else."""
        st = ["--state", self.state]
        for i in range(3):
            self.subscribe_confirmed("api%d@customer.example" % i)
            rows = json.loads(run(["subscribers", "list", "--format", "json"] + st).stdout)
            self.assertEqual(len(rows), i + 1, rows)
        self.assertTrue(os.path.exists(os.path.join(self.state, "notify.sqlite-wal")))
        self.assertEqual(os.stat(os.path.join(self.state, "notify.sqlite")).st_mode & 0o777, 0o600)
