#!/usr/bin/env python3
"""Write a Terraform plan in JSON (format 1.2) with N managed resources spread over nested
modules (module.region[k].module.svc[i]), for the hosting-check benchmark.
usage: gen_plan.py N OUT.json"""
import json
import sys

n, out = int(sys.argv[1]), sys.argv[2]
types = ["aws_s3_bucket", "aws_instance", "aws_sqs_queue", "aws_iam_role", "aws_db_instance"]
rcs, calls = [], {}
per_module = 50
for i in range(n):
    outer, inner = (i // per_module) % 20, i // (per_module * 20)
    t = types[i % len(types)]
    addr = 'module.region["r%d"].module.svc[%d].%s.r%d' % (outer, inner, t, i)
    rcs.append({
        "address": addr, "module_address": 'module.region["r%d"].module.svc[%d]' % (outer, inner),
        "mode": "managed", "type": t, "name": "r%d" % i,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": ["create"], "before": None,
                   "after": {"tags": {"name": "r%d" % i, "team": "platform"}, "force_destroy": False},
                   "after_unknown": {"id": True, "arn": True, "region": True}}})
    calls.setdefault(inner, set()).add((t, i))
svc = {"resources": [{"address": "%s.r%d" % (t, i), "mode": "managed", "type": t, "name": "r%d" % i,
                      "provider_config_key": "aws", "expressions": {"tags": {"constant_value": {"team": "platform"}}}}
                     for t, i in sorted(set((types[i % len(types)], i) for i in range(n)))]}
doc = {
    "format_version": "1.2", "terraform_version": "1.9.5",
    "variables": {"region": {"value": "eu-central-1"}},
    "planned_values": {"root_module": {}},
    "resource_changes": rcs,
    "configuration": {
        "provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
                                    "expressions": {"region": {"references": ["var.region"]}}}},
        "root_module": {"module_calls": {"region": {"source": "./region", "for_each_expression": {"references": ["var.regions"]},
                        "module": {"module_calls": {"svc": {"source": "./svc", "count_expression": {"constant_value": 20}, "module": svc}}}}}}},
}
with open(out, "w") as f:
    json.dump(doc, f, indent=2)
