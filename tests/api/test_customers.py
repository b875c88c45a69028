"""Customers' terms (#25): customers/<id>.xml in the registry's git repository, never
published; the notice a change owes is the longest of the customers it touches (emergency
replacements only when every one allows them); countries and mechanisms a customer excluded;
an objection made through a notice's link is committed to git and holds the change back,
for `check`, the API and `git push` alike, until an editor records its resolution. Against
the real server, real pushes with the git command line and a real SMTP server."""
import json
import os
import re
import shutil
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import git, run  # noqa: E402
from api.test_api import Server  # noqa: E402
from api.test_one_answer import seed, sub  # noqa: E402
from api.test_notify import Notify  # noqa: E402

TODAY = "2026-11-28"  # the tests' SUBREG_TODAY


def customer_xml(id_, name=None, notice=None, objection_days=None, emergency=None, excluded=(),
                 mechanisms=None, contacts=(), objections="", signed="2025-01-15"):
    """A customer's file, written by us. emergency: (days, clause); excluded: [(cc, clause)];
    mechanisms: (accepted, clause)."""
    x = ['<?xml version="1.0" encoding="UTF-8"?>',
         '<customer xmlns="urn:subreg:1" id="%s">' % id_,
         '  <name>%s</name>' % (name or id_.capitalize() + " SA"),
         '  <dpa signed="%s" reference="%s-DPA-2025"/>' % (signed, id_.upper())]
    if notice:
        x.append("  <notice-days>%d</notice-days>" % notice)
    if objection_days:
        x.append("  <objection-days>%d</objection-days>" % objection_days)
    if emergency:
        x.append('  <emergency notice-days="%d" clause="%s"/>' % emergency)
    for cc, clause in excluded:
        x.append('  <excluded country="%s" clause="%s"/>' % (cc, clause))
    if mechanisms:
        x.append('  <mechanisms accepted="%s" clause="%s"/>' % mechanisms)
    for c in contacts:
        x.append('  <contact subscriber="%d"/>' % c)
    if objections:
        x.append(objections)
    x.append("</customer>")
    return "\n".join(x) + "\n"


def with_location(text, cc, use, effective, emergency=None):
    """The entry with a location added, in force on effective (a material change)."""
    text = sub(text, "</locations>", '  <location country="%s" use="%s" effective="%s"/>\n  </locations>'
               % (cc, use, effective))
    if emergency:
        text = re.sub(r'(<subprocessor [^>]*id="[^"]+")', r'\1 emergency="%s"' % emergency, text, count=1)
    return text


class Pushes:
    """Pushing files to the server's repository with the git command line."""

    def clone(self):
        path = os.path.join(self.tmp, "clone")
        if not os.path.isdir(path):
            git(["clone", "-q", self.repo, path], cwd=self.tmp)
        git(["fetch", "-q", "origin"], cwd=path)
        git(["reset", "-q", "--hard", "origin/main"], cwd=path)
        return path

    def push(self, files, message="change"):
        """Write files ({relative path: text}) in a fresh state of main, commit, push. Returns
        the push (returncode, stderr) and the clone."""
        path = self.clone()
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(path, rel)), exist_ok=True)
            with open(os.path.join(path, rel), "w") as f:
                f.write(text)
        git(["add", "-A"], cwd=path)
        git(["commit", "-qm", message], cwd=path)
        p = git(["push", "-q", "origin", "main"], cwd=path, check=False)
        return p, path

    def push_removal(self, rel):
        """Remove rel in a fresh state of main, commit, push: the push's stderr (it must fail)."""
        path = self.clone()
        git(["rm", "-q", rel], cwd=path)
        git(["commit", "-qm", "Remove " + rel], cwd=path)
        p = git(["push", "-q", "origin", "main"], cwd=path, check=False)
        self.assertNotEqual(p.returncode, 0, "the push was accepted")
        return p.stderr

    def accepted(self, files, message="change"):
        p, path = self.push(files, message)
        self.assertEqual(p.returncode, 0, p.stderr)
        return path

    def refused(self, files, message="change"):
        p, path = self.push(files, message)
        self.assertNotEqual(p.returncode, 0, "the push was accepted")
        return p.stderr

    def check(self, path, *extra):
        p = run(["check", "--registry", path, "--format", "json"] + list(extra))
        self.assertIn(p.returncode, (0, 1), p.stderr)
        return p.returncode, json.loads(p.stdout)["findings"]


