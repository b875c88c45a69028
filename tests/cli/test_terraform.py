"""subreg check --hosting on real Terraform plans, read from ../shared/corpus/terraform
(tests/fixtures/terraform/corpus.json names them, its README gives their sources; the tests
skip when the corpus is absent): every resource placed as its expected table says, and the gate's cases, each on a
real plan or a real plan edited in the field the test names."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import CORPUS, FIXTURES, SEED, TempDirTest, run, terraform_plan_path  # noqa: E402

TF = os.path.join(FIXTURES, "terraform")
with open(os.path.join(TF, "corpus.json")) as _f:
    PLANS = json.load(_f)
plan = terraform_plan_path


def load(name):
    with open(plan(name), encoding="utf-8-sig") as f:
        return json.load(f)


class TerraformCase(TempDirTest):
    def setUp(self):
        if not os.path.isdir(os.path.join(CORPUS, "terraform")):
            self.skipTest("corpus absent: " + os.path.join(CORPUS, "terraform"))
        super().setUp()

    def check(self, path, *extra, registry=SEED):
        p = run(["check", "--registry", registry, "--hosting", path, "--format", "json"] + list(extra))
        self.assertSanitizerClean(p)
        self.assertIn(p.returncode, (0, 1), p.stderr)
        return p.returncode, json.loads(p.stdout)

    def edited(self, name, edit):
        """A copy of a corpus plan with edit(doc) applied."""
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
    def test_every_plan_against_its_table(self):
        with open(os.path.join(TF, "expected.json")) as f:
            expected = json.load(f)
        plans = sorted(PLANS)
        self.assertGreaterEqual(len(plans), 20)
        self.assertEqual(sorted(expected), plans, "every plan has a table and every table a plan")
        for name in plans:
            with self.subTest(plan=name):
                _, doc = self.check(plan(name))
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
        # edited fields: the log group's provider_config_key "aws.us-east-1" -> "aws" (the
        # unconfigured default), and the alias's region us-east-1 -> eu-central-1
        def edit(doc):
            for r in doc["configuration"]["root_module"]["resources"]:
                if r["address"] == "aws_cloudwatch_log_group.aws_route53_example_com":
                    r["provider_config_key"] = "aws"
            doc["configuration"]["provider_config"]["aws.us-east-1"]["expressions"]["region"]["constant_value"] = "eu-central-1"
        rc, doc = self.check(self.edited("checkov-route53-alias-only.json", edit))
        p = self.placement(doc, "aws_cloudwatch_log_group.aws_route53_example_com")
        self.assertEqual((p["result"], p["country"]), ("unmapped", None))
        self.assertIn("no provider block configures aws", p["reason"])
        self.assertEqual(rc, 1)

    def test_b_module_provider_block_is_used(self):
        # edited field: provider_config["module.log_group_external:aws"] gets a region, ap-south-1
        def edit(doc):
            doc["configuration"]["provider_config"]["module.log_group_external:aws"]["expressions"] = {
                "region": {"constant_value": "ap-south-1"}}
        rc, doc = self.check(self.edited("checkov-module-providers.json", edit))
        p = self.placement(doc, "module.log_group_external.aws_cloudwatch_log_group.this[0]")
        self.assertEqual((p["result"], p["country"], p["region"]), ("placed", "IN", "ap-south-1"))
        self.assertIn("provider block module.log_group_external:aws", p["source"])
        # the sibling module has no block: it inherits the root provider (Germany)
        self.assertEqual(self.placement(doc, "module.log_group_local.aws_cloudwatch_log_group.not_encrypted")["country"], "DE")
        self.assertEqual(rc, 1)
        self.assertIn("hosting-undeclared", self.rules_of(doc, "module.log_group_external.aws_cloudwatch_log_group.this[0]"))

    def test_c_count_and_for_each_module_instances(self):
        _, doc = self.check(plan("tfc-for-each-module.json"))
        p = self.placement(doc, 'module.ecr_repository["repository_1"].aws_ecr_repository.ecr_repository')
        self.assertEqual((p["result"], p["country"], p["region"]), ("placed", "US", "us-west-1"))
        self.assertIn("inherited by module.ecr_repository", p["source"])
        _, doc = self.check(plan("tfc-tf-1.14.json"))
        p = self.placement(doc, "module.outer[0].module.inner.aws_cloudwatch_event_rule.example")
        self.assertEqual((p["result"], p["country"]), ("placed", "US"))

    def test_opentofu_provider_addresses(self):
        # edited field: every provider_name's registry host -> registry.opentofu.org (OpenTofu)
        def edit(doc):
            for r in doc["resource_changes"]:
                r["provider_name"] = r["provider_name"].replace("registry.terraform.io", "registry.opentofu.org")
        _, doc = self.check(self.edited("tfc-for-each-module.json", edit))
        p = self.placement(doc, 'module.ecr_repository["repository_2"].aws_ecr_repository.ecr_repository')
        self.assertEqual((p["provider"], p["country"]), ("aws", "US"))

    def test_d_edge_services_never_take_the_provider_region(self):
        # edited field: a configuration.provider_config with aws in region eu-central-1
        def edit(doc):
            doc.setdefault("configuration", {})["provider_config"] = {"aws": {"name": "aws", "expressions": {"region": {"constant_value": "eu-central-1"}}}}
        rc, doc = self.check(self.edited("checkov-cloudfront.json", edit))
        p = self.placement(doc, "aws_cloudfront_distribution.cloudfront")
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
        rc, doc = self.check(self.edited("checkov-cloudfront.json", edit), registry=reg)
        self.assertEqual(self.placement(doc, "aws_cloudfront_distribution.cloudfront")["result"], "placed")
        self.assertEqual(rc, 0, doc["findings"])

    def test_e_use_matters(self):
        # edited field: variables.region.value us-west-2 -> eu-west-1 (aws lists IE for processing only)
        def edit(doc):
            doc["variables"]["region"]["value"] = "eu-west-1"
        rc, doc = self.check(self.edited("checkov-var-region-module.json", edit))
        p = self.placement(doc, "module.m.aws_s3_bucket.b1")
        self.assertEqual((p["country"], p["kind"]), ("IE", "storage"))
        self.assertEqual(self.rules_of(doc, "module.m.aws_s3_bucket.b1"), ["hosting-undeclared"])
        self.assertIn('use="storage"', doc["findings"][0]["message"])
        self.assertEqual(rc, 1)
        # compute in IE is covered by use="processing"; a storage type in DE by use="storage"
        def edit2(doc):
            for rc_ in doc["resource_changes"]:
                rc_["change"]["after"]["region"] = "eu-west-1"
        rc, doc = self.check(self.edited("tfjson-nested-config-keys.json", edit2))
        self.assertEqual(self.placement(doc, "aws_instance.foo")["country"], "IE")
        self.assertEqual(rc, 0, doc["findings"])
        rc, doc = self.check(plan("checkov-modules-edges.json"))
        self.assertEqual(rc, 0, doc["findings"])
        # the US is listed for access only: storage there is undeclared, and the message says why
        rc, doc = self.check(plan("checkov-cfn-s3.json"))
        self.assertEqual(self.rules_of(doc, "aws_s3_bucket.bucket"), ["hosting-undeclared"])
        self.assertIn("access", doc["findings"][0]["message"])

    def test_f_terraform_012_aliased_provider_names(self):
        rc, doc = self.check(plan("tfjson-basic-0.12.json"))
        self.assertEqual(rc, 0, doc["findings"])
        p = self.placement(doc, "module.foo.null_resource.aliased")
        self.assertEqual((p["provider"], p["result"]), ("null", "skipped"))

    def test_g_google_zone_in_location(self):
        _, doc = self.check(plan("tfv-filestore-zone.json"))
        p = self.placement(doc, "google_filestore_instance.test")
        self.assertEqual((p["result"], p["country"], p["region"]), ("placed", "US", "us-central1"))
        self.assertIn("zone us-central1-b of region us-central1", p["source"])

    def test_h_region_from_a_variable(self):
        _, doc = self.check(plan("checkov-var-region-alias.json"))
        p = self.placement(doc, "aws_s3_bucket.test-bucket1")
        self.assertIn("variable region", p["source"])
        self.assertEqual(p["region"], "us-west-2")
        _, doc = self.check(plan("checkov-var-region-module.json"))
        self.assertIn("variable region", self.placement(doc, "module.m.aws_s3_bucket.b1")["source"])

    def test_i_azure_child_resources_take_their_parent_location(self):
        rc, doc = self.check(plan("tfc-azure-postgres.json"))
        p = self.placement(doc, "azurerm_postgresql_configuration.log_checkpoints")
        self.assertEqual((p["result"], p["country"]), ("placed", "IE"))
        self.assertIn("parent resource azurerm_postgresql_server.example", p["source"])
        # the resource group is the last resort: edited, the server removed from
        # resource_changes, the configurations take the group's location
        def edit(doc):
            doc["resource_changes"] = [r for r in doc["resource_changes"] if r["address"] != "azurerm_postgresql_server.example"]
        _, doc = self.check(self.edited("tfc-azure-postgres.json", edit))
        p = self.placement(doc, "azurerm_postgresql_configuration.log_checkpoints")
        self.assertIn("parent resource azurerm_resource_group.example", p["source"])
        # edited: server and group removed; the children cannot be placed and the message
        # says what to do
        def edit(doc):
            doc["resource_changes"] = [r for r in doc["resource_changes"] if not r["address"].startswith(
                ("azurerm_postgresql_server.", "azurerm_resource_group."))]
        _, doc = self.check(self.edited("tfc-azure-postgres.json", edit))
        p = self.placement(doc, "azurerm_postgresql_configuration.log_checkpoints")
        self.assertEqual(p["result"], "unmapped")
        self.assertIn("put the parent in the same plan", p["reason"])

    def test_j_empty_plan(self):
        rc, doc = self.check(plan("checkov-empty-1.10.json"))
        self.assertEqual(rc, 0, doc["findings"])
        self.assertEqual(doc["placements"], [])

    def test_k_byte_order_mark_and_utf16(self):
        path = os.path.join(self.tmp, "bom.json")
        with open(plan("checkov-win-utf8.json"), "rb") as f:
            body = f.read()
        with open(path, "wb") as f:
            f.write(b"\xef\xbb\xbf" + body)
        _, doc = self.check(path)
        self.assertEqual(self.placement(doc, "aws_s3_bucket.data")["country"], "US")
        rc, doc = self.check(plan("checkov-utf16.json"))
        self.assertEqual(rc, 1)
        self.assertEqual([f["rule"] for f in doc["findings"]], ["schema"])
        self.assertIn("Out-File -Encoding utf8", doc["findings"][0]["message"])

    def test_l_audit_lists_every_resource_and_findings_point_at_it(self):
        name = "checkov-aws-55.json"
        rc, doc = self.check(plan(name))
        given = load(name)
        self.assertEqual([p["address"] for p in doc["placements"]], [r["address"] for r in given["resource_changes"]])
        with open(plan(name)) as f:
            lines = f.read().split("\n")
        start = next(i for i, l in enumerate(lines) if '"resource_changes"' in l)
        for p in doc["placements"]:
            want = next(i for i in range(start, len(lines)) if lines[i].strip().startswith('"address": %s' % json.dumps(p["address"])))
            self.assertEqual(p["line"], want + 1, p["address"])
        for f in doc["findings"]:
            if f["file"].endswith(os.path.basename(plan(name))):
                self.assertGreater(f["line"], start, f)
        # a minified plan is one line: the column tells resources apart
        _, doc2 = self.check(plan("tfc-azure-postgres.json"))
        cols = [p["column"] for p in doc2["placements"]]
        self.assertEqual({p["line"] for p in doc2["placements"]}, {1})
        self.assertEqual(cols, sorted(set(cols)))
        p = run(["check", "--registry", SEED, "--hosting", plan(name), "--explain"])
        for r in given["resource_changes"]:
            self.assertIn(r["address"], p.stdout)
        self.assertIn("from provider block aws (constant)", p.stdout)

    def test_states_and_other_files(self):
        rc, doc = self.check(plan("tfjson-no-changes-state.json"))
        self.assertEqual({p["format"] for p in doc["placements"]}, {"state"})
        # a state of an AWS deployment: the arn places it
        state = {"format_version": "1.0", "terraform_version": "1.9.0", "values": {"root_module": {"resources": [
            {"address": "aws_s3_bucket.rec", "mode": "managed", "type": "aws_s3_bucket", "name": "rec",
             "provider_name": "registry.terraform.io/hashicorp/aws",
             "values": {"arn": "arn:aws:sqs:eu-central-1:123456789012:rec"}}]}}}
        path = os.path.join(self.tmp, "state.json")
        with open(path, "w") as f:
            json.dump(state, f)
        rc, doc = self.check(path)
        p = self.placement(doc, "aws_s3_bucket.rec")
        self.assertEqual((p["country"], p["source"]), ("DE", "resource arn"))
        self.assertEqual(rc, 0, doc["findings"])
        with open(path, "w") as f:
            json.dump({"hello": "world"}, f)
        rc, doc = self.check(path)
        self.assertEqual(rc, 1)
        self.assertIn("neither a Terraform plan nor a state", doc["findings"][0]["message"])
