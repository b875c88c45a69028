"""A registry kept in an upstream repository (issue #14, docs/operations.md): real remotes on
loopback, served by git's own daemon (`git daemon --enable=receive-pack`) and over file://;
a primary and read replicas following it; real pushes with the git command line; the
upstream's webhook signed as GitHub and GitLab sign it."""
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import time
import unittest

from api.test_api import free_port
from helpers import SANITIZER_MARKERS, SEED, TempDirTest, git, run, serial, subreg_bin

SECRET = "s3cret-webhook-known-to-github"


class Node:
    """One `subreg serve` process and its state directory."""

    def __init__(self, test, name, args, env=None):
        self.test, self.name = test, name
        self.state = os.path.join(test.tmp, "state-" + name)
        self.repo = os.path.join(test.tmp, name + ".git")
        self.args = args
        self.env = env
        self.editor = run(["token", "add", "ed", "--role", "editor", "--state", self.state]).stdout.splitlines()[-1]
        self.log = open(os.path.join(test.tmp, name + ".log"), "w+")
        self.proc = None
        self.start()

    def start(self):
        self.port = free_port()
        env = dict(os.environ, SUBREG_TODAY="2026-11-28", **(self.env or {}))
        self.proc = subprocess.Popen([subreg_bin(), "serve", "--registry", self.repo, "--state", self.state,
                                      "--listen", "127.0.0.1:%d" % self.port] + self.args,
                                     stdout=self.log, stderr=self.log, env=env)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if self.req("GET", "/v1/subprocessors")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
            if self.proc.poll() is not None:
                break
        raise AssertionError("%s did not start:\n%s" % (self.name, self.text()))

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        log = self.text()
        self.log.close()
        for marker in SANITIZER_MARKERS:
            assert marker not in log, log[-4000:]
        assert self.proc.returncode == 0, "%s exit %s\n%s" % (self.name, self.proc.returncode, log[-3000:])

    def text(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def req(self, method, path, body=None, headers=None, token=None):
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        hdrs = dict((k.lower(), v) for k, v in r.getheaders())
        if hdrs.get("content-type", "").startswith("application/json") and data:
            data = json.loads(data)
        return r.status, hdrs, data

    def revision(self):
        return self.req("GET", "/v1/subprocessors")[2]["revision"]

    def put(self, id_, xml, headers=None):
        h = {"Content-Type": "application/xml"}
        h.update(headers or {})
        return self.req("PUT", "/v1/subprocessors/" + id_, body=xml.encode(), headers=h, token=self.editor)

    def github_hook(self, body=b'{"ref": "refs/heads/main"}', secret=SECRET):
        sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return self.req("POST", "/v1/hooks/git", body=body, headers={"X-Hub-Signature-256": sig,
                                                                      "X-GitHub-Event": "push"})

    def metric(self, name):
        text = self.req("GET", "/metrics")[2].decode()
        m = re.search(r"^%s (\S+)$" % name, text, re.M)
        return float(m.group(1)) if m else None


class Upstream(TempDirTest):
    """An upstream served by git daemon, with servers following it."""
    use_daemon = True

    def setUp(self):
        super().setUp()
        self.nodes = []
        self.daemon = None
        self.origin = os.path.join(self.tmp, "upstream.git")
        self.assertEqual(run(["init", "--registry", self.origin, "--from", SEED]).returncode, 0)
        # GitHub and GitLab do not run our push guard: someone can merge around CI
        os.remove(os.path.join(self.origin, "hooks", "pre-receive"))
        self.secret_file = os.path.join(self.tmp, "webhook-secret")
        with open(self.secret_file, "w") as f:
            f.write(SECRET + "\n")
        if self.use_daemon:
            self.daemon_port = free_port()
            self.start_daemon()
            self.upstream_url = "git://127.0.0.1:%d/upstream.git" % self.daemon_port
        else:
            self.upstream_url = "file://" + self.origin
        self.work = os.path.join(self.tmp, "work")
        git(["clone", "-q", self.upstream_url, self.work], cwd=self.tmp)

    def start_daemon(self):
        self.daemon = subprocess.Popen(["git", "daemon", "--reuseaddr", "--listen=127.0.0.1", "--port=%d" % self.daemon_port,
                                        "--base-path=" + self.tmp, "--export-all", "--enable=receive-pack",
                                        "--informative-errors", self.tmp],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            if git(["ls-remote", "git://127.0.0.1:%d/upstream.git" % self.daemon_port, "main"], cwd=self.tmp,
                   check=False).returncode == 0:
                return
            time.sleep(0.1)
        self.fail("git daemon did not start")

    def stop_daemon(self):
        self.daemon.terminate()
        self.daemon.wait()

    def tearDown(self):
        errors = []
        for n in self.nodes:
            try:
                n.stop()
            except AssertionError as e:
                errors.append(str(e))
        if self.daemon and self.daemon.poll() is None:
            self.stop_daemon()
        super().tearDown()
        self.assertEqual(errors, [])

    def node(self, name, *args, env=None):
        n = Node(self, name, ["--upstream", self.upstream_url] + list(args), env=env)
        self.nodes.append(n)
        return n

    def upstream_main(self):
        """The upstream's main as the test sees it: straight from the repository, never through
        the fault proxy the servers may be given (test_faults), whatever mode it is in."""
        return git(["rev-parse", "refs/heads/main"], cwd=self.origin).stdout.strip()

    def seed_xml(self, name):
        with open(os.path.join(SEED, "subprocessors", name + ".xml")) as f:
            return f.read()

    def push_straight(self, name, old, new, message):
        """What someone does on GitHub around CI: commit and push to the upstream directly."""
        git(["pull", "-q", "--rebase", "origin", "main"], cwd=self.work)
        path = os.path.join(self.work, "subprocessors", name + ".xml")
        with open(path) as f:
            s = f.read()
        self.assertIn(old, s)
        with open(path, "w") as f:
            f.write(s.replace(old, new))
        git(["commit", "-qam", message], cwd=self.work)
        git(["push", "-q", "origin", "main"], cwd=self.work)
        return git(["rev-parse", "HEAD"], cwd=self.work).stdout.strip()

    def wait_serving(self, nodes, rev, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if all(n.revision() == rev for n in nodes):
                return time.time()
            time.sleep(0.02)
        self.fail("not served within %.1f s: %s" % (timeout, [(n.name, n.revision()) for n in nodes]))


class PrimaryAndReplicas(Upstream):
    @serial  # promises a revision served within 2 s
    def test_writes_reach_the_upstream_and_every_replica(self):
        primary = self.node("primary", "--webhook-secret-file", self.secret_file, "--fetch-interval", "60")
        replicas = [self.node("replica%d" % i, "--read-only", "--primary", primary.url,
                              "--webhook-secret-file", self.secret_file, "--fetch-interval", "60") for i in (1, 2)]
        start = self.upstream_main()
        for n in [primary] + replicas:
            self.assertEqual(n.revision(), start)
            self.assertTrue(os.path.isdir(n.repo))          # cloned at the first start
        # a PUT is acknowledged only once the upstream has it
        xml = self.seed_xml("mistral").replace("</purpose>", " (primary write)</purpose>", 1)
        st, h, doc = primary.put("mistral", xml)
        self.assertEqual(st, 200, doc)
        self.assertEqual(self.upstream_main(), doc["revision"])
        self.assertEqual(primary.revision(), doc["revision"])
        # the upstream's webhook reaches the replicas: served within 2 s
        t0 = time.time()
        for r in replicas:
            st, h, body = r.github_hook()
            self.assertEqual(st, 202, body)
        self.assertLess(self.wait_serving(replicas, doc["revision"], 2.0) - t0, 2.0)
        # a push straight to the upstream shows everywhere
        rev = self.push_straight("hetzner", "</purpose>", " (direct push)</purpose>", "Edit on the upstream")
        for n in [primary] + replicas:
            self.assertEqual(n.github_hook()[0], 202)
        self.wait_serving([primary] + replicas, rev, 2.0)
        # replicas take no writes: 503 with the primary's Location
        st, h, body = replicas[0].put("mistral", xml)
        self.assertEqual(st, 503)
        self.assertEqual(h["location"], primary.url + "/v1/subprocessors/mistral")
        st, h, body = replicas[0].req("POST", "/v1/subscriptions", body=b'{"email": "a@b.example"}')
        self.assertEqual(st, 503)
        self.assertEqual(h["location"], primary.url + "/v1/subscriptions")
        self.assertEqual(replicas[0].req("GET", "/healthz")[0], 200)

    @serial  # promises a revision served within 2 s
    def test_a_webhook_without_the_right_signature_fetches_nothing(self):
        n = self.node("primary", "--webhook-secret-file", self.secret_file, "--fetch-interval", "60")
        before = n.metric("subreg_upstream_fetches_total")
        rev = self.push_straight("hetzner", "</purpose>", " (direct push)</purpose>", "Edit on the upstream")
        body = b'{"ref": "refs/heads/main"}'
        wrong = "sha256=" + hmac.new(b"not the secret", body, hashlib.sha256).hexdigest()
        for headers in ({}, {"X-Hub-Signature-256": wrong}, {"X-Hub-Signature-256": "sha256="},
                        {"X-Hub-Signature-256": "sha1=" + "0" * 40}, {"X-Gitlab-Token": "guess"},
                        {"X-Gitlab-Token": SECRET + "x"}):
            st, h, doc = n.req("POST", "/v1/hooks/git", body=body, headers=headers)
            self.assertEqual(st, 401, headers)
        # a signature over another body does not pass either
        sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        self.assertEqual(n.req("POST", "/v1/hooks/git", body=body + b" ", headers={"X-Hub-Signature-256": sig})[0], 401)
        time.sleep(1)
        self.assertEqual(n.metric("subreg_upstream_fetches_total"), before)
        self.assertNotEqual(n.revision(), rev)
        # GitLab's token does
        self.assertEqual(n.req("POST", "/v1/hooks/git", body=body, headers={"X-Gitlab-Token": SECRET})[0], 202)
        self.wait_serving([n], rev, 2.0)
        self.assertEqual(n.metric("subreg_upstream_webhooks_total"), 1)

    def test_an_invalid_commit_pushed_straight_to_the_upstream_is_not_served(self):
        n = self.node("primary", "--webhook-secret-file", self.secret_file, "--fetch-interval", "60")
        good = n.revision()
        bad = self.push_straight("hetzner", "<name>", "<nom>", "Merged around CI")
        self.assertEqual(n.github_hook()[0], 202)
        deadline = time.time() + 5
        while time.time() < deadline and n.req("GET", "/healthz")[2].get("status") == "ok":
            time.sleep(0.05)
        # it still serves the last valid revision: healthy for a load balancer (200), degraded
        # in the body; which findings refused it (they may name unpublished entries) only with a token
        st, h, doc = n.req("GET", "/healthz")
        self.assertEqual(st, 200, doc)
        self.assertEqual(doc["status"], "degraded")
        self.assertEqual(doc["upstream"]["invalid"], bad)
        self.assertNotIn("hetzner.xml", json.dumps(doc))
        st, h, doc = n.req("GET", "/healthz", token=n.editor)
        self.assertEqual((st, doc["status"]), (200, "degraded"))
        self.assertIn("hetzner.xml", doc["reason"])
        self.assertEqual(n.revision(), good)                      # the last valid revision stays
        self.assertEqual(n.metric("subreg_upstream_invalid"), 1)
        # the log is buffered and flushed every second (docs/operations.md): wait for the line
        deadline = time.time() + 3
        while time.time() < deadline and "is invalid and not served" not in n.text():
            time.sleep(0.1)
        self.assertIn("is invalid and not served", n.text())
        lint = subprocess.run(["promtool", "check", "metrics"], input=n.req("GET", "/metrics")[2], capture_output=True)
        self.assertEqual(lint.stdout + lint.stderr, b"")
        # a write meanwhile is told why at once, not after the write's whole budget
        t0 = time.time()
        st, h, doc = n.put("mistral", self.seed_xml("mistral").replace("</purpose>", " (x)</purpose>", 1))
        self.assertEqual(st, 409, doc)
        self.assertIn("is invalid", doc["error"]["message"])
        self.assertLess(time.time() - t0, 5)
        # a later commit repairs it: served
        fixed = self.push_straight("hetzner", "<nom>", "<name>", "Repair")
        self.assertEqual(n.github_hook()[0], 202)
        self.wait_serving([n], fixed, 3.0)
        self.assertEqual(n.req("GET", "/healthz")[2]["status"], "ok")
        # the invalid commit stays unserved after the repair: not at ?at=, not in history (#20 item 7)
        st, h, doc = n.req("GET", "/v1/subprocessors?at=" + bad)
        self.assertEqual(st, 404, doc)
        self.assertIn("never served", doc["error"]["message"])
        self.assertEqual(n.req("GET", "/v1/subprocessors?at=" + fixed)[0], 200)
        st, h, hist = n.req("GET", "/v1/subprocessors/hetzner/history")
        self.assertEqual(st, 200)
        self.assertNotIn(bad, json.dumps(hist))
        self.assertIn(fixed, json.dumps(hist))
        self.assertEqual(n.metric("subreg_upstream_invalid"), 0)

    def test_upstream_down_reads_go_on_and_writes_resume_when_it_is_back(self):
        primary = self.node("primary", "--fetch-interval", "1")
        replica = self.node("replica", "--read-only", "--primary", primary.url, "--fetch-interval", "1")
        rev = primary.revision()
        self.stop_daemon()
        time.sleep(1.5)
        for n in (primary, replica):
            st, h, doc = n.req("GET", "/v1/subprocessors")
            self.assertEqual((st, doc["revision"]), (200, rev))
            st, h, doc = n.req("GET", "/healthz")
            self.assertEqual(st, 200, doc)                        # serving reads is healthy
            self.assertEqual(doc["upstream"]["reachable"], False)
            self.assertNotIn("error", doc["upstream"])            # why: with a token only
            st, h, doc = n.req("GET", "/healthz", token=n.editor)
            self.assertIn("cannot be reached", doc["upstream"]["error"])
        xml = self.seed_xml("mistral").replace("</purpose>", " (while down)</purpose>", 1)
        st, h, doc = primary.put("mistral", xml)
        self.assertEqual(st, 503, doc)
        self.assertIn("cannot be reached", doc["error"]["message"])
        self.assertEqual(primary.revision(), rev)                 # nothing half-written
        self.start_daemon()
        st, h, doc = primary.put("mistral", xml)
        self.assertEqual(st, 200, doc)
        self.assertEqual(self.upstream_main(), doc["revision"])
        self.wait_serving([replica], doc["revision"], 3.0)

    def test_a_write_racing_a_direct_push_both_land_or_if_match_loses(self):
        n = self.node("primary", "--fetch-interval", "60")        # no webhook: it does not know yet
        st, h, _ = n.req("GET", "/v1/subprocessors/mistral", token=n.editor)
        old_etag = h["etag"]
        direct = self.push_straight("hetzner", "</purpose>", " (direct)</purpose>", "Direct push")
        xml = self.seed_xml("mistral").replace("</purpose>", " (API)</purpose>", 1)
        st, h, doc = n.put("mistral", xml)
        self.assertEqual(st, 200, doc)
        log = git(["log", "--format=%H %s", "main"], cwd=self.origin).stdout
        self.assertIn(direct, log)                                # both landed, the API write on top
        self.assertEqual(self.upstream_main(), doc["revision"])
        # the same race on one entry: the If-Match of before the direct push loses
        direct2 = self.push_straight("mistral", "(API)", "(direct again)", "Direct push on mistral")
        st, h, _ = n.req("GET", "/v1/subprocessors/mistral", token=n.editor)
        stale = h["etag"]
        st, h, doc = n.put("mistral", xml.replace("(API)", "(API 2)"), headers={"If-Match": stale})
        self.assertEqual(st, 412, doc)
        self.assertEqual(self.upstream_main(), direct2)
        self.assertNotEqual(old_etag, stale)

    def test_a_push_the_upstream_refuses_is_a_clear_answer(self):
        hook = os.path.join(self.origin, "hooks", "pre-receive")
        with open(hook, "w") as f:
            f.write("#!/bin/sh\necho 'GH006: Protected branch update failed for refs/heads/main.' >&2\nexit 1\n")
        os.chmod(hook, 0o755)
        n = self.node("primary", "--fetch-interval", "60")
        xml = self.seed_xml("mistral").replace("</purpose>", " (refused)</purpose>", 1)
        st, h, doc = n.put("mistral", xml)
        self.assertEqual(st, 403, doc)
        self.assertIn("Protected branch", doc["error"]["message"])
        self.assertEqual(n.revision(), self.upstream_main())      # nothing moved
        with open(hook, "w") as f:
            f.write("#!/bin/sh\necho 'a review is required' >&2\nexit 1\n")
        st, h, doc = n.put("mistral", xml)
        self.assertEqual(st, 409, doc)
        self.assertIn("review is required", doc["error"]["message"])


class UpstreamUrl(TempDirTest):
    def test_credentials_in_the_url_are_refused_and_never_echoed(self):
        for url in ("https://x-access-token:ghp_SECRET123@git.example.invalid/r.git",
                    "https://ghp_SECRET123@git.example.invalid/r.git",
                    "ssh://git:SECRET123@git.example.invalid/r.git"):
            with self.subTest(url=url):
                p = run(["serve", "--registry", os.path.join(self.tmp, "r.git"), "--state",
                         os.path.join(self.tmp, "state"), "--upstream", url, "--listen", "127.0.0.1:0"], timeout=30)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn("SUBREG_UPSTREAM_TOKEN", p.stderr)
                self.assertNotIn("SECRET123", p.stdout + p.stderr)


class FileUpstream(Upstream):
    use_daemon = False

    @serial  # promises a revision served within 2 s
    def test_follows_a_file_url_within_one_fetch_interval(self):
        n = self.node("primary", "--fetch-interval", "1")
        rev = self.push_straight("hetzner", "</purpose>", " (file)</purpose>", "Edit")
        self.wait_serving([n], rev, 2.5)
        xml = self.seed_xml("mistral").replace("</purpose>", " (API over file)</purpose>", 1)
        st, h, doc = n.put("mistral", xml)
        self.assertEqual(st, 200, doc)
        self.assertEqual(self.upstream_main(), doc["revision"])

    def test_a_repository_with_its_own_history_follows_the_upstream_and_keeps_its_old_main(self):
        local = os.path.join(self.tmp, "local.git")
        self.assertEqual(run(["init", "--registry", local, "--from", SEED]).returncode, 0)
        # a commit made here, which the upstream does not have
        c = os.path.join(self.tmp, "local-clone")
        git(["clone", "-q", local, c], cwd=self.tmp)
        path = os.path.join(c, "subprocessors", "hetzner.xml")
        with open(path) as f:
            xml = f.read()
        with open(path, "w") as f:
            f.write(xml.replace("</purpose>", " (local only)</purpose>", 1))
        git(["commit", "-qam", "Local only"], cwd=c)
        git(["push", "-q", "origin", "main"], cwd=c)
        old = git(["rev-parse", "main"], cwd=local).stdout.strip()
        self.assertNotEqual(old, self.upstream_main())
        n = self.node("local", "--fetch-interval", "60")
        self.assertEqual(n.revision(), self.upstream_main())
        kept = git(["for-each-ref", "--format=%(objectname)", "refs/subreg/replaced/"], cwd=local).stdout.split()
        self.assertEqual(kept, [old])
        self.assertIn("the old main is kept as refs/subreg/replaced/", n.text())

    def test_an_invalid_upstream_is_not_cloned(self):
        self.push_straight("hetzner", "<name>", "<nom>", "Broken")
        p = subprocess.run([subreg_bin(), "serve", "--upstream", self.upstream_url, "--registry",
                            os.path.join(self.tmp, "new.git"), "--state", os.path.join(self.tmp, "st"),
                            "--listen", "127.0.0.1:%d" % free_port()], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("hetzner.xml", p.stderr)
        self.assertIn("not a valid registry", p.stderr)

    def test_options_that_need_upstream(self):
        for args in (["--fetch-interval", "5"], ["--webhook-secret-file", self.secret_file], ["--primary", "http://x"]):
            p = subprocess.run([subreg_bin(), "serve", "--registry", self.origin] + args, capture_output=True,
                               text=True, timeout=30)
            self.assertEqual(p.returncode, 2, args)
        short = os.path.join(self.tmp, "short")
        with open(short, "w") as f:
            f.write("abc\n")
        p = subprocess.run([subreg_bin(), "serve", "--upstream", self.upstream_url, "--registry", self.origin,
                            "--webhook-secret-file", short], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn("at least 16", p.stderr)
