#!/usr/bin/env python3
"""PUTs through the API: usage put_load.py PORT TOKEN ENTRY_XML N [SECONDS]
Alternates the purpose of one entry; prints the median and p90 in ms and the status codes.
With SECONDS, keeps writing (one every 200 ms) until then instead."""
import http.client
import sys
import time

port, token, path, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
until = time.time() + float(sys.argv[5]) if len(sys.argv) > 5 else None
xml = open(path).read()
eid = xml.split('id="', 1)[1].split('"', 1)[0]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
times, codes, i = [], {}, 0
while (until and time.time() < until) or (not until and i < n):
    body = xml.replace("<purpose>", "<purpose>[%d] " % i, 1).encode()
    t0 = time.perf_counter()
    c.request("PUT", "/v1/subprocessors/" + eid, body=body,
              headers={"Content-Type": "application/xml", "Authorization": "Bearer " + token})
    r = c.getresponse()
    r.read()
    times.append((time.perf_counter() - t0) * 1000)
    codes[r.status] = codes.get(r.status, 0) + 1
    i += 1
    if until:
        time.sleep(0.2)
times.sort()
print("put_median_ms=%.2f put_p90_ms=%.2f n=%d codes=%s" % (times[len(times) // 2], times[len(times) * 9 // 10], len(times), codes))
