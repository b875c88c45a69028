"""The HTTP API against the real server on a loopback port, a real repository made by
subreg init, and real pushes with the git command line."""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import SANITIZER_MARKERS, SEED, TempDirTest, git, run, serial, subreg_bin  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server(TempDirTest):
    threads = 2

    def serve_args(self):
        """Further options of `subreg serve` (subclasses add theirs)."""
        return []

    def setUp(self):
        super().setUp()
        self.repo = os.path.join(self.tmp, "registry.git")
        self.state = os.path.join(self.tmp, "state")
        self.assertEqual(run(["init", "--registry", self.repo, "--from", SEED]).returncode, 0)
        self.editor = run(["token", "add", "alice", "--role", "editor", "--state", self.state]).stdout.splitlines()[-1]
        self.reader = run(["token", "add", "rita", "--role", "reader", "--state", self.state]).stdout.splitlines()[-1]
        self.log = open(os.path.join(self.tmp, "server.log"), "w+")
        self.start()

    def start(self, today="2026-11-28"):
        # port 0: the server binds a free port and says which (no race for a guessed one)
        env = dict(os.environ, SUBREG_TODAY=today)
        seen = len(self.server_log())
        self.proc = subprocess.Popen([subreg_bin(), "serve", "--registry", self.repo, "--state", self.state,
                                      "--listen", "127.0.0.1:0", "--threads", str(self.threads)] + self.serve_args(),
                                     stdout=self.log, stderr=self.log, env=env)
        deadline = time.time() + 20
        self.port = None
        while time.time() < deadline and self.proc.poll() is None:
            m = re.search(r"sub-processors\) on http://127\.0\.0\.1:(\d+)/", self.server_log()[seen:])
            if m:
                self.port = int(m.group(1))
                try:
                    if self.req("GET", "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
            time.sleep(0.05)
        else:
            self.fail("server did not start: " + self.server_log())

    def tearDown(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        log = self.server_log()
        self.log.close()
        super().tearDown()
        for marker in SANITIZER_MARKERS:
            assert marker not in log, log[-4000:]
        assert self.proc.returncode == 0, "server exit %s\n%s" % (self.proc.returncode, log[-3000:])

    def server_log(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def req(self, method, path, body=None, headers=None, token=None, conn=None):
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        if not conn:
            c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def jreq(self, *a, **kw):
        st, h, data = self.req(*a, **kw)
        return st, h, (json.loads(data) if data and h.get("content-type", "").startswith("application/json") else data)

    def seed_xml(self, name):
        with open(os.path.join(SEED, "subprocessors", name + ".xml")) as f:
            return f.read()

    def put(self, id, xml, token=None, headers=None):
        h = {"Content-Type": "application/xml"}
        h.update(headers or {})
        return self.jreq("PUT", "/v1/subprocessors/" + id, body=xml.encode(), headers=h, token=token or self.editor)

    def tip(self):
        return git(["rev-parse", "main"], cwd=self.repo).stdout.strip()

    def push_edit(self, name, old, new, message, branch="main"):
        """Clone, replace old by new in subprocessors/<name>.xml, commit on branch and push it
        with the git command line. Returns (push's CompletedProcess, the pushed commit)."""
        clone = os.path.join(self.tmp, "clone-" + branch)
        if not os.path.isdir(clone):
            git(["clone", "-q", self.repo, clone], cwd=self.tmp)
            if branch != "main":
                git(["checkout", "-qb", branch], cwd=clone)
        path = os.path.join(clone, "subprocessors", name + ".xml")
        with open(path) as f:
            s = f.read()
        with open(path, "w") as f:
            f.write(s.replace(old, new))
        git(["commit", "-qam", message], cwd=clone)
        p = git(["push", "-q", "origin", branch], cwd=clone, check=False)
        return p, git(["rev-parse", "HEAD"], cwd=clone).stdout.strip()


class PublicReads(Server):
    def test_list_public_view(self):
        st, h, doc = self.jreq("GET", "/v1/subprocessors")
        self.assertEqual(st, 200)
        self.assertEqual(doc["revision"], self.tip())
        ids = [e["id"] for e in doc["subprocessors"]]
        self.assertIn("gladia", ids)          # planned
        self.assertNotIn("voicebase", ids)    # retired: not by default
        self.assertEqual(h["access-control-allow-origin"], "*")
        self.assertIn("max-age", h["cache-control"])
        self.assertTrue(h["etag"].startswith('"'))
        text = json.dumps(doc)

        def keys(o):
            if isinstance(o, dict):
                for k, v in o.items():
                    yield k
                    yield from keys(v)
            elif isinstance(o, list):
                for v in o:
                    yield from keys(v)
        names = set(keys(doc))
        for internal in ("address", "dpa", "tia", "tia_outcome", "waivers", "internal", "provider", "region",
                         "hosting", "parent", "erasure", "evidence", "training_ref"):
            self.assertNotIn(internal, names)
        for internal in ("38 Avenue", "zero data retention enabled", "Amazon.com, Inc."):
            self.assertNotIn(internal, text)
        # public: whose data a vendor gets and whether it is a sub-processor (#19 item 12)
        stripe = [e for e in doc["subprocessors"] if e["id"] == "stripe"][0]
        self.assertEqual((stripe["flows"], stripe["recipient"]), (["controller"], "controller"))

    def test_etag_304_and_keepalive(self):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        st, h, _ = self.req("GET", "/v1/subprocessors", conn=c)
        self.assertEqual(st, 200)
        self.assertNotEqual(h.get("connection", "").lower(), "close")
        st, h2, body = self.req("GET", "/v1/subprocessors", headers={"If-None-Match": h["etag"]}, conn=c)
        self.assertEqual(st, 304)
        self.assertEqual(body, b"")
        self.assertEqual(h2["etag"], h["etag"])
        st, _, _ = self.req("GET", "/v1/subprocessors", headers={"If-None-Match": '"other", ' + h["etag"]}, conn=c)
        self.assertEqual(st, 304)
        c.close()

    def test_filters(self):
        def ids(q):
            st, _, doc = self.jreq("GET", "/v1/subprocessors" + q)
            self.assertEqual(st, 200, doc)
            return [e["id"] for e in doc["subprocessors"]]
        self.assertEqual(ids("?status=retired"), ["voicebase"])
        self.assertIn("voicebase", ids("?status=all"))
        self.assertEqual(ids("?country=PH"), ["zendesk"])
        self.assertEqual(ids("?country=EL"), [])           # alias accepted
        self.assertEqual(ids("?country=GB&use=processing"), ["speechmatics"])
        self.assertEqual(sorted(ids("?mechanism=dpf")), ["sentry", "twilio"])
        self.assertEqual(ids("?q=SPEECH-TO-TEXT"), ["gladia", "speechmatics"])
        self.assertEqual(ids("?q=%25"), [])
        for bad in ("?status=gone", "?use=x", "?mechanism=magic", "?country=EU", "?at=not-a-rev", "?q=" + "a" * 300):
            st, _, doc = self.jreq("GET", "/v1/subprocessors" + bad)
            self.assertEqual(st, 400, bad)
            self.assertEqual(doc["error"]["status"], 400)

    def test_entry_history_changes_feed(self):
        st, h, e = self.jreq("GET", "/v1/subprocessors/zendesk")
        self.assertEqual(st, 200)
        self.assertEqual(e["id"], "zendesk")
        self.assertNotIn("internal", e)
        st, _, hist = self.jreq("GET", "/v1/subprocessors/zendesk/history")
        self.assertEqual(st, 200)
        self.assertEqual(hist["history"][0]["change"], "added")
        self.assertNotIn("author", hist["history"][0])
        self.assertEqual(self.jreq("GET", "/v1/subprocessors/nobody")[0], 404)
        self.assertEqual(self.jreq("GET", "/v1/subprocessors/nobody/history")[0], 404)
        st, _, ch = self.jreq("GET", "/v1/changes?since=2020-01-01")
        self.assertEqual(st, 200)
        self.assertEqual(len(ch["changes"]), 13)
        st, _, ch = self.jreq("GET", "/v1/changes?since=" + self.tip())
        self.assertEqual(ch["changes"], [])
        self.assertEqual(self.jreq("GET", "/v1/changes?since=garbage")[0], 400)
        st, h, feed = self.req("GET", "/v1/feed.atom")
        self.assertEqual(st, 200)
        self.assertTrue(h["content-type"].startswith("application/atom+xml"))
        root = ET.fromstring(feed)
        ns = {"a": "http://www.w3.org/2005/Atom"}
        self.assertEqual(root.tag, "{http://www.w3.org/2005/Atom}feed")
        titles = [e.find("a:title", ns).text for e in root.findall("a:entry", ns)]
        self.assertIn("Upcoming: Gladia SAS from 2026-12-15", titles)
        base = "http://127.0.0.1:%d" % self.port
        for e in root.findall("a:entry", ns):
            self.assertRegex(e.find("a:id", ns).text, r"^urn:subreg:[^\s]+$")       # an IRI: no spaces (#22 item 12)
            self.assertRegex(e.find("a:updated", ns).text, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            self.assertTrue(e.find("a:link", ns).get("href").startswith(base + "/subprocessors/"))
        self.assertEqual([l.get("href") for l in root.findall("a:link", ns) if l.get("rel") == "self"],
                         [base + "/v1/feed.atom"])
        self.assertTrue(any(e.find("a:id", ns).text.startswith("urn:subreg:upcoming-change:") for e in root.findall("a:entry", ns)))
        self.assertIsNotNone(root.find("a:updated", ns))

    def test_reference_schemas_openapi_health_metrics(self):
        st, _, ref = self.jreq("GET", "/v1/reference/countries")
        self.assertEqual(st, 200)
        self.assertEqual(len(ref["eea"]), 37)
        self.assertTrue(any(a.get("country") == "US" and a["scope"] == "dpf" for a in ref["adequacy"]))
        st, h, xsd = self.req("GET", "/v1/schemas/subprocessor.xsd")
        self.assertEqual(st, 200)
        self.assertIn(b'targetNamespace="urn:subreg:1"', xsd)
        self.assertEqual(self.req("GET", "/v1/schemas/../../etc/passwd.xsd")[0], 404)
        self.assertEqual(self.req("GET", "/v1/schemas/nope.xsd")[0], 404)
        st, _, api = self.jreq("GET", "/v1/openapi.json")
        self.assertEqual(st, 200)
        self.assertEqual(api["openapi"], "3.1.0")
        for path in ("/v1/subprocessors", "/v1/subprocessors/{id}", "/v1/subprocessors/{id}/history",
                     "/v1/subprocessors/{id}.xml", "/v1/changes", "/v1/feed.atom", "/v1/reference/countries",
                     "/v1/schemas/{name}.xsd", "/v1/openapi.json", "/healthz", "/metrics", "/v1/compliance",
                     "/v1/validate"):
            self.assertIn(path, api["paths"])
        st, _, hz = self.jreq("GET", "/healthz")
        self.assertEqual(hz, {"status": "ok", "revision": self.tip()})
        st, h, m = self.req("GET", "/metrics")
        self.assertEqual(st, 200)
        text = m.decode()
        self.assertIn('subreg_http_requests_total{route="healthz",status="200"}', text)
        self.assertIn("subreg_http_request_duration_seconds_bucket{le=\"+Inf\"}", text)
        self.assertIn('subreg_revision_info{revision="%s"} 1' % self.tip(), text)
        self.assertIn("subreg_entries 13", text)
        self.assertIn('subreg_findings{severity="error"} 0', text)
        # Prometheus' own linter accepts the exposition (names, HELP/TYPE, units, counters)
        lint = subprocess.run(["promtool", "check", "metrics"], input=m, capture_output=True)
        self.assertEqual(lint.returncode, 0, lint.stdout + lint.stderr)
        self.assertEqual(lint.stdout + lint.stderr, b"")
        bad = subprocess.run(["promtool", "check", "metrics"], capture_output=True,
                             input=b"# TYPE subreg_requests counter\nsubreg_requests 1\n")
        self.assertNotEqual(bad.stdout + bad.stderr, b"")   # the linter does speak up

    def test_browsers_get_pages_programs_json(self):
        # #22 item 13: an error a browser meets is a page with a way back; robots.txt exists
        html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        for path in ("/v1/subprocessors/nope", "/v1/subprocessors?at=2001-01-01", "/nowhere"):
            st, h, body = self.req("GET", path, headers=html)
            self.assertIn(st, (400, 404), path)
            self.assertTrue(h["content-type"].startswith("text/html"), (path, h))
            self.assertIn(b'<a href="/">', body)
            self.assertIn(b"<!DOCTYPE html>", body)
            st, h, doc = self.jreq("GET", path)
            self.assertTrue(h["content-type"].startswith("application/json"), path)
            self.assertEqual(doc["error"]["status"], st)
        st, h, body = self.req("GET", "/robots.txt")
        self.assertEqual(st, 200)
        self.assertTrue(h["content-type"].startswith("text/plain"))
        self.assertIn(b"Disallow: /objections/", body)

    def test_options_and_unknown(self):
        st, h, _ = self.req("OPTIONS", "/v1/subprocessors/aws")
        self.assertEqual(st, 204)
        self.assertIn("PUT", h["access-control-allow-methods"])
        self.assertIn("If-Match", h["access-control-allow-headers"])
        self.assertEqual(self.jreq("GET", "/nope")[0], 404)
        st, h, _ = self.jreq("POST", "/v1/subprocessors")
        self.assertEqual(st, 405)
        self.assertEqual(h["allow"], "GET, HEAD, OPTIONS")
        st, h, _ = self.jreq("POST", "/v1/subprocessors/aws")
        self.assertEqual((st, h["allow"]), (405, "GET, PUT, DELETE, HEAD, OPTIONS"))
        st, h, _ = self.jreq("GET", "/v1/validate")
        self.assertEqual((st, h["allow"]), (405, "POST, OPTIONS"))

    def test_at_date_and_rev(self):
        first = self.tip()
        xml = self.seed_xml("mistral").replace("<purpose>LLM", "<purpose>Hosted LLM")
        self.assertEqual(self.put("mistral", xml)[0], 200)
        st, _, doc = self.jreq("GET", "/v1/subprocessors/mistral?at=" + first)
        self.assertTrue(doc["purpose"].startswith("LLM"))
        st, _, doc = self.jreq("GET", "/v1/subprocessors/mistral")
        self.assertTrue(doc["purpose"].startswith("Hosted LLM"))
        st, _, doc = self.jreq("GET", "/v1/subprocessors?at=2099-01-01")
        self.assertEqual(doc["revision"], self.tip())
        self.assertEqual(self.jreq("GET", "/v1/subprocessors?at=2000-01-01")[0], 404)


class Auth(Server):
    def test_tokens(self):
        self.assertEqual(self.jreq("GET", "/v1/subprocessors?view=internal")[0], 401)
        st, h, _ = self.jreq("GET", "/v1/subprocessors?view=internal", token="sr_wrong")
        self.assertEqual(st, 401)
        self.assertIn("Bearer", h["www-authenticate"])
        st, _, doc = self.jreq("GET", "/v1/subprocessors?view=internal", token=self.reader)
        self.assertEqual(st, 200)
        self.assertIn("dpa", json.dumps(doc))
        self.assertEqual(self.req("GET", "/v1/subprocessors/aws.xml")[0], 401)
        st, h, xml = self.req("GET", "/v1/subprocessors/aws.xml", token=self.reader)
        self.assertEqual(st, 200)
        self.assertEqual(xml.decode(), self.seed_xml("aws"))
        self.assertIn("xml", h["content-type"])
        st, _, comp = self.jreq("GET", "/v1/compliance?date=2027-06-01", token=self.reader)
        self.assertEqual(st, 200)
        self.assertEqual(comp["summary"]["errors"], 0)
        self.assertGreater(comp["summary"]["warnings"], 0)
        self.assertEqual(self.jreq("GET", "/v1/compliance")[0], 401)
        for path in ("/v1/subprocessors", "/v1/feed.atom", "/v1/changes", "/healthz"):
            self.assertEqual(self.jreq("GET", path, token="sr_wrong")[0], 401, path)
            self.assertEqual(self.jreq("GET", path, token=self.reader)[0], 200, path)
        self.assertEqual(self.put("aws", self.seed_xml("aws"), token=self.reader)[0], 403)
        # a token added while the server runs works at once; a revoked one stops at once
        new = run(["token", "add", "late", "--role", "reader", "--state", self.state]).stdout.splitlines()[-1]
        self.assertEqual(self.jreq("GET", "/v1/compliance", token=new)[0], 200)
        self.assertEqual(run(["token", "revoke", "late", "--state", self.state]).returncode, 0)
        self.assertEqual(self.jreq("GET", "/v1/compliance", token=new)[0], 401)
        listing = run(["token", "list", "--state", self.state]).stdout
        self.assertIn("alice\teditor", listing)
        self.assertNotIn(self.editor, open(os.path.join(self.state, "tokens")).read())
        self.assertEqual(os.stat(os.path.join(self.state, "tokens")).st_mode & 0o777, 0o600)


class Writes(Server):
    def test_put_create_replace_delete(self):
        xml = self.seed_xml("mistral").replace('id="mistral"', 'id="mistral-eu"')
        st, h, doc = self.put("mistral-eu", xml, headers={"X-Commit-Message": "Add Mistral EU tenant"})
        self.assertEqual(st, 201, doc)
        self.assertEqual(h["location"], "/v1/subprocessors/mistral-eu")
        etag = h["etag"]
        self.assertEqual(doc["revision"], self.tip())
        log = git(["log", "-1", "--format=%an|%s"], cwd=self.repo).stdout.strip()
        self.assertEqual(log, "alice|Add Mistral EU tenant")
        st, h2, got = self.jreq("GET", "/v1/subprocessors/mistral-eu?view=internal", token=self.reader)
        self.assertEqual(st, 200)
        self.assertEqual(h2["etag"], etag)
        st, h, doc = self.put("mistral-eu", xml.replace("LLM inference", "LLM inference (EU)"), headers={"If-Match": etag})
        self.assertEqual(st, 200, doc)
        self.assertEqual(self.put("mistral-eu", xml, headers={"If-Match": etag})[0], 412)   # stale
        self.assertEqual(self.put("mistral-eu", xml, headers={"If-None-Match": "*"})[0], 412)
        st, _, _ = self.jreq("DELETE", "/v1/subprocessors/mistral-eu", token=self.editor, headers={"If-Match": etag})
        self.assertEqual(st, 412)
        st, _, _ = self.jreq("DELETE", "/v1/subprocessors/mistral-eu", token=self.editor, headers={"If-Match": h["etag"]})
        self.assertEqual(st, 204)
        self.assertEqual(self.jreq("GET", "/v1/subprocessors/mistral-eu")[0], 404)
        self.assertEqual(self.jreq("DELETE", "/v1/subprocessors/mistral-eu", token=self.editor)[0], 404)
        self.assertEqual(subprocess.run(["git", "--git-dir", self.repo, "fsck", "--strict"], capture_output=True).returncode, 0)

    def test_422_lists_every_problem_and_writes_nothing(self):
        before = self.tip()
        xml = self.seed_xml("aws").replace("<status>active</status>", "<status>actve</status>")
        xml = xml.replace('<location country="US" use="access"/>', '<location country="US" use="access"/>\n    <location country="IN" use="access"/>')
        st, _, doc = self.put("aws", xml)
        self.assertEqual(st, 422)
        probs = doc["error"]["problems"]
        self.assertTrue(any(p["rule"] == "schema" and p["line"] == 17 for p in probs), probs)
        self.assertTrue(any(p["rule"] == "transfer-missing" and p["line"] == 27 for p in probs), probs)
        self.assertTrue(all({"file", "line", "column", "severity", "rule", "message"} <= set(p) for p in probs))
        self.assertEqual(self.tip(), before)
        # POST /v1/validate: the same answer, nothing written
        st, _, doc2 = self.jreq("POST", "/v1/validate", body=xml.encode(), headers={"Content-Type": "application/xml"}, token=self.editor)
        self.assertEqual(st, 422)
        self.assertEqual(doc2["error"]["problems"], probs)
        st, _, ok = self.jreq("POST", "/v1/validate", body=self.seed_xml("aws").replace(' tia="2026-09-01"', ' tia="2024-01-01"').encode(),
                              headers={"Content-Type": "application/xml"}, token=self.editor)
        self.assertEqual(st, 200)
        self.assertEqual(ok["valid"], True)
        self.assertEqual([w["rule"] for w in ok["warnings"]], ["tia-stale"])
        self.assertEqual(self.tip(), before)

    def test_hosting_provider_claimed_once(self):
        xml = self.seed_xml("hetzner").replace('<hosting provider="hetzner"/>', '<hosting provider="aws"/>')
        st, _, doc = self.put("hetzner", xml)
        self.assertEqual(st, 422, doc)
        self.assertIn("already claimed by aws", json.dumps(doc))

    def test_warnings_returned_but_do_not_block(self):
        xml = self.seed_xml("aws").replace(' tia="2026-09-01"', ' tia="2024-01-01"')
        st, _, doc = self.put("aws", xml)
        self.assertEqual(st, 200, doc)
        self.assertEqual([w["rule"] for w in doc["warnings"]], ["tia-stale"])

    def test_bad_requests(self):
        xml = self.seed_xml("aws")
        self.assertEqual(self.put("other", xml)[0], 400)                    # id/body mismatch
        st, _, _ = self.jreq("PUT", "/v1/subprocessors/aws", body=xml.encode(), headers={"Content-Type": "application/json"}, token=self.editor)
        self.assertEqual(st, 415)
        st, _, _ = self.jreq("PUT", "/v1/subprocessors/aws", body=xml.encode(), token=self.editor)
        self.assertEqual(st, 415)
        for bad in ("/v1/subprocessors/..%2F..%2Fetc", "/v1/subprocessors/%2E%2E", "/v1/subprocessors/AWS", "/v1/subprocessors/a_b"):
            self.assertEqual(self.put(bad.rsplit("/", 1)[1], xml)[0] if False else self.jreq("PUT", bad, body=xml.encode(), headers={"Content-Type": "application/xml"}, token=self.editor)[0], 400, bad)
        self.assertEqual(self.jreq("PUT", "/v1/subprocessors/aws", token=None, body=xml.encode(), headers={"Content-Type": "application/xml"})[0], 401)

    def test_hostile_bodies(self):
        before = self.tip()
        hostile = [
            '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><subprocessor xmlns="urn:subreg:1" id="aws"><name>&x;</name></subprocessor>',
            '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><subprocessor xmlns="urn:subreg:1" id="aws"><name>&b;</name></subprocessor>',
            '<subprocessor xmlns="urn:subreg:1" id="aws"><name>\xff\xfe</name></subprocessor>',
            "<a>" * 100000 + "</a>" * 100000,
            "",
        ]
        for body in hostile:
            st, _, doc = self.jreq("PUT", "/v1/subprocessors/aws", body=body.encode("latin-1"), headers={"Content-Type": "application/xml"}, token=self.editor)
            self.assertIn(st, (400, 422), body[:60])
            self.assertNotIn("root:", json.dumps(doc))
        # declared too large: refused at once, before the body is read
        raw = socket.create_connection(("127.0.0.1", self.port))
        raw.send(b"PUT /v1/subprocessors/aws HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\n"
                 b"Authorization: Bearer " + self.editor.encode() + b"\r\nContent-Length: 1048577\r\n\r\n")
        self.assertTrue(raw.recv(65536).startswith(b"HTTP/1.1 413"))
        raw.close()
        # chunked and endless: stops storing past the cap, 413 at the end
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.putrequest("PUT", "/v1/subprocessors/aws")
        c.putheader("Content-Type", "application/xml")
        c.putheader("Authorization", "Bearer " + self.editor)
        c.putheader("Transfer-Encoding", "chunked")
        c.endheaders()
        chunk = b"y" * 65536
        try:
            for _ in range(40):  # 2.5 MiB
                c.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            c.send(b"0\r\n\r\n")
            r = c.getresponse()
            self.assertEqual(r.status, 413)
        except (BrokenPipeError, ConnectionResetError):
            pass
        c.close()
        # a slow client does not hold up others
        s = socket.create_connection(("127.0.0.1", self.port))
        s.send(b"GET /v1/subreg")
        self.assertEqual(self.req("GET", "/healthz")[0], 200)
        s.close()
        # header injection: CR/LF cannot reach the commit message or a header
        raw = socket.create_connection(("127.0.0.1", self.port))
        raw.send(b"GET /v1/subprocessors/aws%0d%0aX-Evil:%201 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        resp = b""
        while True:
            d = raw.recv(65536)
            if not d:
                break
            resp += d
        raw.close()
        self.assertNotIn(b"\r\nX-Evil", resp)
        self.assertTrue(resp.startswith(b"HTTP/1.1 400"), resp[:100])
        self.assertEqual(self.tip(), before)

    def test_race_if_match(self):
        st, h, _ = self.jreq("GET", "/v1/subprocessors/aws?view=internal", token=self.reader)
        etag = h["etag"]
        results = []
        bodies = [self.seed_xml("aws").replace("<purpose>Cloud", "<purpose>Writer %d cloud" % i) for i in range(2)]

        def go(i):
            results.append((i,) + self.put("aws", bodies[i], headers={"If-Match": etag})[:1])
        ts = [threading.Thread(target=go, args=(i,)) for i in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        codes = sorted(code for _, code in results)
        self.assertEqual(codes, [200, 412], results)
        winner = [i for i, code in results if code == 200][0]
        loser = 1 - winner
        shown = git(["show", "main:subprocessors/aws.xml"], cwd=self.repo).stdout
        self.assertIn("Writer %d cloud" % winner, shown)
        logtext = git(["log", "-p", "main"], cwd=self.repo).stdout
        self.assertNotIn("Writer %d cloud" % loser, logtext)

    def test_race_without_if_match_loses_nothing(self):
        bodies = {}
        for name in ("mistral", "hetzner", "plausible", "mailjet"):
            bodies[name] = self.seed_xml(name).replace("<purpose>", "<purpose>Raced: ")
        results = []

        def go(name):
            results.append(self.put(name, bodies[name])[0])
        ts = [threading.Thread(target=go, args=(n,)) for n in bodies]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(results, [200] * 4)
        for name in bodies:
            self.assertIn("Raced: ", git(["show", "main:subprocessors/%s.xml" % name], cwd=self.repo).stdout)
        self.assertEqual(subprocess.run(["git", "--git-dir", self.repo, "fsck", "--strict"], capture_output=True).returncode, 0)

    def test_push_visible_within_a_second(self):
        # answers computed for a revision are cached with it, and never outlive it
        st, h1, before = self.jreq("GET", "/v1/subprocessors/twilio/history")
        st, h2, again = self.jreq("GET", "/v1/subprocessors/twilio/history")
        self.assertEqual((before, h1["etag"]), (again, h2["etag"]))
        self.assertEqual(len(before["history"]), 1)
        st, _, ch1 = self.jreq("GET", "/v1/changes?since=2020-01-01")
        p, _ = self.push_edit("twilio", "<purpose>Telephony", "<purpose>Pushed telephony", "push test")
        self.assertEqual(p.returncode, 0, p.stderr)
        t0 = time.time()
        while time.time() - t0 < 1.0:
            st, _, doc = self.jreq("GET", "/v1/subprocessors/twilio")
            if doc["purpose"].startswith("Pushed"):
                break
            time.sleep(0.05)
        self.assertTrue(doc["purpose"].startswith("Pushed"), "not visible within 1 s")
        st, _, after = self.jreq("GET", "/v1/subprocessors/twilio/history")
        self.assertEqual(len(after["history"]), 2)
        st, _, ch2 = self.jreq("GET", "/v1/changes?since=2020-01-01")
        self.assertEqual(len(ch2["changes"]), len(ch1["changes"]) + 1)
        st, _, hist = self.jreq("GET", "/v1/subprocessors/twilio/history?view=internal", token=self.reader)
        self.assertEqual(hist["history"][0]["message"], "push test\n")
        self.assertEqual(hist["history"][0]["author"], "Legal Team")

    def test_crash_loses_no_acknowledged_write(self):
        # PUTs run while the server is killed with SIGKILL: every write that was answered
        # 2xx is on main afterwards, the repository is consistent, and a new server serves it
        acked, stop = [], threading.Event()

        def writer():
            i = 0
            while not stop.is_set():
                body = self.seed_xml("mistral").replace("<purpose>", "<purpose>crash %d " % i)
                try:
                    st, _, doc = self.put("mistral", body)
                except OSError:
                    return
                if st in (200, 201):
                    acked.append(doc["revision"])
                i += 1
        t = threading.Thread(target=writer)
        t.start()
        time.sleep(1.0)
        self.proc.kill()
        self.proc.wait()
        stop.set()
        t.join()
        self.assertGreater(len(acked), 3)
        self.assertEqual(subprocess.run(["git", "--git-dir", self.repo, "fsck", "--strict"], capture_output=True).returncode, 0)
        for rev in acked:
            self.assertEqual(subprocess.run(["git", "--git-dir", self.repo, "merge-base", "--is-ancestor", rev, "main"]).returncode, 0, rev)
        # a lock left by a writer that died holding it, found by an immediate restart (the
        # usual systemd restart): writes work again within the documented bound, 5 s
        lock = os.path.join(self.repo, "refs", "heads", "main.lock")
        open(lock, "w").close()
        self.start()
        t0 = time.time()
        while time.time() - t0 < 8:
            st, h, _ = self.put("mistral", self.seed_xml("mistral").replace("<purpose>", "<purpose>crash after restart "))
            if st in (200, 201):
                break
            self.assertEqual((st, h.get("retry-after")), (503, "1"))
        self.assertIn(st, (200, 201))
        self.assertLess(time.time() - t0, 7.5)
        self.assertFalse(os.path.exists(lock))
        self.assertIn("stale", self.server_log())
        st, _, doc = self.jreq("GET", "/v1/subprocessors/mistral")
        self.assertEqual(st, 200)
        self.assertTrue(doc["purpose"].startswith("crash after restart"))
        st, _, hist = self.jreq("GET", "/v1/subprocessors/mistral/history")
        self.assertGreaterEqual(len(hist["history"]), len(acked) + 1)

    def test_graceful_stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(timeout=20), 0)
        self.assertIn("finishing requests in flight", self.server_log())
        # one log line per request: method, path, status, bytes, microseconds, request id
        self.assertRegex(self.server_log(), r"(?m)^\S+Z GET /healthz 200 \d+ \d+us \S+$")


class OneWriter(Server):
    """Concurrent writers on a server with many request threads: never refused, never lost."""
    threads = 16

    def new_entry(self, i):
        return self.seed_xml("mistral").replace('id="mistral"', 'id="w%02d"' % i).replace("<purpose>", "<purpose>Writer %d: " % i)

    def fsck(self):
        p = subprocess.run(["git", "--git-dir", self.repo, "fsck", "--strict"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_32_concurrent_puts_of_distinct_entries(self):
        results = {}
        go = threading.Barrier(32)

        def put(i):
            go.wait()
            results[i] = self.put("w%02d" % i, self.new_entry(i))[0]
        ts = [threading.Thread(target=put, args=(i,)) for i in range(32)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(sorted(results.values()), [201] * 32, results)
        names = git(["ls-tree", "--name-only", "main", "subprocessors/"], cwd=self.repo).stdout.split()
        for i in range(32):
            self.assertIn("subprocessors/w%02d.xml" % i, names)
        self.assertGreaterEqual(int(git(["rev-list", "--count", "main"], cwd=self.repo).stdout), 33)
        self.fsck()
        # no attempt lost left objects behind: every object is reachable (but git's empty
        # tree, which every repository may hold)
        p = subprocess.run(["git", "--git-dir", self.repo, "fsck", "--unreachable", "--no-reflogs"],
                           capture_output=True, text=True)
        self.assertEqual([l for l in p.stdout.splitlines() if "4b825dc642cb6eb9a060e54bf8d69288fbee4904" not in l], [])
        st, _, doc = self.jreq("GET", "/v1/subprocessors")
        self.assertEqual(doc["revision"], self.tip())
        metrics = self.req("GET", "/metrics")[2].decode()
        self.assertIn('subreg_http_requests_total{route="put",status="201"} 32', metrics)

    def test_16_puts_with_the_same_if_match(self):
        st, h, _ = self.jreq("GET", "/v1/subprocessors/aws?view=internal", token=self.reader)
        go = threading.Barrier(16)
        codes = []

        def put(i):
            body = self.seed_xml("aws").replace("<purpose>Cloud", "<purpose>Racer %d cloud" % i)
            go.wait()
            codes.append(self.put("aws", body, headers={"If-Match": h["etag"]})[0])
        ts = [threading.Thread(target=put, args=(i,)) for i in range(16)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(sorted(codes), [200] + [412] * 15)
        self.fsck()

    @serial
    def test_api_writers_and_git_pushes_together(self):
        stop = threading.Event()
        acked, answers, pushed, errors = [], [], [], []
        clone = os.path.join(self.tmp, "clone")
        git(["clone", "-q", self.repo, clone], cwd=self.tmp)

        def api(k):
            i = 0
            while not stop.wait(0.25 + 0.25 * ((i * 7 + k * 3) % 10) / 10):   # 2-4 writes a second each
                body = self.new_entry(k).replace("<purpose>", "<purpose>round %d " % i)
                st, _, doc = self.put("w%02d" % k, body)
                answers.append(st)
                if st in (200, 201):
                    acked.append(doc["revision"])
                i += 1

        landed_in = []

        def pusher():
            # ten changes, each pulled, committed and pushed again until it lands, as a
            # person (or a CI job) retries "fetch first"
            path = os.path.join(clone, "subprocessors", "twilio.xml")
            for i in range(10):
                stop.wait(0.5)  # people push now and then, not back to back
                t0 = time.monotonic()
                while time.monotonic() - t0 < 20:
                    git(["pull", "-q", "--rebase", "origin", "main"], cwd=clone, check=False)
                    with open(path) as f:
                        s = f.read()
                    with open(path, "w") as f:
                        f.write(re.sub(r"<purpose>(push \d+ )?", "<purpose>push %d " % i, s, count=1))
                    git(["commit", "-qam", "push %d" % i], cwd=clone)
                    p = git(["push", "-q", "origin", "main"], cwd=clone, check=False)
                    if p.returncode == 0:
                        pushed.append(git(["rev-parse", "HEAD"], cwd=clone).stdout.strip())
                        landed_in.append(time.monotonic() - t0)
                        break
                    if ("rejected" not in p.stderr and "fetch first" not in p.stderr and "lock" not in p.stderr
                            and "main moved while you pushed" not in p.stderr):
                        errors.append(p.stderr)
                    git(["reset", "-q", "--hard", "origin/main"], cwd=clone, check=False)
            stop.set()
        ts = [threading.Thread(target=api, args=(k,)) for k in range(3)] + [threading.Thread(target=pusher)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(errors, [])
        self.assertTrue(all(a in (200, 201) for a in answers), [a for a in answers if a not in (200, 201)])
        self.assertGreater(len(acked), 10)
        # the progress guarantee: at least 9 of 10 pushes land within 5 s while API writes go on
        self.assertGreaterEqual(len([t for t in landed_in if t <= 5]), 9, landed_in)
        for rev in acked + pushed:
            self.assertEqual(subprocess.run(["git", "--git-dir", self.repo, "merge-base", "--is-ancestor", rev, "main"]).returncode, 0, rev)
        self.fsck()

    def test_stale_lock_removed_while_running(self):
        lock = os.path.join(self.repo, "refs", "heads", "main.lock")
        open(lock, "w").close()
        t0 = time.time()
        st, h, doc = self.put("w00", self.new_entry(0))
        self.assertEqual((st, h.get("retry-after")), (503, "1"), doc)
        while time.time() - t0 < 8 and os.path.exists(lock):
            time.sleep(0.1)
        self.assertFalse(os.path.exists(lock))
        self.assertLess(time.time() - t0, 6.5)
        self.assertEqual(self.put("w00", self.new_entry(0))[0], 201)
        self.assertIn("removed a stale", self.server_log())
        metrics = self.req("GET", "/metrics")[2].decode()
        self.assertIn("subreg_stale_locks_removed_total 1", metrics)
        self.assertIn('route="put",status="503"', metrics)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class HealthListener(Server):
    """--health-listen: a listener and thread of its own, answered while clients fill the main
    one (#21 item 5)."""

    def serve_args(self):
        return ["--health-listen", "127.0.0.1:0"]

    def test_health_is_answered_while_the_main_listener_is_full(self):
        m = re.search(r"also on http://127\.0\.0\.1:(\d+)/", self.server_log())
        self.assertTrue(m, self.server_log())
        health = int(m.group(1))
        held = []
        for _ in range(70):        # more than the 64 one address may hold
            so = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            so.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")   # a head never finished
            held.append(so)
        time.sleep(0.5)
        # (how soon the main listener sheds the connections past 64 depends on its pace; what
        # is promised is that health is answered meanwhile)
        c = http.client.HTTPConnection("127.0.0.1", health, timeout=3)
        c.request("GET", "/healthz")
        self.assertEqual(c.getresponse().status, 200)
        for so in held:
            so.close()


class Hostile(Server):
    """What an unauthenticated visitor can send: revision expressions, aliased cache keys,
    smuggled lengths, slow connections; and what a damaged index does."""

    def test_revisions_are_parameters_not_expressions(self):
        for bad in ("main^{/zz}", ":/x", "HEAD", "main", "refs/heads/main", "main~1", "abc123",
                    "0" * 39, "G" * 40):
            st, _, doc = self.jreq("GET", "/v1/subprocessors?at=" + urllib.parse.quote(bad))
            self.assertEqual(st, 400, bad)
            st, _, doc = self.jreq("GET", "/v1/changes?since=" + urllib.parse.quote(bad))
            self.assertEqual(st, 400, bad)
        tip = self.tip()
        self.assertEqual(self.jreq("GET", "/v1/subprocessors?at=" + tip)[0], 200)
        self.assertEqual(self.jreq("GET", "/v1/changes?since=" + tip)[0], 200)
        self.assertEqual(self.jreq("GET", "/v1/subprocessors?at=" + "0" * 40)[0], 404)
        # a draft branch pushed beside main is never readable through at=
        p, draft = self.push_edit("mistral", "<purpose>", "<purpose>Secret draft ", "draft", branch="draft")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.jreq("GET", "/v1/subprocessors/mistral?at=draft")[0], 400)
        st, _, doc = self.jreq("GET", "/v1/subprocessors/mistral?at=" + draft)
        self.assertEqual(st, 404)
        self.assertNotIn("Secret", json.dumps(doc))
        # memory stays flat: 200 expression requests cost nothing
        before = rss_kb(self.proc.pid)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        for i in range(200):
            self.assertEqual(self.req("GET", "/v1/subprocessors?at=main%5E%7B%2Fzz" + str(i) + "%7D", conn=conn)[0], 400)
        conn.close()
        self.assertLess(rss_kb(self.proc.pid) - before, 8 * 1024)

    def test_cache_keys_are_canonical(self):
        st, _, doc = self.jreq("GET", "/v1/subprocessors?country%3DUS%26mechanism=scc")
        self.assertEqual(st, 400)
        self.assertIn("unknown parameter", doc["error"]["message"])
        st, _, whole = self.jreq("GET", "/v1/subprocessors")
        st, _, filt = self.jreq("GET", "/v1/subprocessors?country=US&mechanism=scc")
        self.assertEqual(st, 200)
        self.assertLess(len(filt["subprocessors"]), len(whole["subprocessors"]))
        st, _, again = self.jreq("GET", "/v1/subprocessors?mechanism=scc&country=US")
        self.assertEqual(again, filt)
        # the same filter through an encoded value is a different (empty) filter, not the list
        st, _, odd = self.jreq("GET", "/v1/subprocessors?q=US%26mechanism%3Dscc")
        self.assertEqual((st, odd["subprocessors"]), (200, []))
        self.assertEqual(self.jreq("GET", "/v1/subprocessors?country=US&country=DE")[0], 400)
        self.assertEqual(self.jreq("GET", "/v1/feed.atom?x=1")[0], 400)
        self.assertEqual(self.jreq("GET", "/v1/subprocessors/aws?coutry=US")[0], 400)

    def test_small_things(self):
        # the auth scheme is case-insensitive
        self.assertEqual(self.jreq("GET", "/v1/subprocessors?view=internal", headers={"Authorization": "bearer " + self.reader})[0], 200)
        # answers to a token are not shared cross-origin; every answer varies by it
        st, h, _ = self.req("GET", "/v1/subprocessors", token=self.reader)
        self.assertNotIn("access-control-allow-origin", h)
        self.assertIn("Authorization", h.get("vary", ""))
        st, h, _ = self.req("GET", "/v1/subprocessors")
        self.assertEqual(h.get("access-control-allow-origin"), "*")
        # invalid UTF-8 in a commit message comes back as valid UTF-8 inside JSON
        raw = socket.create_connection(("127.0.0.1", self.port))
        body = self.seed_xml("mistral").replace("<purpose>", "<purpose>utf8 ").encode()
        raw.sendall(b"PUT /v1/subprocessors/mistral HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + self.editor.encode() +
                    b"\r\nContent-Type: application/xml\r\nX-Commit-Message: bad \xff\xfe \xc0\xaf end\r\nContent-Length: " +
                    str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
        resp = b""
        while True:
            chunk = raw.recv(65536)
            if not chunk:
                break
            resp += chunk
        raw.close()
        self.assertTrue(resp.startswith(b"HTTP/1.1 200"), resp[:200])
        st, h, data = self.req("GET", "/v1/subprocessors/mistral/history?view=internal", token=self.reader)
        doc = json.loads(data.decode("utf-8"))  # strict: fails on invalid UTF-8
        self.assertIn("bad", doc["history"][0]["message"])
        # two different Content-Length headers
        raw = socket.create_connection(("127.0.0.1", self.port))
        raw.sendall(b"PUT /v1/subprocessors/mistral HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n"
                    b"Connection: close\r\n\r\nhello")
        resp = raw.recv(4096)
        raw.close()
        self.assertTrue(resp.startswith(b"HTTP/1.1 400"), resp[:100])
        # the index holds internal fields: owner only
        self.assertEqual(os.stat(os.path.join(self.state, "index.sqlite")).st_mode & 0o777, 0o600)

    def test_a_request_head_dripped_line_by_line_is_cut_at_its_deadline(self):
        # a header line every 2 s resets libmicrohttpd's idle timeout for ever; the head has
        # a total deadline of 10 s (#21 item 5)
        socks = []
        for _ in range(3):
            so = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            so.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            socks.append(so)
        t0, closed = time.time(), [None] * 3
        while time.time() - t0 < 25 and None in closed:
            time.sleep(2)
            for i, so in enumerate(socks):
                if closed[i] is not None:
                    continue
                try:
                    so.sendall(b"X-Drip: 1\r\n")
                    so.setblocking(False)
                    try:
                        if so.recv(1) == b"":
                            closed[i] = time.time() - t0
                    except BlockingIOError:
                        pass
                    finally:
                        so.setblocking(True)
                except OSError:
                    closed[i] = time.time() - t0
            self.assertEqual(self.req("GET", "/healthz")[0], 200)     # the service stays up
        for so in socks:
            so.close()
        self.assertNotIn(None, closed, closed)
        self.assertTrue(all(9 <= c <= 16 for c in closed), closed)

    @serial
    def test_slow_connections_from_one_address_leave_the_service_up(self):
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < 1200:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))
        socks = []
        try:
            for i in range(1000):
                try:
                    sk = socket.create_connection(("127.0.0.1", self.port), timeout=5)
                    sk.sendall(b"GET /v1/subprocessors HTTP/1.1\r\nHost: x\r\n")  # never finished
                    socks.append(sk)
                except OSError:
                    pass
            t0 = time.time()
            other = socket.socket()
            other.bind(("127.0.0.2", 0))
            other.settimeout(5)
            other.connect(("127.0.0.1", self.port))
            other.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            resp = other.recv(4096)
            other.close()
            self.assertTrue(resp.startswith(b"HTTP/1.1 200"), resp[:100])
            self.assertLess(time.time() - t0, 2)
        finally:
            for sk in socks:
                sk.close()

    def test_never_a_tree_with_two_entries_of_one_name(self):
        # a commit that makes subprocessors/aws.xml a directory, put on main past the push
        # guard (git fetch into the bare repository runs no hook), then an API write of aws
        clone = os.path.join(self.tmp, "dirclone")
        git(["clone", "-q", self.repo, clone], cwd=self.tmp)
        aws = os.path.join(clone, "subprocessors", "aws.xml")
        os.unlink(aws)
        os.makedirs(aws)
        with open(os.path.join(aws, "x"), "w") as f:
            f.write("x\n")
        git(["add", "-A"], cwd=clone)
        git(["commit", "-qm", "aws.xml becomes a directory"], cwd=clone)
        git(["--git-dir", self.repo, "fetch", "-q", clone, "+main:main"], cwd=self.tmp)
        time.sleep(0.6)
        st, _, doc = self.put("aws", self.seed_xml("aws"))
        self.assertIn(st, (200, 201), doc)
        p = subprocess.run(["git", "--git-dir", self.repo, "fsck", "--strict"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(git(["cat-file", "-t", "main:subprocessors/aws.xml"], cwd=self.repo).stdout.strip(), "blob")

    def damage(self, offset, length):
        path = os.path.join(self.state, "index.sqlite")
        with open(path, "r+b") as f:
            f.seek(offset)
            f.write(b"\xa5" * length)

    def test_index_not_a_database_at_start(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)
        for ext in ("-wal", "-shm"):
            p = os.path.join(self.state, "index.sqlite" + ext)
            if os.path.exists(p):
                os.unlink(p)
        self.damage(0, 4096)
        self.start()
        st, _, doc = self.jreq("GET", "/v1/subprocessors/aws/history")
        self.assertEqual(st, 200)
        self.assertIn("damaged", self.server_log())
        self.assertTrue([n for n in os.listdir(self.state) if n.startswith("index.sqlite.damaged-")])

    def test_index_cut_short_or_removed_while_running(self):
        """#21 item 10: truncated under the running server, the index made every write wait
        10 s on a lock ("database is locked"), acknowledged writes were missing from history
        and history answered 500 until a restart. Now it is replaced at once."""
        path = os.path.join(self.state, "index.sqlite")
        for n, cut in enumerate(("truncate", "remove", "truncate")):
            if cut == "truncate":
                os.truncate(path, 0)
                if os.path.exists(path + "-wal"):
                    os.truncate(path + "-wal", 0)
            else:
                os.unlink(path)
            t0 = time.time()
            st, _, doc = self.put("mistral", self.seed_xml("mistral").replace("<purpose>", "<purpose>Cut %d " % n))
            self.assertEqual(st, 200, doc)
            self.assertLess(time.time() - t0, 5, "a write waited on the index %s" % ("removed" if cut == "remove" else "cut"))
            st, _, hist = self.jreq("GET", "/v1/subprocessors/mistral/history")
            self.assertEqual(st, 200, hist)
            self.assertEqual(len(hist["history"]), n + 2)
            self.assertTrue(self.jreq("GET", "/v1/subprocessors/mistral")[2]["purpose"].startswith("Cut %d" % n))
        self.assertIn("cut short or removed", self.server_log())
        self.assertIn("subreg_index_rebuilds_total 3", self.req("GET", "/metrics")[2].decode())

    def test_damaged_pages_rebuilt_and_health_recovers(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)
        subprocess.run(["sqlite3", os.path.join(self.state, "index.sqlite"), "PRAGMA wal_checkpoint(TRUNCATE);"], check=True,
                       capture_output=True)
        size = os.path.getsize(os.path.join(self.state, "index.sqlite"))
        self.damage(4096, size - 4096)   # every page but the header
        self.start()
        # a write answered 2xx is what the next read shows; history works; health says ok
        st, _, doc = self.put("mistral", self.seed_xml("mistral").replace("<purpose>", "<purpose>After damage "))
        self.assertEqual(st, 200)
        t0 = time.time()
        while time.time() - t0 < 10:
            st, _, hist = self.jreq("GET", "/v1/subprocessors/mistral/history")
            if st == 200 and len(hist["history"]) == 2:
                break
            time.sleep(0.2)
        self.assertEqual((st, len(hist["history"])), (200, 2))
        st, _, entry = self.jreq("GET", "/v1/subprocessors/mistral")
        self.assertTrue(entry["purpose"].startswith("After damage"))
        st, _, health = self.jreq("GET", "/healthz")
        self.assertEqual((st, health["status"], health["revision"]), (200, "ok", self.tip()))
        self.assertIn("damaged", self.server_log())
        self.assertIn("subreg_index_rebuilds_total 1", self.req("GET", "/metrics")[2].decode())


class MaterialChange(Server):
    """A country added to an active entry (a material change) needs the notice period."""

    def push_hetzner(self, effective, round_):
        clone = os.path.join(self.tmp, "mc-%d" % round_)
        git(["clone", "-q", self.repo, clone], cwd=self.tmp)
        path = os.path.join(clone, "subprocessors", "hetzner.xml")
        with open(path) as f:
            s = f.read()
        eff = ' announced="2026-11-28" effective="%s"' % effective if effective else ""
        s = s.replace('<location country="DE" use="storage"/>',
                      '<location country="DE" use="storage"/>\n    <location country="IN" use="access"%s/>' % eff)
        s = s.replace("  </locations>\n", "  </locations>\n  <transfers>\n    <transfer country=\"IN\" mechanism=\"scc\" "
                      "clauses=\"2021/914\" module=\"2 3\" signed=\"2026-11-20\" tia=\"2026-11-20\"%s/>\n  </transfers>\n" % eff)
        with open(path, "w") as f:
            f.write(s)
        git(["commit", "-qam", "hetzner: support from India"], cwd=clone)
        return git(["push", "origin", "main"], cwd=clone, check=False)

    def test_notice_for_an_added_country(self):
        p = self.push_hetzner(None, 1)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("error[change-notice]", p.stderr)
        self.assertIn('effective="2026-12-13"', p.stderr)       # 14 whole days after today
        p = self.push_hetzner("2026-12-03", 2)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("too early", p.stderr)
        p = self.push_hetzner("2026-12-18", 3)
        self.assertEqual(p.returncode, 0, p.stderr)
        t0 = time.time()
        while time.time() - t0 < 2:
            st, _, doc = self.jreq("GET", "/v1/changes")
            if doc.get("upcoming") and any(u["id"] == "hetzner" for u in doc["upcoming"]):
                break
            time.sleep(0.1)
        ups = [u for u in doc["upcoming"] if u["id"] == "hetzner"]
        self.assertEqual(sorted(u["change"] for u in ups), ["location IN (access)", "transfer to IN (scc)"])
        self.assertEqual({u["effective"] for u in ups}, {"2026-12-18"})
        feed = self.req("GET", "/v1/feed.atom")[2].decode()
        self.assertIn("Upcoming change: Hetzner", feed)
        self.assertIn("location IN (access) from 2026-12-18", feed)
        st, _, entry = self.jreq("GET", "/v1/subprocessors/hetzner")
        marked = [l for l in entry["locations"] if l["country"] == "IN"]
        self.assertEqual(marked[0]["effective"], "2026-12-18")
        # the API's writes are held to the same rule
        st, _, doc = self.put("mistral", self.seed_xml("mistral").replace(
            '<location country="SE" use="processing"/>', '<location country="SE" use="processing"/>\n    <location country="PL" use="storage"/>'))
        self.assertEqual(st, 422)
        self.assertIn("change-notice", json.dumps(doc))
        # on its date it is in force: no longer upcoming
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)
        self.start(today="2026-12-18")
        st, _, doc = self.jreq("GET", "/v1/changes")
        self.assertFalse([u for u in doc["upcoming"] if u["id"] == "hetzner"])

class CustomerView(Server):
    def test_customer_token_sees_the_chain_not_the_internals(self):
        tok = run(["token", "add", "acme-dpo", "--role", "customer", "--state", self.state]).stdout.splitlines()[-1]
        st, _, doc = self.jreq("GET", "/v1/subprocessors/twilio?view=customer", token=tok)
        self.assertEqual(st, 200)
        self.assertTrue(doc["entity"]["address"])
        self.assertIs(doc["dpa"], True)
        self.assertEqual(doc["onward"][0]["name"], "Amazon Web Services, Inc.")
        self.assertEqual(doc["onward"][0]["transfers"][0]["mechanism"], "scc")
        text = json.dumps(doc)
        for hidden in ('"tia"', '"signed"', '"waivers"', '"internal"', '"reference"', '"verified"'):
            self.assertNotIn(hidden, text)
        st, _, pub = self.jreq("GET", "/v1/subprocessors/twilio")
        self.assertNotIn("address", pub["entity"])
        self.assertNotIn("transfers", pub["onward"][0])
        self.assertEqual(self.jreq("GET", "/v1/subprocessors/twilio?view=internal", token=tok)[0], 403)
        self.assertEqual(self.jreq("GET", "/v1/subprocessors/twilio?view=customer")[0], 401)
        self.assertEqual(self.jreq("GET", "/v1/subprocessors?view=customer", token=self.reader)[0], 200)
        self.assertEqual(self.jreq("GET", "/v1/subprocessors?view=everything", token=self.reader)[0], 400)


class PageAndExport(Server):
    """`subreg export --format html` renders the page GET / serves: the same list and the same
    versions of it (#23 item 2: the versions were built in the server only)."""

    def test_export_html_has_the_versions_of_get(self):
        st, _, doc = self.put("mistral", self.seed_xml("mistral").replace("<purpose>", "<purpose>Versioned "))
        self.assertEqual(st, 200, doc)
        st, _, page = self.req("GET", "/?lang=en")
        self.assertEqual(st, 200)
        p = run(["export", "--registry", self.repo, "--state", os.path.join(self.tmp, "cli-state"),
                 "--format", "html", "--lang", "en"], env=dict(os.environ, SUBREG_TODAY="2026-11-28"))
        self.assertEqual(p.returncode, 0, p.stderr)

        def versions(html):
            # the words (the served page links each version to its ?at= page; a file does not)
            m = re.search(r'<ul class="versions">.*?</ul>', html, re.S)
            self.assertTrue(m, html[-3000:])
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(0))).strip()
        self.assertEqual(versions(p.stdout), versions(page.decode()))
        self.assertIn("Changed: mistral", versions(p.stdout))


class PublicUrlInClear(Server):
    """--public-url over http works, and says at start what it costs (#24 item 8)."""

    def serve_args(self):
        return ["--public-url", "http://registry.example/"]

    def test_a_public_url_in_clear_is_warned_about(self):
        self.assertIn("--public-url http://registry.example is not https", self.server_log())
        self.assertIn("RFC 8058", self.server_log())
        st, _, page = self.req("GET", "/?lang=nl")
        self.assertEqual(st, 200)
        # every page says what it is to search engines, in its language
        self.assertRegex(page.decode(), r'<meta name="description" content="De bedrijven die persoonsgegevens verwerken voor CallNex BV')


class EntryPage(Server):
    """An entry's page is its own (#24 item 5): its title and heading, the way back to the
    list, no empty "Current" heading for a planned vendor, and its own history only."""

    def test_an_entry_page_is_about_its_entry(self):
        st, _, doc = self.put("mistral", self.seed_xml("mistral").replace("<purpose>", "<purpose>Own page "))
        self.assertEqual(st, 200, doc)
        st, _, page = self.req("GET", "/subprocessors/mistral?lang=en")
        self.assertEqual(st, 200)
        html = page.decode()
        self.assertIn("<title>Mistral AI SAS, sub-processor of CallNex BV</title>", html)
        self.assertIn("<h1>Mistral AI SAS, sub-processor of CallNex BV</h1>", html)
        self.assertIn('<nav aria-label="breadcrumb" class="crumbs"><a href="/?lang=en">All sub-processors</a></nav>', html)
        history = re.search(r'<h2>History of this sub-processor</h2>\s*<ul class="versions">(.*?)</ul>', html, re.S)
        self.assertTrue(history, html[-2000:])
        self.assertIn("mistral", history.group(1))
        self.assertNotIn("Amazon", history.group(1))       # not the whole list's history
        # a planned vendor: no "Current sub-processors" heading over nothing
        st, _, page = self.req("GET", "/subprocessors/gladia?lang=fr")
        self.assertEqual(st, 200)
        self.assertNotIn("<h2>Sous-traitants ult\u00e9rieurs actuels</h2>", page.decode())
        self.assertIn("Gladia SAS, sous-traitant ult\u00e9rieur de CallNex BV", page.decode())
