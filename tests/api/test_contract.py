"""Contract test: requests to every operation of docs/openapi.json, replayed through Stoplight
Prism's validation proxy (npm @stoplight/prism-cli) in front of the live server. Prism checks
each request and each real response (status, headers, media type, body schema) against the
document and reports what differs in an `sl-violations` header; any violation of a response
fails the test, and any violation of a request we meant to be valid too.

HEAD does not go through Prism: its proxy parses the empty body of a HEAD answer as JSON and
fails (stoplightio/prism#1361, bodyless responses); HEAD is checked against the server
directly (same status and headers as GET, no body)."""
import http.client
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import ROOT  # noqa: E402
from api.test_api import Server, free_port  # noqa: E402

PRISM = os.path.join(ROOT, "tests", "node_modules", ".bin", "prism")
SPEC = os.path.join(ROOT, "docs", "openapi.json")


class Contract(Server):
    def setUp(self):
        super().setUp()
        self.assertTrue(os.access(PRISM, os.X_OK), "make test installs @stoplight/prism-cli in tests/")
        self.prisms = []
        self.pport = self.start_prism(SPEC)
        self.violations = []
        self.seen = set()

    def start_prism(self, spec):
        """Prism's validation proxy for spec in front of the server; returns its port."""
        port = free_port()
        log = open(os.path.join(self.tmp, "prism-%d.log" % port), "w+")
        # --cors=false: preflights go to the server, not answered by Prism itself
        proc = subprocess.Popen([PRISM, "proxy", spec, "http://127.0.0.1:%d" % self.port, "-h", "127.0.0.1",
                                 "-p", str(port), "--cors=false"], stdout=log, stderr=log)
        self.prisms.append((proc, log))
        deadline = time.time() + 120
        text = ""
        while time.time() < deadline and proc.poll() is None and "Prism is listening" not in text:
            time.sleep(0.2)
            log.flush()
            log.seek(0)
            text = log.read()
        self.assertIn("Prism is listening", text, text[-3000:])
        return port

    def tearDown(self):
        for proc, log in self.prisms:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
        super().tearDown()

    def via(self, op, method, path, expect, body=None, headers=None, token=None, valid=True, port=None):
        """One request through Prism; records its violations (of the response only when the
        request is deliberately invalid). Returns (status, headers, body)."""
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        c = http.client.HTTPConnection("127.0.0.1", port or self.pport, timeout=60)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        hdrs = dict((k.lower(), v) for k, v in r.getheaders())
        self.assertEqual(r.status, expect, "%s %s: %s" % (method, path, data[:300]))
        found = json.loads(hdrs.get("sl-violations", "[]"))
        if not valid:
            found = [v for v in found if v.get("location", [""])[0] == "response"]
        if found:
            self.violations.append("%s %s -> %d: %s" % (method, path, r.status, json.dumps(found)))
        self.seen.add(op)
        return r.status, hdrs, data

    def test_every_operation_through_prism(self):
        with open(SPEC) as f:
            doc = json.load(f)
        ops = {(p, m) for p, item in doc["paths"].items() for m in item if m in ("get", "put", "delete", "post", "head", "options")}
        concrete = {"/v1/subprocessors/{id}": "/v1/subprocessors/mistral",
                    "/v1/subprocessors/{id}.xml": "/v1/subprocessors/mistral.xml",
                    "/v1/subprocessors/{id}/history": "/v1/subprocessors/mistral/history",
                    "/v1/schemas/{name}.xsd": "/v1/schemas/subprocessor.xsd",
                    "/subprocessors/{id}": "/subprocessors/mistral",
                    "/subscriptions/confirm/{token}": "/subscriptions/confirm/c1-0-" + "0" * 32,
                    "/unsubscribe/{token}": "/unsubscribe/u1-0-" + "0" * 32,
                    "/objections/{token}": "/objections/o1-1-" + "0" * 32,
                    "/customer/{token}": "/customer/v1-0-" + "0" * 32,
                    "/v1/customers/{id}": "/v1/customers/example-energy",
                    "/v1/subscribers/{id}": "/v1/subscribers/1",
                    "/v1/webhooks/{id}": "/v1/webhooks/1"}
        editor_only = {"/v1/subscribers", "/v1/webhooks", "/v1/notices", "/v1/objections"}
        gets = sorted(p for p, m in ops if m == "get")
        for path in gets:
            url = concrete.get(path, path)
            sec = doc["paths"][path]["get"].get("security", [])
            token = None if {} in sec else self.editor if path in editor_only else self.reader
            # the links of emails: a real token comes only by email (tests/api/test_notify.py)
            ok = 204 if path == "/favicon.ico" else 404 if "{token}" in path else 200
            _, h, _ = self.via((path, "get"), "GET", url, ok, token=token)
            if "etag" in h:
                self.via((path, "get"), "GET", url, 304, headers={"If-None-Match": h["etag"]}, token=token)
            self.via((path, "get"), "GET", url + "?no-such-parameter=1", 400 if path not in ("/healthz", "/metrics") else 200,
                     token=token, valid=False)
            self.via((path, "get"), "GET", url, 401, token="sr_" + "0" * 64)
            # HEAD, at the server itself (see the module's docstring)
            hs, hh, hb = self.req("HEAD", url, token=token)
            self.assertEqual((hs, hb), (ok, b""), url)
            self.assertEqual(hh.get("content-type"), h.get("content-type"), url)
            self.assertIn((path, "head"), ops, path)
            self.seen.add((path, "head"))
        for path in ("/v1/subprocessors/{id}", "/v1/subprocessors/{id}.xml", "/v1/subprocessors/{id}/history",
                     "/subprocessors/{id}"):
            url = concrete[path].replace("mistral", "no-such-vendor")
            self.via((path, "get"), "GET", url, 404, token=self.reader)
        self.via(("/v1/schemas/{name}.xsd", "get"), "GET", "/v1/schemas/nope.xsd", 404)
        self.via(("/v1/customers/{id}", "get"), "GET", "/v1/customers/no-such-customer", 404, token=self.reader)
        self.via(("/v1/customers/{id}", "get"), "GET", "/v1/customers/example-energy", 401, valid=False)
        self.via(("/v1/changes", "get"), "GET", "/v1/changes?since=yesterday", 400, valid=False)
        self.via(("/v1/subprocessors/{id}.xml", "get"), "GET", "/v1/subprocessors/mistral.xml", 401, valid=False)
        self.via(("/v1/compliance", "get"), "GET", "/v1/compliance", 401, valid=False)
        for path, m in sorted(ops):
            if m == "options":
                self.via((path, "options"), "OPTIONS", concrete.get(path, path), 204,
                         headers={"Origin": "https://callnex.example", "Access-Control-Request-Method": "GET"})
        # notices (docs/notify.md)
        js = {"Content-Type": "application/json"}
        op = ("/v1/subscriptions", "post")
        self.via(op, "POST", "/v1/subscriptions", 202, body=b'{"email": "dpo@customer.example", "lang": "fr"}', headers=js)
        self.via(op, "POST", "/v1/subscriptions", 400, body=b'{"email": "not an address"}', headers=js)
        op = ("/v1/subscribers", "post")
        self.via(op, "POST", "/v1/subscribers", 201, body=b'{"email": "legal@customer.example", "customer": "C NV"}',
                 headers=js, token=self.editor)
        self.via(op, "POST", "/v1/subscribers", 200, body=b'{"email": "legal@customer.example", "lang": "nl"}',
                 headers=js, token=self.editor)
        self.via(op, "POST", "/v1/subscribers", 400, body=b'{"email": "a@b.example", "lang": "xx"}', headers=js,
                 token=self.editor, valid=False)
        self.via(op, "POST", "/v1/subscribers", 403, body=b'{"email": "a@b.example"}', headers=js, token=self.reader)
        subs = self.req("GET", "/v1/subscribers", token=self.editor)[2]
        sid = [x["id"] for x in json.loads(subs)["subscribers"] if x["email"] == "legal@customer.example"][0]
        op = ("/v1/subscribers/{id}", "delete")
        self.via(op, "DELETE", "/v1/subscribers/%d" % sid, 204, token=self.editor)
        self.via(op, "DELETE", "/v1/subscribers/%d" % sid, 404, token=self.editor)
        self.via(op, "DELETE", "/v1/subscribers/%d" % sid, 403, token=self.reader)
        op = ("/v1/webhooks", "post")
        # a public address literal: nothing is delivered to it (removed before any change)
        _, _, created = self.via(op, "POST", "/v1/webhooks", 201, body=b'{"url": "http://93.184.215.14/hooks/subreg"}',
                                 headers=js, token=self.editor)
        self.via(op, "POST", "/v1/webhooks", 400, body=b'{"url": "http://127.0.0.1:9/x"}', headers=js, token=self.editor)
        self.via(op, "POST", "/v1/webhooks", 403, body=b'{"url": "http://93.184.215.14/"}', headers=js, token=self.reader)
        op = ("/v1/webhooks/{id}", "delete")
        self.via(op, "DELETE", "/v1/webhooks/%d" % json.loads(created)["id"], 204, token=self.editor)
        self.via(op, "DELETE", "/v1/webhooks/%d" % json.loads(created)["id"], 404, token=self.editor)
        self.via(("/v1/notices", "get"), "GET", "/v1/notices?since=2026-01-01", 200, token=self.editor)
        self.via(("/v1/notices", "get"), "GET", "/v1/notices?since=yesterday", 400, token=self.editor)
        # no --upstream here: the webhook of an upstream is not served (tests/api/test_upstream.py)
        self.via(("/v1/hooks/git", "post"), "POST", "/v1/hooks/git", 404, body=b"{}", headers=js)
        for path in ("/subscriptions/confirm/{token}", "/unsubscribe/{token}", "/objections/{token}"):
            self.via((path, "post"), "POST", concrete[path], 404, body=b"List-Unsubscribe=One-Click",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.via(("/v1/widget", "get"), "GET", "/v1/widget?lang=nl", 200)
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        self.via(("/subscribe", "post"), "POST", "/subscribe", 200, body=b"email=contract%40example.com&lang=fr",
                 headers=dict(form, Origin="http://127.0.0.1:%d" % self.port))
        self.via(("/subscribe", "post"), "POST", "/subscribe", 403, body=b"email=contract%40example.com",
                 headers=dict(form, Origin="https://elsewhere.example"))
        # writes
        with open(os.path.join(ROOT, "data", "seed", "subprocessors", "mistral.xml")) as f:
            mistral = f.read()
        xml = {"Content-Type": "application/xml"}
        op = ("/v1/validate", "post")
        self.via(op, "POST", "/v1/validate", 200, body=mistral.encode(), headers=xml, token=self.editor)
        self.via(op, "POST", "/v1/validate", 422, body=b'<subprocessor xmlns="urn:subreg:1" id="acme"/>', headers=xml, token=self.editor)
        self.via(op, "POST", "/v1/validate", 415, body=b"{}", headers={"Content-Type": "application/json"},
                 token=self.editor, valid=False)
        self.via(op, "POST", "/v1/validate", 403, body=mistral.encode(), headers=xml, token=self.reader)
        op = ("/v1/subprocessors/{id}", "put")
        url = "/v1/subprocessors/mistral"
        etag = self.req("GET", url, token=self.editor)[1]["etag"]
        changed = mistral.replace("</purpose>", " (contract test)</purpose>", 1)
        self.assertNotEqual(changed, mistral)
        self.via(op, "PUT", url, 412, body=changed.encode(), headers=dict(xml, **{"If-Match": '"0000"'}), token=self.editor)
        self.via(op, "PUT", url, 200, body=changed.encode(), headers=dict(xml, **{"If-Match": etag}), token=self.editor)
        self.via(op, "PUT", "/v1/subprocessors/acme", 400, body=changed.encode(), headers=xml, token=self.editor)
        self.via(op, "PUT", "/v1/subprocessors/acme", 422, body=b'<subprocessor xmlns="urn:subreg:1" id="acme"/>',
                 headers=xml, token=self.editor)
        self.via(op, "PUT", url, 401, body=changed.encode(), headers=xml, valid=False)
        self.via(op, "PUT", url, 403, body=changed.encode(), headers=xml, token=self.reader)
        op = ("/v1/subprocessors/{id}", "delete")
        self.via(op, "DELETE", "/v1/subprocessors/plausible", 204, token=self.editor)
        self.via(op, "DELETE", "/v1/subprocessors/plausible", 404, token=self.editor)
        self.via(op, "DELETE", "/v1/subprocessors/hetzner", 403, token=self.reader)
        # every operation of the document was exercised, and nothing differed from it
        self.assertEqual(ops - self.seen, set())
        self.assertEqual(self.violations, [], "\n".join(self.violations))
        # and the proxy does report a response the document does not declare (the test can fail):
        # the same document without the 304 of the list
        with open(SPEC) as f:
            doc = json.load(f)
        del doc["paths"]["/v1/subprocessors"]["get"]["responses"]["304"]
        narrowed = os.path.join(self.tmp, "narrowed.json")
        with open(narrowed, "w") as f:
            json.dump(doc, f)
        port = self.start_prism(narrowed)
        etag = self.req("GET", "/v1/subprocessors")[1]["etag"]
        self.via(("/v1/subprocessors", "get"), "GET", "/v1/subprocessors", 304, headers={"If-None-Match": etag}, port=port)
        self.assertEqual(len(self.violations), 1)
        self.assertIn("304", self.violations[0])