def errors(findings, rule):
    return [f for f in findings if f["rule"] == rule and f["severity"] == "error" and not f.get("waived")]


class CustomerTerms(Pushes, Server):
    def test_the_longest_notice_of_the_customers_touched_and_who_sets_it(self):
        self.accepted({"customers/alpha.xml": customer_xml("alpha", "Alpha Retail SA", notice=14),
                       "customers/beta.xml": customer_xml("beta", "Beta Bank NV", notice=30),
                       "customers/gamma.xml": customer_xml("gamma", "Gamma Health GmbH", notice=60)},
                      "Three customers")
        # 60 whole days after today: 2027-01-28 is the first day the change may take effect
        early = with_location(seed("mistral"), "DE", "storage", "2027-01-27")
        err = self.refused({"subprocessors/mistral.xml": early})
        self.assertIn("error[change-notice]", err)
        self.assertIn("Gamma Health GmbH (gamma", err)
        self.assertIn("60 whole days", err)
        self.assertIn('effective="2027-01-28"', err)
        # check on the clone and the API say the same
        rc, findings = self.check(self.clone_with({"subprocessors/mistral.xml": early}))
        self.assertEqual(rc, 1)
        self.assertTrue(any("gamma" in f["message"] for f in errors(findings, "change-notice")), findings)
        st, _, doc = self.jreq("PUT", "/v1/subprocessors/mistral", body=early.encode(), token=self.editor,
                               headers={"Content-Type": "application/xml"})
        self.assertEqual(st, 422, doc)
        self.assertIn("Gamma Health GmbH", json.dumps(doc))
        # an entry that serves alpha and beta only owes their longest notice: 30 days
        only = sub(seed("mistral"), "<status>", '<customers only="alpha beta"/>\n  <status>')
        self.accepted({"subprocessors/mistral.xml": only}, "Mistral serves alpha and beta only")
        err = self.refused({"subprocessors/mistral.xml": with_location(only, "DE", "storage", "2026-12-28")})
        self.assertIn("Beta Bank NV (beta", err)
        self.assertIn("30 whole days", err)
        self.accepted({"subprocessors/mistral.xml": with_location(only, "DE", "storage", "2026-12-29")})

    def clone_with(self, files):
        """A clone with files changed and committed, not pushed (what CI checks)."""
        path = os.path.join(self.tmp, "ci")
        shutil.rmtree(path, ignore_errors=True)
        git(["clone", "-q", self.repo, path], cwd=self.tmp)
        for rel, text in files.items():
            with open(os.path.join(path, rel), "w") as f:
                f.write(text)
        git(["add", "-A"], cwd=path)
        git(["commit", "-qm", "ci"], cwd=path)
        return path

    def test_an_emergency_replacement_needs_every_customer_to_allow_it(self):
        self.accepted({"customers/alpha.xml": customer_xml("alpha", notice=60, emergency=(3, "7.4")),
                       "customers/beta.xml": customer_xml("beta", notice=30, emergency=(5, "12.1")),
                       "customers/gamma.xml": customer_xml("gamma", "Gamma Health GmbH", notice=45)})
        ab = sub(seed("mistral"), "<status>", '<customers only="alpha beta"/>\n  <status>')
        ag = sub(seed("speechmatics"), "<status>", '<customers only="alpha gamma"/>\n  <status>')
        self.accepted({"subprocessors/mistral.xml": ab, "subprocessors/speechmatics.xml": ag})
        # alpha and beta allow it: the longest emergency notice, 5 days, so 2026-12-04
        err = self.refused({"subprocessors/mistral.xml": with_location(ab, "DE", "storage", "2026-12-03",
                                                                         emergency="Primary vendor insolvent")})
        self.assertIn("5 whole days", err)
        self.assertIn("emergency replacement", err)
        self.accepted({"subprocessors/mistral.xml": with_location(ab, "DE", "storage", "2026-12-04",
                                                                    emergency="Primary vendor insolvent")})
        # gamma's DPA allows none: the whole 60 days, and the message says whose DPA refuses
        err = self.refused({"subprocessors/speechmatics.xml": with_location(ag, "DE", "storage", "2026-12-04",
                                                                              emergency="Primary vendor insolvent")})
        self.assertIn("60 whole days", err)
        self.assertIn("Gamma Health GmbH (gamma) allows no emergency replacement", err)
        # the same words left from the last change say nothing of the next one
        again = with_location(with_location(ab, "DE", "storage", "2026-12-04", emergency="Primary vendor insolvent"),
                              "AT", "storage", "2026-12-05")
        err = self.refused({"subprocessors/mistral.xml": again})
        self.assertIn("60 whole days", err)

    def test_an_excluded_country_or_mechanism_names_the_customer_and_the_clause(self):
        self.accepted({"customers/delta.xml": customer_xml("delta", "Delta Insurance SE",
                                                           excluded=[("US", "DPA Annex III section 2")]),
                       "customers/epsilon.xml": customer_xml("epsilon", "Epsilon Telecom", mechanisms=("adequacy", "DPA 9.1"))},
                      "Customers with exclusions: findings elsewhere never block a push")
        rc, findings = self.check(self.clone())
        self.assertEqual(rc, 1)
        excl = errors(findings, "customer-excluded-country")
        eleven = [f for f in excl if f["entry"] == "elevenlabs"]
        self.assertTrue(any("Delta Insurance SE (delta)" in f["message"] and "DPA Annex III section 2" in f["message"]
                            and "US (processing)" in f["message"] for f in eleven), eleven)
        self.assertTrue(any("Epsilon Telecom" in f["message"] and "DPA 9.1" in f["message"] and "scc" in f["message"]
                            for f in eleven), eleven)
        # a change to elevenlabs is refused while it processes their data there ...
        err = self.refused({"subprocessors/elevenlabs.xml": sub(seed("elevenlabs"), "replies</purpose>", "replies.</purpose>")})
        self.assertIn("error[customer-excluded-country]", err)
        # ... a waiver cannot make it green ...
        waived = sub(seed("elevenlabs"), "<internal>", '<waiver rule="customer-excluded-country" until="2026-12-20" '
                     'owner="legal">Renegotiating.</waiver>\n  <internal>')
        err = self.refused({"subprocessors/elevenlabs.xml": waived})
        self.assertIn("waiver-not-allowed", err)
        # ... keeping both customers' data out of it is what lets it through
        out = sub(seed("elevenlabs"), "<status>", '<customers except="delta epsilon"/>\n  <status>')
        path = self.accepted({"subprocessors/elevenlabs.xml": out})
        rc, findings = self.check(path)
        self.assertFalse([f for f in errors(findings, "customer-excluded-country") if f["entry"] == "elevenlabs"])

    def test_customer_files_are_validated_and_shaped_like_entries(self):
        bad = {
            "an unknown element": customer_xml("zeta").replace("</customer>", "<secret>x</secret>\n</customer>"),
            "an id other than the file name": customer_xml("other"),
            "an external entity": customer_xml("zeta").replace(
                '<?xml version="1.0" encoding="UTF-8"?>',
                '<?xml version="1.0"?>\n<!DOCTYPE customer [<!ENTITY x SYSTEM "file:///etc/passwd">]>').replace(
                "<name>Zeta SA</name>", "<name>&x;</name>"),
            "a country that is none": customer_xml("zeta", excluded=[("XX", "1")]),
            "a resolution without its day": customer_xml("zeta", objections=(
                '  <objection entry="aws" made="2026-11-01" via="editor" status="withdrawn"/>')),
            "a template value left in": customer_xml("zeta", name="CUSTOMER LEGAL NAME"),
        }
        for case, text in bad.items():
            with self.subTest(case=case):
                err = self.refused({"customers/zeta.xml": text}, case)
                self.assertIn("customers/zeta.xml", err)
                self.assertNotIn("root:", err)  # never the contents of a local file
        err = self.refused({"customers/../zeta.xml".replace("../", "sub/"): customer_xml("zeta")})
        self.assertIn("customers/sub", err)
        err = self.refused({"subprocessors/mistral.xml": sub(seed("mistral"), "<status>",
                                                            '<customers only="ghost"/>\n  <status>')})
        self.assertIn("names ghost, which has no customers/ghost.xml", err)

    def test_a_customer_token_sees_its_own_file_only(self):
        self.accepted({"customers/alpha.xml": customer_xml("alpha", "Alpha Retail SA", notice=30,
                                                           excluded=[("CN", "4.2")]),
                       "customers/beta.xml": customer_xml("beta", "Beta Bank NV")})
        tok = run(["token", "add", "alpha-dpo", "--role", "customer", "--customer", "alpha", "--state",
                   self.state]).stdout.splitlines()[-1]
        plain = run(["token", "add", "any-customer", "--role", "customer", "--state", self.state]).stdout.splitlines()[-1]
        st, h, doc = self.jreq("GET", "/v1/customers/alpha", token=tok)
        self.assertEqual(st, 200, doc)
        self.assertEqual(doc["customer"]["name"], "Alpha Retail SA")
        self.assertEqual(doc["customer"]["terms"]["notice_days"], 30)
        self.assertEqual(doc["customer"]["terms"]["excluded_countries"], [{"country": "CN", "clause": "4.2"}])
        self.assertIn("private", h["cache-control"])
        self.assertIn("mistral", [e["id"] for e in doc["subprocessors"]])
        self.assertNotIn("Beta Bank NV", json.dumps(doc))
        # another customer's file is as absent as one that does not exist
        for t in (tok, plain):
            self.assertEqual(self.jreq("GET", "/v1/customers/beta", token=t)[0], 404)
            self.assertEqual(self.jreq("GET", "/v1/customers/nobody", token=t)[0], 404)
            self.assertEqual(self.jreq("GET", "/v1/customers", token=t)[0], 403)
        self.assertEqual(self.jreq("GET", "/v1/customers/alpha", token=plain)[0], 404)
        self.assertEqual(self.jreq("GET", "/v1/customers/alpha")[0], 401)
        self.assertEqual(self.jreq("GET", "/v1/customers")[0], 401)
        self.assertEqual(self.jreq("GET", "/v1/customers/..%2Fetc", token=self.reader)[0], 400)
        st, _, doc = self.jreq("GET", "/v1/customers", token=self.reader)
        self.assertEqual(st, 200)
        self.assertEqual([c["id"] for c in doc["customers"]], ["alpha", "beta", "example-energy"])
        self.assertEqual(self.jreq("GET", "/v1/customers/beta", token=self.editor)[0], 200)
        listed = run(["token", "list", "--state", self.state]).stdout
        self.assertIn("alpha-dpo\tcustomer:alpha", listed)
        p = run(["token", "add", "x", "--role", "reader", "--customer", "alpha", "--state", self.state])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("--customer goes with --role customer", p.stderr)

    def test_no_public_route_ever_shows_a_customer(self):
        name = 'Zq7 Hostile <script>alert(1)</script> & "Secret" Holdings'
        cid = "zq7-secret-customer"
        text = customer_xml(cid, name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
                            notice=20, excluded=[("CN", "Zq7 clause")],
                            objections='  <objection entry="aws" change="2027-03-01" made="2026-11-20" via="editor" '
                                       'status="withdrawn" resolved="2026-11-25">Zq7 reason</objection>')
        mistral = sub(seed("mistral"), "<status>", '<customers except="%s"/>\n  <status>' % cid)
        self.accepted({"customers/%s.xml" % cid: text, "subprocessors/mistral.xml": mistral},
                      "Customer %s (%s) and its exclusion" % (cid, name))
        tok = run(["token", "add", "other", "--role", "customer", "--customer", "other", "--state",
                   self.state]).stdout.splitlines()[-1]
        routes = ["/", "/?lang=fr", "/?q=call", "/?country=CN", "/subprocessors/mistral", "/subprocessors/aws",
                  "/v1/subprocessors", "/v1/subprocessors?status=all", "/v1/subprocessors/mistral",
                  "/v1/subprocessors/mistral/history", "/v1/changes", "/v1/feed.atom", "/v1/widget",
                  "/v1/widget?lang=nl", "/embed.js", "/healthz", "/metrics",
                  "/v1/openapi.json", "/v1/reference/countries", "/robots.txt", "/v1/schemas/customer.xsd"]
        for path in routes:
            for t in (None, tok):
                with self.subTest(path=path, token=bool(t)):
                    st, h, body = self.req("GET", path, token=t)
                    self.assertIn(st, (200, 304), body[:300])
                    self.assertNotIn(b"Zq7", body)
                    self.assertNotIn(b"zq7", body)
        st, h, body = self.req("GET", "/v1/subprocessors/mistral?view=customer", token=tok)
        self.assertEqual(st, 200)
        self.assertNotIn(b"zq7", body)
        for fmt in ("json", "csv", "md", "html"):
            p = run(["export", "--registry", self.repo, "--format", fmt])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertNotIn("zq7", p.stdout.lower())
        # the internal view and the customer's own view do show it, escaped as JSON
        st, _, doc = self.jreq("GET", "/v1/subprocessors/mistral?view=internal", token=self.reader)
        self.assertEqual(doc["customers"], {"except": cid})
        st, _, doc = self.jreq("GET", "/v1/customers/" + cid, token=self.reader)
        self.assertEqual(doc["customer"]["name"], name)
        self.assertNotIn("mistral", [e["id"] for e in doc["subprocessors"]])


