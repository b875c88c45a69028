"""Time from a push to an upstream (git daemon on loopback) until two read replicas serve it,
with the upstream's webhook and without (one fetch interval), beside the peer: `git fetch`
by git's own command line of the same push into a mirror.
usage: python3 tests/bench/replicas.py BIN OUTDIR [ROUNDS]"""
import hashlib
import hmac
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time

BIN, OUT = sys.argv[1], sys.argv[2]
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 10
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECRET = "bench-webhook-secret-0123456789"


def port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def get(p, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", p, timeout=10)
    c.request("POST" if body is not None else "GET", path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def revision(p):
    return json.loads(get(p, "/v1/subprocessors")[1])["revision"]


def git(*args, cwd=None):
    return subprocess.run(["git"] + list(args), cwd=cwd, check=True, capture_output=True, text=True).stdout


work = os.path.join(OUT, "replicas")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
subprocess.run([BIN, "init", "--registry", os.path.join(work, "up.git"), "--from", os.path.join(ROOT, "data", "seed")],
               check=True, capture_output=True)
os.remove(os.path.join(work, "up.git", "hooks", "pre-receive"))
dport = port()
daemon = subprocess.Popen(["git", "daemon", "--reuseaddr", "--listen=127.0.0.1", "--port=%d" % dport, "--base-path=" + work,
                           "--export-all", "--enable=receive-pack", work], stderr=subprocess.DEVNULL)
time.sleep(0.5)
url = "git://127.0.0.1:%d/up.git" % dport
with open(os.path.join(work, "secret"), "w") as f:
    f.write(SECRET)
procs, results = [], {}
try:
    clone = os.path.join(work, "clone")
    git("clone", "-q", url, clone)
    git("clone", "-q", "--mirror", url, os.path.join(work, "mirror.git"))
    for mode, interval in (("webhook", "60"), ("interval 1 s", "1")):
        ports = []
        for i in range(2):
            p = port()
            ports.append(p)
            procs.append(subprocess.Popen([BIN, "serve", "--upstream", url, "--registry", os.path.join(work, "r%s%d.git" % (interval, i)),
                                           "--state", os.path.join(work, "st%s%d" % (interval, i)), "--listen", "127.0.0.1:%d" % p,
                                           "--read-only", "--fetch-interval", interval, "--log", "off",
                                           "--webhook-secret-file", os.path.join(work, "secret")],
                                          stderr=subprocess.DEVNULL))
        for p in ports:
            for _ in range(200):
                try:
                    revision(p)
                    break
                except OSError:
                    time.sleep(0.05)
        times, peer = [], []
        for k in range(ROUNDS):
            path = os.path.join(clone, "subprocessors", "hetzner.xml")
            s = open(path).read().replace("</purpose>", " .</purpose>", 1)
            open(path, "w").write(s)
            git("commit", "-qam", "bench %s %d" % (mode, k), cwd=clone)
            git("push", "-q", "origin", "main", cwd=clone)
            t0 = time.time()
            rev = git("rev-parse", "HEAD", cwd=clone).strip()
            if mode == "webhook":
                body = b'{"ref":"refs/heads/main"}'
                sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                for p in ports:
                    get(p, "/v1/hooks/git", body=body, headers={"X-Hub-Signature-256": sig})
            while not all(revision(p) == rev for p in ports):
                time.sleep(0.002)
            times.append((time.time() - t0) * 1000)
            t1 = time.time()
            git("fetch", "-q", cwd=os.path.join(work, "mirror.git"))
            peer.append((time.time() - t1) * 1000)
            time.sleep(0.2)
        results[mode] = (statistics.median(times), max(times), statistics.median(peer))
        for p in procs:
            p.terminate()
            p.wait()
        procs = []
finally:
    for p in procs:
        p.terminate()
    daemon.terminate()
for mode, (med, mx, peer) in results.items():
    print("push to both replicas serving, %s: median %.0f ms, max %.0f ms (%d pushes); git fetch of the same push "
          "%.0f ms; ratio %.1f" % (mode, med, mx, ROUNDS, peer, med / peer))
