#!/usr/bin/env python3
"""Generate a registry of N valid sub-processors for benchmarks: a plain directory (seed
settings and reference data, N generated entries). usage: gen.py N OUTDIR"""
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COUNTRIES = ["DE", "FR", "IE", "NL", "SE", "FI", "BE", "AT", "ES", "IT", "PL", "DK"]

TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<subprocessor xmlns="urn:subreg:1" id="{id}">
  <name>Vendor {n} GmbH</name>
  <entity country="{c}">Street {n}, 10115 City</entity>
  <website>https://vendor{n}.example</website>
  <purpose>Processing service number {n} for call analytics</purpose>
  <categories>
    <category>call-audio</category>
    <category>transcripts</category>
  </categories>
  <flow>processor</flow>
  <status>active</status>
  <announced>2024-01-02</announced>
  <effective>2024-02-01</effective>
  <dpa signed="2024-01-10" reference="contracts/vendor-{n}.pdf"/>
  <locations>
    <location country="{c}" use="storage"/>
    <location country="US" use="access"/>
  </locations>
  <transfers>
    <transfer country="US" mechanism="scc" clauses="2021/914" module="3" signed="2024-01-10" tia="2026-06-01"/>
  </transfers>
  <internal>Generated entry {n}.</internal>
</subprocessor>
"""


def entry(n):
    return TEMPLATE.format(id="vendor-%05d" % n, n=n, c=COUNTRIES[n % len(COUNTRIES)])


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "subprocessors"))
    shutil.copy(os.path.join(ROOT, "data", "seed", "registry.xml"), out)
    shutil.copytree(os.path.join(ROOT, "data", "seed", "reference"), os.path.join(out, "reference"))
    for i in range(n):
        with open(os.path.join(out, "subprocessors", "vendor-%05d.xml" % i), "w") as f:
            f.write(entry(i))


if __name__ == "__main__":
    main()