class Objections(Pushes, Notify):
    def test_an_objection_through_the_email_link_holds_the_change_until_it_is_resolved(self):
        sub_id = self.subscribe_confirmed("dpo@acme.example")["id"]
        acme = customer_xml("acme", "Acme Telecom SA", notice=14, objection_days=20, contacts=[sub_id])
        self.accepted({"customers/acme.xml": acme}, "Acme, whose DPO receives notices")
        self.announce()                      # deepgram: a new vendor, in force on 2027-01-05
        m = self.wait_mails(1)[0]
        self.assertIn("until 2026-12-18", self.text(m))      # acme's objection window: 20 days
        view = self.link(m, "/customer/")
        st, _, page = self.req("GET", view)
        self.assertEqual(st, 200)
        view_tok = view.rsplit("/", 1)[1]
        self.assertIn(b"Acme Telecom SA", page)
        self.assertIn(b"Deepgram BV", page)
        self.assertIn(b"2026-12-18", page)    # object until: announced + 20 days
        path = self.link(m, "/objections/")
        st, _, page = self.req("GET", path)
        self.assertIn(b"You may object until 2026-12-18.", page)    # acme's window, not the notice's
        form = urllib.parse.urlencode({"comment": "No new US-owned vendors </objection><x>\x1b]0;x\x07"}).encode()
        st, _, _ = self.req("POST", path, body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(st, 201)
        # it is in git, in the customer's file, with its reason escaped
        log = git(["log", "-1", "--format=%an%n%s", "--", "customers/acme.xml"], cwd=self.repo).stdout
        self.assertIn("subreg objections", log)
        self.assertIn("Objection of customer acme to deepgram", log)
        text = git(["show", "main:customers/acme.xml"], cwd=self.repo).stdout
        self.assertIn('<objection entry="deepgram" change="2027-01-05" made="2026-11-28" via="email" '
                      'subscriber="%d" status="open">No new US-owned vendors &lt;/objection&gt;&lt;x&gt; ]0;x</objection>'
                      % sub_id, text)
        # a fresh clone's check sees it, with no server state
        fresh = os.path.join(self.tmp, "fresh")
        git(["clone", "-q", self.repo, fresh], cwd=self.tmp)
        rc, findings = self.check(fresh)
        self.assertEqual(rc, 1)
        p = run(["fmt", "--check", fresh])   # what the server wrote is in the canonical layout
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        held = errors(findings, "objection-open")
        self.assertEqual([f["entry"] for f in held], ["deepgram"], findings)
        self.assertIn("Acme Telecom SA (acme) objected on 2026-11-28", held[0]["message"])
        # the held entry cannot change, through the API or a push; other entries can
        deepgram = git(["show", "main:subprocessors/deepgram.xml"], cwd=self.repo).stdout
        later = deepgram.replace("<effective>2027-01-05</effective>", "<effective>2027-02-01</effective>")
        st, _, doc = self.jreq("PUT", "/v1/subprocessors/deepgram", body=later.encode(), token=self.editor,
                               headers={"Content-Type": "application/xml"})
        self.assertEqual(st, 422, doc)
        self.assertIn("objection-open", json.dumps(doc))
        self.assertIn("error[objection-open]", self.refused({"subprocessors/deepgram.xml": later}))
        self.accepted({"subprocessors/plausible.xml": sub(seed("plausible"), "</purpose>", ".</purpose>")},
                      "Another entry is not held")
        # an objection is resolved, never removed: not by the push, not in CI's check
        p, path = self.push({"customers/acme.xml": acme}, "Drop the objection")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("an objection is resolved, never removed", p.stderr)
        rc, findings = self.check(path)
        self.assertIn("is resolved, never removed", json.dumps(findings))
        self.assertIn("objection is resolved, never removed", self.push_removal("customers/acme.xml"))
        # the customer sees its objection, open
        tok = run(["token", "add", "acme-dpo", "--role", "customer", "--customer", "acme", "--state",
                   self.state]).stdout.splitlines()[-1]
        st, _, doc = self.jreq("GET", "/v1/customers/acme", token=tok)
        self.assertEqual([(o["entry"], o["status"], o["via"]) for o in doc["customer"]["objections"]],
                         [("deepgram", "open", "email")])
        self.assertIn(("deepgram", "new sub-processor", "2027-01-05", "2026-12-18"),
                      [(u["id"], u["change"], u["effective"], u["object_until"]) for u in doc["upcoming"]])
        # accepted: acme's data must stay out of deepgram first
        resolved = text.replace('status="open"', 'status="accepted" resolved="2026-11-28"')
        path = self.accepted({"customers/acme.xml": resolved}, "Acme's objection accepted")
        rc, findings = self.check(path)
        self.assertIn("was accepted on 2026-11-28", json.dumps(errors(findings, "objection-open")))
        kept_out = deepgram.replace("<status>", '<customers except="acme"/>\n  <status>')
        path = self.accepted({"subprocessors/deepgram.xml": kept_out}, "Acme's data stays out of Deepgram")
        rc, findings = self.check(path)
        self.assertEqual(errors(findings, "objection-open"), [])
        self.assertEqual(rc, 0, findings)
        # the links' tokens act for their subscriber: never in the log
        self.assertIn("GET /customer/... 200", self.server_log())
        self.assertNotIn(view_tok, self.server_log())
        st, _, doc = self.jreq("PUT", "/v1/subprocessors/deepgram",
                               body=kept_out.replace("<effective>2027-01-05", "<effective>2027-02-01").encode(),
                               token=self.editor, headers={"Content-Type": "application/xml"})
        self.assertEqual(st, 200, doc)
