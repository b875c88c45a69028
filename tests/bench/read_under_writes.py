"""Reads while writes run: /healthz and GET /v1/subprocessors latency (median, p99) with no
writer, then with 4 API writers in a loop, on the same server (the seed). Writes run off the
request threads (server/writes.c), so reads should stay within 2x of idle.
usage: python3 tests/bench/read_under_writes.py BIN OUTDIR [SECONDS]"""
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

BIN, OUT = sys.argv[1], sys.argv[2]
SECS = float(sys.argv[3]) if len(sys.argv) > 3 else 10
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    d = os.path.join(OUT, "reads-writes")
    subprocess.run(["rm", "-rf", d], check=True)
    os.makedirs(d)
    repo, state = os.path.join(d, "r.git"), os.path.join(d, "state")
    subprocess.run([BIN, "init", "--registry", repo, "--from", os.path.join(ROOT, "data", "seed")], check=True,
                   stdout=subprocess.DEVNULL)
    token = subprocess.run([BIN, "token", "add", "bench", "--role", "editor", "--state", state], check=True,
                           capture_output=True, text=True).stdout.split()[-1]
    log = open(os.path.join(d, "serve.err"), "w")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    srv = subprocess.Popen([BIN, "serve", "--registry", repo, "--state", state, "--listen", "127.0.0.1:%d" % port,
                            "--log", "off"], stderr=log)
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/healthz")
            break
        except OSError:
            time.sleep(0.1)
    xml = open(os.path.join(ROOT, "data", "seed", "subprocessors", "mistral.xml")).read()
    stop = threading.Event()
    writes = [0]

    def writer(k):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = 0
        while not stop.is_set():
            body = xml.replace("</purpose>", " (w%d %d)</purpose>" % (k, i), 1).encode()
            c.request("PUT", "/v1/subprocessors/mistral", body=body,
                      headers={"Authorization": "Bearer " + token, "Content-Type": "application/xml"})
            c.getresponse().read()
            writes[0] += 1
            i += 1

    def measure(path, secs):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        lat, end = [], time.time() + secs
        while time.time() < end:
            t0 = time.perf_counter()
            c.request("GET", path)
            c.getresponse().read()
            lat.append((time.perf_counter() - t0) * 1000)
        lat.sort()
        return statistics.median(lat), lat[int(len(lat) * 0.99) - 1] if len(lat) > 1 else lat[0]

    try:
        idle = {p: measure(p, SECS / 2) for p in ("/healthz", "/v1/subprocessors")}
        ts = [threading.Thread(target=writer, args=(k,), daemon=True) for k in range(4)]
        for t in ts:
            t.start()
        t0, w0 = time.time(), writes[0]
        busy = {p: measure(p, SECS / 2) for p in ("/healthz", "/v1/subprocessors")}
        rate = (writes[0] - w0) / (time.time() - t0)
        stop.set()
        for t in ts:
            t.join(60)
        for p in ("/healthz", "/v1/subprocessors"):
            print("%s: idle median %.2f ms p99 %.2f ms; with 4 writers (%.0f writes/s) median %.2f ms p99 %.2f ms;"
                  " ratio p99 %.2f" % (p, idle[p][0], idle[p][1], rate, busy[p][0], busy[p][1], busy[p][1] / idle[p][1]))
    finally:
        srv.terminate()
        srv.wait(30)


main()
