"""subreg check --hosting on Terraform plans. The gate's cases (A to L and the rest) run on
plans we wrote (tests/fixtures/terraform/own, each case's plan named in its test) and always
run. The real plans of other projects are read from ../shared/corpus/terraform
(tests/fixtures/terraform/corpus.json names them, its README gives their sources):
every resource of every plan is placed as its table (expected.json) says; that test skips
when the corpus is absent."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import FIXTURES, SEED, TempDirTest, corpus, run  # noqa: E402

TF = os.path.join(FIXTURES, "terraform")
OWN = os.path.join(TF, "own")
with open(os.path.join(TF, "corpus.json")) as _f:
    PLANS = json.load(_f)


def own(name):
    return os.path.join(OWN, name)


def load(name):
    with open(own(name), encoding="utf-8-sig") as f:
        return json.load(f)


class TerraformCase(TempDirTest):
    def check(self, path, *extra, registry=SEED):
        p = run(["check", "--registry", registry, "--hosting", path, "--format", "json"] + list(extra))
        self.assertSanitizerClean(p)
        self.assertIn(p.returncode, (0, 1), p.stderr)
        return p.returncode, json.loads(p.stdout)

    def edited(self, name, edit):
        """A copy of one of our plans with edit(doc) applied."""
        doc = load(name)
        edit(doc)
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            json.dump(doc, f, indent=2)
        return path

    @staticmethod
    def placement(doc, address):
        hits = [p for p in doc.get("placements", []) if p["address"] == address]
        assert len(hits) == 1, (address, doc.get("placements"))
        return hits[0]

    @staticmethod
    def rules_of(doc, address):
        return sorted(f["rule"] for f in doc["findings"] if f["message"].startswith(address))


class Corpus(TerraformCase):
    def setUp(self):
        corpus(self, "terraform")
        super().setUp()

    def test_every_plan_against_its_table(self):
        with open(os.path.join(TF, "expected.json")) as f:
            expected = json.load(f)
        plans = sorted(PLANS)
        self.assertGreaterEqual(len(plans), 20)
        self.assertEqual(sorted(expected), plans, "every plan has a table and every table a plan")
        for name in plans:
            with self.subTest(plan=name):
                _, doc = self.check(corpus(self, "terraform", PLANS[name]))
                got = []
                for p in doc.get("placements", []):
                    self.assertEqual(p["format"], expected[name]["format"])
                    want_cc = any(e[0] == p["address"] and ":" in e[1] for e in expected[name]["placements"])
                    got.append([p["address"], p["result"] + (":" + (p["country"] or "-") if want_cc else "")])
                self.assertEqual(got, expected[name]["placements"])
                # every placed resource says how it was placed; every other one why not
                for p in doc.get("placements", []):
                    self.assertTrue(p.get("source") if p["result"] == "placed" else p.get("reason"), p)


class Cases(TerraformCase):
    def test_a_unconfigured_default_provider_does_not_borrow_an_alias(self):
        # alias-only.json: the only block is the alias aws.frankfurt; the log group is on
        # the default aws, which nothing configures
        rc, doc = self.check(own("alias-only.json"))
        p = self.placement(doc, "aws_cloudwatch_log_group.calls")
        self.assertEqual((p["result"], p["country"]), ("unmapped", None))
        self.assertIn("no provider block configures aws", p["reason"])
        self.assertEqual(self.placement(doc, "aws_s3_bucket.recordings")["country"], "DE")
        self.assertEqual(rc, 1)

    def test_b_module_provider_block_is_used(self):
        rc, doc = self.check(own("module-providers.json"))
        p = self.placement(doc, "module.log_external.aws_cloudwatch_log_group.this[0]")
        self.assertEqual((p["result"], p["country"], p["region"]), ("placed", "IN", "ap-south-1"))
        self.assertIn("provider block module.log_external:aws", p["source"])
        # the sibling module has no block: it inherits the root provider (Germany)
        p = self.placement(doc, "module.log_local.aws_cloudwatch_log_group.calls")
        self.assertEqual(p["country"], "DE")
        self.assertIn("inherited by module.log_local", p["source"])
        self.assertEqual(rc, 1)
        self.assertIn("hosting-undeclared", self.rules_of(doc, "module.log_external.aws_cloudwatch_log_group.this[0]"))

    def test_c_count_and_for_each_module_instances(self):
        _, doc = self.check(own("module-instances.json"))
        for key in ("asr", "tts"):
            p = self.placement(doc, 'module.ecr["%s"].aws_ecr_repository.models' % key)
            self.assertEqual((p["result"], p["country"], p["region"]), ("placed", "US", "us-west-1"))
            self.assertIn("inherited by module.ecr", p["source"])
        p = self.placement(doc, "module.outer[0].module.inner.aws_cloudwatch_event_rule.nightly")
        self.assertEqual((p["result"], p["country"]), ("placed", "US"))

    def test_opentofu_provider_addresses(self):
        # edited field: every provider_name's registry host -> registry.opentofu.org (OpenTofu)
        def edit(doc):
            for r in doc["resource_changes"]:
                r["provider_name"] = r["provider_name"].replace("registry.terraform.io", "registry.opentofu.org")
        _, doc = self.check(self.edited("module-instances.json", edit))
        p = self.placement(doc, 'module.ecr["tts"].aws_ecr_repository.models')
        self.assertEqual((p["provider"], p["country"]), ("aws", "US"))

    def test_d_edge_services_never_take_the_provider_region(self):
        rc, doc = self.check(own("edge.json"))
        p = self.placement(doc, "aws_cloudfront_distribution.widget")
        self.assertEqual((p["result"], p["kind"]), ("unmapped", "edge"))
        self.assertEqual(rc, 1)
        # a reference that maps the edge type to countries places it there
        reg = self.copy_seed()
        path = os.path.join(reg, "reference", "regions.xml")
        with open(path) as f:
            s = f.read()
        s = s.replace('<type match="aws_cloudfront_distribution" kind="edge" note="served from edge locations worldwide"/>',
                      '<type match="aws_cloudfront_distribution" kind="edge" countries="DE IE"/>')
        with open(path, "w") as f:
            f.write(s)
        rc, doc = self.check(own("edge.json"), registry=reg)
        self.assertEqual(self.placement(doc, "aws_cloudfront_distribution.widget")["result"], "placed")
        self.assertEqual(rc, 0, doc["findings"])

    def test_e_use_matters(self):
        # edited field: variables.region.value us-west-2 -> eu-west-1 (aws lists IE for processing only)
        def edit(doc):
            doc["variables"]["region"]["value"] = "eu-west-1"
        rc, doc = self.check(self.edited("var-region-module.json", edit))
        p = self.placement(doc, "module.store.aws_s3_bucket.recordings")
        self.assertEqual((p["country"], p["kind"]), ("IE", "storage"))
        self.assertEqual(self.rules_of(doc, "module.store.aws_s3_bucket.recordings"), ["hosting-undeclared"])
        self.assertIn('use="storage"', doc["findings"][0]["message"])
        # compute in IE is covered by use="processing"
        self.assertEqual(self.placement(doc, "aws_instance.asr")["country"], "IE")
        self.assertEqual(self.rules_of(doc, "aws_instance.asr"), [])
        self.assertEqual(rc, 1)
        # storage in DE by use="storage": clean
        def edit2(doc):
            doc["variables"]["region"]["value"] = "eu-central-1"
        rc, doc = self.check(self.edited("var-region-module.json", edit2))
        self.assertEqual(rc, 0, doc["findings"])
        # the US is listed for access only: storage there is undeclared, and the message says why
        rc, doc = self.check(own("var-region-alias.json"))
        self.assertEqual(self.rules_of(doc, "aws_s3_bucket.transcripts"), ["hosting-undeclared"])
        self.assertIn("access", doc["findings"][0]["message"])

    def test_f_terraform_012_aliased_provider_names(self):
        rc, doc = self.check(own("tf012-aliased.json"))
        self.assertEqual(rc, 0, doc["findings"])
        p = self.placement(doc, "module.jobs.null_resource.aliased")
        self.assertEqual((p["provider"], p["result"]), ("null", "skipped"))

    def test_g_google_zone_in_location(self):
        _, doc = self.check(own("google-zone.json"))
        p = self.placement(doc, "google_filestore_instance.recordings")
        self.assertEqual((p["result"], p["country"], p["region"]), ("placed", "US", "us-central1"))
        self.assertIn("zone us-central1-b of region us-central1", p["source"])

    def test_h_region_from_a_variable(self):
        _, doc = self.check(own("var-region-alias.json"))
        p = self.placement(doc, "aws_s3_bucket.transcripts")
        self.assertIn("variable region", p["source"])
        self.assertEqual(p["region"], "us-west-2")
        _, doc = self.check(own("var-region-module.json"))
        self.assertIn("variable region", self.placement(doc, "module.store.aws_s3_bucket.recordings")["source"])
        # a variable the plan does not give a value: unmapped, and the reason names it
        def edit(doc):
            del doc["variables"]["region"]
        rc, doc = self.check(self.edited("var-region-module.json", edit))
        p = self.placement(doc, "aws_instance.asr")
        self.assertEqual(p["result"], "unmapped")
        self.assertIn("variable region", p["reason"])
        self.assertEqual(rc, 1)

    def test_i_azure_child_resources_take_their_parent_location(self):
        rc, doc = self.check(own("azure-children.json"))
        p = self.placement(doc, "azurerm_postgresql_configuration.log_checkpoints")
        self.assertEqual((p["result"], p["country"]), ("placed", "IE"))
        self.assertIn("parent resource azurerm_postgresql_server.calls", p["source"])
        # the resource group is the last resort: edited, the server removed from
        # resource_changes, the configurations take the group's location
        def edit(doc):
            doc["resource_changes"] = [r for r in doc["resource_changes"] if r["address"] != "azurerm_postgresql_server.calls"]
        _, doc = self.check(self.edited("azure-children.json", edit))
        p = self.placement(doc, "azurerm_postgresql_configuration.log_checkpoints")
        self.assertIn("parent resource azurerm_resource_group.calls", p["source"])
        # edited: server and group removed; the children cannot be placed and the message
        # says what to do
        def edit(doc):
            doc["resource_changes"] = [r for r in doc["resource_changes"] if not r["address"].startswith(
                ("azurerm_postgresql_server.", "azurerm_resource_group."))]
        _, doc = self.check(self.edited("azure-children.json", edit))
        p = self.placement(doc, "azurerm_postgresql_configuration.log_checkpoints")
        self.assertEqual(p["result"], "unmapped")
        self.assertIn("put the parent in the same plan", p["reason"])

    def test_j_empty_plan(self):
        rc, doc = self.check(own("empty-1.10.json"))
        self.assertEqual(rc, 0, doc["findings"])
        self.assertEqual(doc["placements"], [])

    def test_k_byte_order_mark_and_utf16(self):
        with open(own("mixed.json"), "rb") as f:
            body = f.read()
        path = os.path.join(self.tmp, "bom.json")
        with open(path, "wb") as f:
            f.write(b"\xef\xbb\xbf" + body)
        _, doc = self.check(path)
        self.assertEqual(self.placement(doc, "aws_s3_bucket.backups")["country"], "US")
        # what PowerShell's > writes: UTF-16 with its byte order mark
        path = os.path.join(self.tmp, "utf16.json")
        with open(path, "wb") as f:
            f.write(body.decode("utf-8").encode("utf-16"))
        rc, doc = self.check(path)
        self.assertEqual(rc, 1)
        self.assertEqual([f["rule"] for f in doc["findings"]], ["schema"])
        self.assertIn("Out-File -Encoding utf8", doc["findings"][0]["message"])

    def test_l_audit_lists_every_resource_and_findings_point_at_it(self):
        name = "mixed.json"
        rc, doc = self.check(own(name))
        given = load(name)
        self.assertEqual([p["address"] for p in doc["placements"]], [r["address"] for r in given["resource_changes"]])
        self.assertEqual({p["result"] for p in doc["placements"]}, {"placed", "skipped"})
        with open(own(name)) as f:
            lines = f.read().split("\n")
        start = next(i for i, l in enumerate(lines) if '"resource_changes"' in l)
        for p in doc["placements"]:
            want = next(i for i in range(start, len(lines)) if lines[i].strip().startswith('"address": %s' % json.dumps(p["address"])))
            self.assertEqual(p["line"], want + 1, p["address"])
        findings = [f for f in doc["findings"] if f["file"].endswith(name)]
        self.assertTrue(findings)
        for f in findings:
            self.assertEqual(f["line"], self.placement(doc, f["message"].split(" ")[0])["line"], f)
        # a minified plan is one line: the column tells resources apart
        _, doc2 = self.check(own("azure-children.json"))
        cols = [p["column"] for p in doc2["placements"]]
        self.assertEqual({p["line"] for p in doc2["placements"]}, {1})
        self.assertEqual(cols, sorted(set(cols)))
        p = run(["check", "--registry", SEED, "--hosting", own(name), "--explain"])
        for r in given["resource_changes"]:
            self.assertIn(r["address"], p.stdout)
        self.assertIn("from provider block aws (constant)", p.stdout)
        self.assertIn("from provider block aws.virginia (constant)", p.stdout)

    def test_states_and_other_files(self):
        rc, doc = self.check(own("state.json"))
        self.assertEqual({p["format"] for p in doc["placements"]}, {"state"})
        # the arn places a resource without a region attribute
        p = self.placement(doc, "aws_sqs_queue.calls")
        self.assertEqual((p["country"], p["source"]), ("DE", "resource arn"))
        self.assertEqual(rc, 0, doc["findings"])
        path = os.path.join(self.tmp, "other.json")
        with open(path, "w") as f:
            json.dump({"hello": "world"}, f)
        rc, doc = self.check(path)
        self.assertEqual(rc, 1)
        self.assertIn("neither a Terraform plan nor a state", doc["findings"][0]["message"])
