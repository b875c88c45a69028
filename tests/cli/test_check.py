"""subreg check: every rule with its boundary dates, the module table, waivers, hosting
checks (Terraform plan, manifest) and every output format, against the real binary."""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import FIXTURES, ROOT, SEED, TempDirTest, git, once, only_in, run  # noqa: E402

ENTRY = """<?xml version="1.0" encoding="UTF-8"?>
<subprocessor xmlns="urn:subreg:1" id="t">
  <name>Test Vendor</name>
  <entity country="{entity}">Somewhere 1</entity>
  <purpose>Testing the rules</purpose>
  <categories><category>contact-data</category></categories>
{flows}
{recipient}  <status>{status}</status>
  <announced>{announced}</announced>
  <effective>{effective}</effective>
{dpa}  <locations>
{locations}  </locations>
{transfers}{waivers}</subprocessor>
"""


def entry(entity="DE", flows=("processor",), recipient=None, status="active",
          announced="2019-01-01", effective="2019-02-01", dpa='<dpa signed="2019-01-15"/>',
          locations=(("DE", "storage"),), transfers=(), waivers=()):
    t = "".join("    <transfer %s/>\n" % " ".join('%s="%s"' % kv for kv in tr.items()) for tr in transfers)
    return ENTRY.format(
        entity=entity,
        flows="\n".join("  <flow>%s</flow>" % f for f in flows),
        recipient="  <recipient>%s</recipient>\n" % recipient if recipient else "",
        status=status, announced=announced, effective=effective,
        dpa="  %s\n" % dpa if dpa else "",
        locations="".join('    <location country="%s" use="%s"/>\n' % l for l in locations),
        transfers="  <transfers>\n%s  </transfers>\n" % t if transfers else "",
        waivers="".join('  <waiver rule="%s" until="%s">%s</waiver>\n' % w for w in waivers))


class RuleCase(TempDirTest):
    """Each case: one entry t in a copy of the seed, checked as of a date."""

    def check(self, xml, date):
        """The JSON report of subreg check with entry t = xml, as of date (in a copy of the
        seed without its promises and category vocabulary: each rule is tested on its own)."""
        reg = os.path.join(self.tmp, "reg")
        if not os.path.isdir(reg):
            self.copy_seed("reg")
            settings = os.path.join(reg, "registry.xml")
            with open(settings) as f:
                body = f.read()
            body = re.sub(r"\s*<promises>.*?</promises>", "", body, flags=re.S)
            body = re.sub(r"\s*<categories>.*?</categories>", "", body, flags=re.S)
            with open(settings, "w") as f:
                f.write(body)
        with open(os.path.join(reg, "subprocessors", "t.xml"), "w") as f:
            f.write(xml)
        p = run(["check", "--registry", reg, "--date", date, "--format", "json"])
        self.assertSanitizerClean(p)
        self.assertIn(p.returncode, (0, 1), p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(p.returncode, 1 if doc["summary"]["errors"] else 0)
        return doc

    def findings(self, xml, date):
        # these cases record a DPA by its date only: what it contains (dpa-clauses-unrecorded,
        # tests/cli/test_facts.py) is left out
        return [(f["rule"], f["waived"]) for f in self.check(xml, date)["findings"]
                if f["entry"] == "t" and f["rule"] != "dpa-clauses-unrecorded"]

    def rules(self, xml, date):
        return sorted({r for r, waived in self.findings(xml, date) if not waived})

    def scc(self, **kw):
        tr = {"country": "US", "mechanism": "scc", "clauses": "2021/914", "module": "3",
              "signed": "2024-01-15", "tia": "2026-06-01"}
        tr.update(kw)
        tr = {k: v for k, v in tr.items() if v is not None}
        return entry(locations=(("US", "processing"),), transfers=(tr,))


class Rules(RuleCase):
    def test_clean_entry(self):
        self.assertEqual(self.rules(entry(), "2026-11-28"), [])

    def test_transfer_missing(self):
        self.assertEqual(self.rules(entry(locations=(("DE", "storage"), ("US", "access"))), "2026-11-28"),
                         ["transfer-missing"])
        self.assertEqual(self.rules(entry(entity="US"), "2026-11-28"), ["transfer-missing"])
        # EEA outermost regions and EFTA states of the EEA need nothing; CH does
        self.assertEqual(self.rules(entry(locations=(("NO", "storage"), ("RE", "processing"))), "2026-11-28"), [])
        self.assertEqual(self.rules(entry(locations=(("CH", "storage"),)), "2026-11-28"), ["transfer-missing"])
        # retired entries are not checked for transfers after their last day
        retired = entry(status="retired", locations=(("US", "access"),)).replace(
            "</effective>", "</effective>\n  <retired>2026-06-30</retired>")
        self.assertEqual(self.rules(retired, "2026-11-28"), [])
        # ... and without a last day they are checked as live (fail closed), with a finding that says why
        self.assertEqual(self.rules(entry(status="retired", locations=(("US", "access"),)), "2026-11-28"),
                         ["registry", "transfer-missing"])

    def test_adequacy_windows(self):
        br = entry(locations=(("BR", "processing"),), transfers=({"country": "BR", "mechanism": "adequacy"},))
        # adopted 2026-01-26, published 2026-01-28: the window starts on the day it took effect
        self.assertEqual(self.rules(br, "2026-01-27"), ["transfer-invalid"])
        self.assertEqual(self.rules(br, "2026-01-28"), [])
        gb = entry(locations=(("GB", "processing"),), transfers=({"country": "GB", "mechanism": "adequacy"},))
        self.assertEqual(self.rules(gb, "2021-06-27"), [])            # the TCA bridge: not a transfer
        self.assertEqual(self.rules(gb, "2021-06-28"), [])
        self.assertEqual(self.rules(gb, "2025-12-27"), [])           # the renewal took over
        self.assertEqual(self.rules(gb, "2031-12-27"), ["adequacy-ending"])
        self.assertEqual(self.rules(gb, "2031-12-28"), ["transfer-invalid"])
        self.assertEqual(self.rules(gb, "2031-09-28"), ["adequacy-ending"])  # 90 days before
        self.assertEqual(self.rules(gb, "2031-09-27"), [])
        inn = entry(locations=(("IN", "processing"),), transfers=({"country": "IN", "mechanism": "adequacy"},))
        self.assertEqual(self.rules(inn, "2026-11-28"), ["transfer-invalid"])
        jp = entry(locations=(("JP", "processing"),), transfers=({"country": "JP", "mechanism": "adequacy"},))
        self.assertEqual(self.rules(jp, "2026-11-28"), [])

    def test_us_only_dpf(self):
        us = dict(locations=(("US", "processing"),))
        self.assertEqual(self.rules(entry(transfers=({"country": "US", "mechanism": "adequacy"},), **us), "2026-11-28"),
                         ["transfer-invalid"])
        def dpf(verified):
            return entry(transfers=({"country": "US", "mechanism": "dpf", "certified": "Test Vendor Inc.", "verified": verified},), **us)
        self.assertEqual(self.rules(dpf("2023-07-09"), "2023-07-09"), ["transfer-invalid"])
        self.assertEqual(self.rules(dpf("2023-07-10"), "2023-07-10"), [])
        # Privacy Shield was not the DPF: dpf did not exist then, and its invalidation was
        # never foreseeable (no adequacy-ending ahead of a court's judgment)
        self.assertEqual(self.rules(dpf("2020-07-01"), "2020-07-15"), ["transfer-invalid"])
        self.assertEqual(self.rules(dpf("2019-01-01"), "2019-06-01"), ["transfer-invalid"])
        self.assertEqual(self.rules(dpf("2020-07-01"), "2020-07-16"), ["transfer-invalid"])
        gb = entry(locations=(("GB", "processing"),), transfers=({"country": "GB", "mechanism": "dpf"},))
        self.assertEqual(self.rules(gb, "2026-11-28"), ["transfer-invalid"])

    def test_dpf_unverified(self):
        def dpf(v):
            tr = {"country": "US", "mechanism": "dpf", "certified": "Test Vendor Inc."}
            if v:
                tr["verified"] = v
            return entry(locations=(("US", "processing"),), transfers=(tr,))
        self.assertEqual(self.rules(dpf("2025-11-29"), "2026-11-28"), [])
        self.assertEqual(self.rules(dpf("2025-11-28"), "2026-11-28"), ["dpf-unverified"])
        self.assertEqual(self.rules(dpf(None), "2026-11-28"), ["dpf-unverified"])
        # the certified organisation must be named, and a US importer must be the listed one
        uncertified = entry(locations=(("US", "processing"),),
                            transfers=({"country": "US", "mechanism": "dpf", "verified": "2026-11-01"},))
        self.assertEqual(self.rules(uncertified, "2026-11-28"), ["dpf-unverified"])
        def us_importer(certified):
            return entry(entity="US", locations=(("US", "processing"),),
                         transfers=({"country": "US", "mechanism": "dpf", "certified": certified, "verified": "2026-11-01"},))
        self.assertEqual(self.rules(us_importer("Test Vendor"), "2026-11-28"), [])   # the importer itself
        self.assertEqual(self.rules(us_importer("Test Vendor Holdings LLC"), "2026-11-28"), ["dpf-unverified"])

    def test_international_organisation(self):
        # a recipient that is an international organisation: a transfer even to a seat in the EEA
        def intl(transfers):
            return entry().replace('<entity country="DE">', '<entity country="DE" international="true">').replace(
                "  </locations>\n", "  </locations>\n" + ("  <transfers>\n%s  </transfers>\n" % transfers if transfers else ""))
        self.assertEqual(self.rules(intl(""), "2026-11-28"), ["transfer-missing"])
        scc = '    <transfer organisation="European Patent Organisation" country="DE" mechanism="scc" clauses="2021/914" module="3" signed="2024-01-15" tia="2026-06-01"/>\n'
        self.assertEqual(self.rules(intl(scc), "2026-11-28"), [])
        unsigned = scc.replace(' signed="2024-01-15"', "")
        self.assertEqual(self.rules(intl(unsigned), "2026-11-28"), ["transfer-invalid"])
        adequacy = '    <transfer organisation="European Patent Organisation" country="DE" mechanism="adequacy"/>\n'
        self.assertEqual(self.rules(intl(adequacy), "2026-11-28"), ["transfer-invalid"])

    def test_old_scc(self):
        # 2010/87 is the controller-to-processor set: a controller flow to a processor
        def old(**kw):
            tr = {"country": "US", "mechanism": "scc", "clauses": "2010/87", "signed": "2020-01-01",
                  "tia": "2022-06-01"}
            tr.update(kw)
            tr = {k: v for k, v in tr.items() if v is not None}
            return entry(flows=("controller",), locations=(("US", "processing"),), transfers=(tr,))
        self.assertEqual(self.rules(old(), "2022-12-26"), [])
        self.assertEqual(self.rules(old(), "2022-12-27"), ["transfer-invalid"])
        late = old(signed="2021-09-27", tia="2021-09-01")
        self.assertEqual(self.rules(late, "2021-10-01"), ["transfer-invalid"])
        self.assertEqual(self.rules(self.scc(clauses="2021/915"), "2026-11-28"), ["transfer-invalid"])
        self.assertEqual(self.rules(self.scc(clauses=None), "2026-11-28"), ["transfer-invalid"])

    def test_module_table(self):
        cases = [
            (("processor",), None, "3", "2"),
            (("controller",), None, "2", "3"),
            (("controller",), "controller", "1", "2"),
            (("processor", "controller"), None, "2 3", "3"),
        ]
        for flows, recipient, good, bad in cases:
            with self.subTest(flows=flows, recipient=recipient):
                def e(mod):
                    return entry(flows=flows, recipient=recipient,
                                 locations=(("US", "processing"),),
                                 transfers=({"country": "US", "mechanism": "scc", "clauses": "2021/914",
                                             "module": mod, "signed": "2024-01-15",
                                             "tia": "2026-06-01"},))
                self.assertEqual(self.rules(e(good), "2026-11-28"), [])
                self.assertEqual(self.rules(e(bad), "2026-11-28"), ["scc-module"])

    def test_tia(self):
        self.assertEqual(self.rules(self.scc(tia=None), "2026-11-28"), ["tia-missing"])
        self.assertEqual(self.rules(self.scc(tia="2025-11-29"), "2026-11-28"), [])
        self.assertEqual(self.rules(self.scc(tia="2025-11-28"), "2026-11-28"), ["tia-stale"])
        bcr = entry(locations=(("IN", "processing"),),
                    transfers=({"country": "IN", "mechanism": "bcr", "approval": "CNIL decision 2024-001"},))
        self.assertEqual(self.rules(bcr, "2026-11-28"), ["tia-missing"])

    def test_derogation(self):
        d = entry(locations=(("IN", "processing"),), transfers=({"country": "IN", "mechanism": "derogation"},))
        self.assertEqual(self.rules(d, "2026-11-28"), ["derogation-systematic"])

    def test_dpa(self):
        self.assertEqual(self.rules(entry(dpa=None), "2026-11-28"), ["dpa-missing"])
        self.assertEqual(self.rules(entry(dpa=None, recipient="controller", flows=("controller",)), "2026-11-28"), [])
        def dpa(exp):
            return entry(dpa='<dpa signed="2019-01-01" expires="%s"/>' % exp)
        self.assertEqual(self.rules(dpa("2026-11-27"), "2026-11-28"), ["dpa-expired"])
        self.assertEqual(self.rules(dpa("2026-11-28"), "2026-11-28"), ["dpa-expiring"])
        self.assertEqual(self.rules(dpa("2026-12-28"), "2026-11-28"), ["dpa-expiring"])
        self.assertEqual(self.rules(dpa("2026-12-29"), "2026-11-28"), [])

    def test_notice_period(self):
        # 14 whole days after the announcement (Reg. 1182/71 Art. 3): 11-01 makes 11-16 the first day
        self.assertEqual(self.rules(entry(status="planned", announced="2026-11-01", effective="2026-11-16"), "2026-11-28"), [])
        self.assertEqual(self.rules(entry(status="planned", announced="2026-11-01", effective="2026-11-15"), "2026-11-28"),
                         ["notice-period"])
        # the owner's own users' data (controller flow) is owed the same notice: the policy promises it
        self.assertEqual(self.rules(entry(flows=("controller",), announced="2026-11-01", effective="2026-11-02"), "2026-11-28"),
                         ["notice-period"])

    def test_country_unknown(self):
        self.assertEqual(self.rules(entry(locations=(("XX", "storage"),)), "2026-11-28"), ["country-unknown"])

    def test_waivers(self):
        e = self.scc(tia="2025-01-01")
        e = e.replace("</subprocessor>", '  <waiver rule="tia-stale" until="2026-12-31" owner="legal">refresh due</waiver>\n</subprocessor>')
        got = self.findings(e, "2026-12-31")
        self.assertEqual(got, [("tia-stale", True)])   # waived, still reported
        got = self.findings(e, "2027-01-01")
        self.assertEqual(sorted(got), [("tia-stale", False), ("waiver-expired", False)])
        e2 = entry(dpa=None).replace("</subprocessor>", '  <waiver rule="dpa-missing" until="2027-01-01">signing</waiver>\n</subprocessor>')
        p_rules = self.findings(e2, "2026-11-28")
        self.assertEqual(p_rules, [("dpa-missing", True)])

    def test_unknown_waiver_rule_is_registry_error(self):
        e = entry().replace("</subprocessor>", '  <waiver rule="no-such-rule" until="2027-01-01">x</waiver>\n</subprocessor>')
        self.assertEqual(self.rules(e, "2026-11-28"), ["registry"])


class FailClosed(RuleCase):
    """Boundary cases a data protection officer tries, each on both sides of its date."""

    def messages(self, xml, date, rule):
        return [f["message"] for f in self.check(xml, date)["findings"] if f["rule"] == rule]

    def test_documents_dated_after_the_check_date_do_not_exist(self):
        late_dpa = entry(dpa='<dpa signed="2027-06-01"/>', effective="2027-07-01")
        self.assertEqual(self.rules(late_dpa, "2027-05-31"), ["dpa-missing"])
        self.assertEqual(self.rules(late_dpa, "2027-06-01"), [])
        self.assertEqual(self.rules(self.scc(signed="2026-12-01"), "2026-11-30"), ["transfer-invalid"])
        self.assertEqual(self.rules(self.scc(signed="2026-12-01"), "2026-12-01"), [])
        self.assertEqual(self.rules(self.scc(tia="2026-12-01"), "2026-11-30"), ["tia-missing"])
        self.assertEqual(self.rules(self.scc(tia="2026-12-01"), "2026-12-01"), [])
        # SCCs without a signed date cannot be shown to exist on any date
        self.assertEqual(self.rules(self.scc(signed=None), "2026-11-30"), ["transfer-invalid"])
        p = run(["check", "--registry", SEED, "--date", "2025-06-01", "--format", "json"])
        found = {(f["entry"], f["rule"]) for f in json.loads(p.stdout)["findings"]}
        self.assertIn(("aws", "tia-missing"), found)      # its TIA is dated 2026-09-01
        self.assertEqual(p.returncode, 1)

    def test_dpa_signed_after_processing_started(self):
        self.assertEqual(self.rules(entry(dpa='<dpa signed="2019-02-02"/>'), "2026-11-28"), ["dpa-after-start"])
        self.assertEqual(self.rules(entry(dpa='<dpa signed="2019-02-01"/>'), "2026-11-28"), [])

    def test_retired_in_the_future_is_live_until_its_last_day(self):
        e = entry(status="retired", dpa=None, announced="2026-11-01", effective="2026-11-02",
                  locations=(("CN", "storage"),))
        e = e.replace("<effective>2026-11-02</effective>", "<effective>2026-11-02</effective>\n  <retired>2027-03-31</retired>")
        self.assertEqual(self.rules(e, "2027-03-31"), ["dpa-missing", "notice-period", "transfer-missing"])
        self.assertEqual(self.rules(e, "2027-04-01"), [])

    def waiver(self, xml, rule, until):
        return xml.replace("</subprocessor>", '  <waiver rule="%s" until="%s" owner="legal">accepted risk</waiver>\n</subprocessor>' % (rule, until))

    def test_no_waiver_for_a_missing_safeguard(self):
        # Chapter V has no grace period: the finding stays, and the waiver itself is an error
        cases = (("transfer-missing", entry(locations=(("DE", "storage"), ("CN", "processing")))),
                 ("transfer-invalid", self.scc(signed=None)),
                 ("tia-negative", self.scc(**{"tia-outcome": "not-adequate"})))
        for rule, xml in cases:
            with self.subTest(rule=rule):
                self.assertEqual(sorted(self.findings(self.waiver(xml, rule, "2026-12-01"), "2026-11-28")),
                                 [(rule, False), ("waiver-not-allowed", False)])
                self.assertEqual(run(["check", "--registry", os.path.join(self.tmp, "reg"), "--date", "2026-11-28"]).returncode, 1)

    def test_waivers_of_errors_are_capped(self):
        base = entry(dpa=None)
        self.assertEqual(self.findings(self.waiver(base, "dpa-missing", "2027-02-26"), "2026-11-28"),
                         [("dpa-missing", True)])                             # exactly 90 days
        self.assertEqual(sorted(self.findings(self.waiver(base, "dpa-missing", "2027-02-27"), "2026-11-28")),
                         [("dpa-missing", False), ("waiver-too-long", False)])
        for rule, xml in (("tia-missing", self.scc(tia=None)),
                          ("notice-period", entry(announced="2026-11-01", effective="2026-11-02"))):
            with self.subTest(rule=rule):
                self.assertEqual(sorted(self.findings(self.waiver(xml, rule, "2099-12-31"), "2026-11-28")),
                                 [(rule, False), ("waiver-too-long", False)])
        # a warning's waiver is not capped
        self.assertEqual(self.findings(self.waiver(self.scc(tia="2025-01-01"), "tia-stale", "2099-12-31"), "2026-11-28"),
                         [("tia-stale", True)])
        # the cap is a setting
        reg = os.path.join(self.tmp, "reg")
        with open(os.path.join(reg, "registry.xml")) as f:
            settings = f.read()
        with open(os.path.join(reg, "registry.xml"), "w") as f:
            f.write(settings.replace("</tia-review-months>", "</tia-review-months>\n  <max-waiver-days>30</max-waiver-days>"))
        self.assertEqual(sorted(self.findings(self.waiver(base, "dpa-missing", "2026-12-29"), "2026-11-28")),
                         [("dpa-missing", False), ("waiver-too-long", False)])
        self.assertEqual(self.findings(self.waiver(base, "dpa-missing", "2026-12-28"), "2026-11-28"),
                         [("dpa-missing", True)])
        # --strict fails on a waived error; every format shows it
        p = run(["check", "--registry", reg, "--date", "2026-11-28", "--format", "json"])
        self.assertEqual([(f["rule"], f["waived"]) for f in json.loads(p.stdout)["findings"]],
                         [("dpa-missing", True)])
        for fmt, needle in (("text", "waived"), ("junit", "waived"),
                            ("sarif", "suppressions"), ("github", "waived")):
            p = run(["check", "--registry", reg, "--date", "2026-11-28", "--format", fmt])
            self.assertEqual(p.returncode, 0, fmt)
            self.assertIn(needle, p.stdout, fmt)
        p = run(["check", "--registry", reg, "--date", "2026-11-28", "--strict"])
        self.assertEqual(p.returncode, 1, p.stdout)

    def test_unwaivable_rules(self):
        self.assertEqual(self.rules(self.waiver(entry(), "waiver-too-long", "2027-01-01"), "2026-11-28"), ["registry"])

    def test_scc_2021_did_not_exist_before_it_entered_into_force(self):
        self.assertEqual(self.rules(self.scc(signed="2021-06-26", tia="2021-06-20"), "2021-07-01"), ["transfer-invalid"])
        self.assertEqual(self.rules(self.scc(signed="2021-06-27", tia="2021-06-20"), "2021-07-01"), [])

    def old(self, flows=("controller",), recipient=None, **kw):
        tr = {"country": "US", "mechanism": "scc", "clauses": "2010/87", "signed": "2020-01-01", "tia": "2022-06-01"}
        tr.update(kw)
        tr = {k: v for k, v in tr.items() if v is not None}
        return entry(flows=flows, recipient=recipient, dpa=None if recipient == "controller" else '<dpa signed="2019-01-15"/>',
                     announced="2019-01-01", effective="2019-02-01", locations=(("US", "processing"),), transfers=(tr,))

    def test_old_scc_fail_closed(self):
        self.assertEqual(self.rules(self.old(), "2022-12-26"), [])
        self.assertEqual(self.rules(self.old(signed=None), "2022-12-26"), ["transfer-invalid"])
        self.assertEqual(self.rules(self.old(module="2"), "2022-12-26"), ["transfer-invalid"])
        # no old set covered processor-to-processor flows
        self.assertEqual(self.rules(self.old(flows=("processor",)), "2022-12-26"), ["transfer-invalid"])
        # the controller-to-controller sets do not cover a processor recipient, and back
        self.assertEqual(self.rules(self.old(clauses="2004/915"), "2022-12-26"), ["transfer-invalid"])
        self.assertEqual(self.rules(self.old(clauses="2004/915", recipient="controller"), "2022-12-26"), [])
        self.assertEqual(self.rules(self.old(recipient="controller"), "2022-12-26"), ["transfer-invalid"])

    def test_revocation_is_not_foreseen(self):
        # Safe Harbour and Privacy Shield are not mechanisms of this format; and there is no
        # adequacy-ending warning ahead of a judgment
        us = entry(locations=(("US", "processing"),), announced="2014-01-01", effective="2014-02-01",
                   dpa='<dpa signed="2014-01-15"/>',
                   transfers=({"country": "US", "mechanism": "dpf", "verified": "2015-09-01"},))
        self.assertEqual(self.rules(us, "2015-09-15"), ["transfer-invalid"])

    def test_roles(self):
        self.assertEqual(self.rules(entry(flows=("processor",), recipient="controller", dpa=None), "2026-11-28"),
                         ["recipient-controller"])
        # a controller recipient's own locations are its own transfers...
        ctrl = dict(flows=("controller",), recipient="controller", dpa=None)
        self.assertEqual(self.rules(entry(locations=(("IE", "processing"), ("US", "storage")), **ctrl), "2026-11-28"), [])
        # ...but a contracting entity outside the EEA is the owner's transfer
        self.assertEqual(self.rules(entry(entity="US", locations=(("US", "storage"),), **ctrl), "2026-11-28"),
                         ["transfer-missing"])
        stripe = run(["check", "--registry", SEED, "--format", "json"])
        self.assertFalse([f for f in json.loads(stripe.stdout)["findings"] if f["entry"] == "stripe"])

    def test_mechanisms_that_need_an_approval(self):
        for mech in ("code-of-conduct", "certification", "ad-hoc-clauses", "bcr"):
            with self.subTest(mech=mech):
                tr = {"country": "IN", "mechanism": mech, "tia": "2026-06-01"}
                e = entry(locations=(("IN", "processing"),), transfers=(tr,))
                self.assertEqual(self.rules(e, "2026-11-28"), ["approval-missing"])
                tr.update(approval="Approval by the competent authority, ref. 2026/17", approved="2026-12-01")
                e = entry(locations=(("IN", "processing"),), transfers=(tr,))
                self.assertEqual(self.rules(e, "2026-11-30"), ["approval-missing"])
                self.assertEqual(self.rules(e, "2026-12-01"), [])

    def test_notice_period_message_date(self):
        e = entry(status="planned", announced="2026-11-20", effective="2026-12-03")
        msgs = self.messages(e, "2026-11-28", "notice-period")
        self.assertEqual(len(msgs), 1)
        self.assertIn("set <effective> to 2026-12-05 or later", msgs[0])
        self.assertIn("announced 2026-11-20", msgs[0])

    def test_uk_left_the_eea_with_dates(self):
        gb = entry(locations=(("GB", "processing"),))
        self.assertEqual(self.rules(gb, "2020-12-31"), [])        # EU law applied
        self.assertEqual(self.rules(gb, "2021-01-01"), [])        # the TCA bridge
        self.assertEqual(self.rules(gb, "2021-06-27"), [])
        self.assertEqual(self.rules(gb, "2021-06-28"), ["transfer-missing"])
        adq = entry(locations=(("GB", "processing"),), transfers=({"country": "GB", "mechanism": "adequacy"},))
        self.assertEqual(self.rules(adq, "2021-03-01"), [])

    def test_uk_amendments_as_known_on_the_day(self):
        adq = entry(locations=(("GB", "processing"),), transfers=({"country": "GB", "mechanism": "adequacy"},))
        self.assertEqual(self.rules(adq, "2025-06-23"), ["adequacy-ending"])   # then it ended 2025-06-27
        self.assertEqual(self.rules(adq, "2025-06-24"), [])                    # 2025/1226: to 2025-12-27
        self.assertEqual(self.rules(adq, "2025-10-01"), ["adequacy-ending"])
        self.assertEqual(self.rules(adq, "2025-12-19"), [])                    # 2025/2574: to 2031-12-27


class LegalModel(RuleCase):
    """Promises, the chain, special categories, TIA outcomes and upcoming changes."""

    def settings(self, fragment):
        reg = os.path.join(self.tmp, "reg")
        self.check(entry(), "2026-11-28")  # makes the copy
        path = os.path.join(reg, "registry.xml")
        with open(path) as f:
            body = f.read()
        with open(path, "w") as f:
            f.write(body.replace("</registry>", fragment + "\n</registry>"))

    def test_promise_storage(self):
        self.settings('<promises><storage region="EU"/></promises>')
        self.assertEqual(self.rules(entry(locations=(("DE", "storage"),)), "2026-11-28"), [])
        self.assertEqual(self.rules(entry(locations=(("NO", "storage"),)), "2026-11-28"), ["promise-storage"])
        self.assertEqual(self.rules(entry(locations=(("NO", "processing"),)), "2026-11-28"), [])
        # a controller recipient's own storage is its own business
        self.assertEqual(self.rules(entry(flows=("controller",), recipient="controller", dpa=None,
                                          locations=(("US", "storage"),)), "2026-11-28"), [])

    def test_promise_storage_countries_and_eea(self):
        self.settings('<promises><storage countries="BE NL"/></promises>')
        self.assertEqual(self.rules(entry(locations=(("DE", "storage"),)), "2026-11-28"), ["promise-storage"])
        self.assertEqual(self.rules(entry(locations=(("NL", "storage"),)), "2026-11-28"), [])

    def test_promise_mechanism(self):
        self.settings('<promises><transfers mechanisms="scc"/></promises>')
        us = dict(locations=(("US", "processing"),))
        dpf = {"country": "US", "mechanism": "dpf", "certified": "Test Vendor Inc.", "verified": "2026-11-01"}
        scc = {"country": "US", "mechanism": "scc", "clauses": "2021/914", "module": "3", "signed": "2024-01-15", "tia": "2026-06-01"}
        self.assertEqual(self.rules(entry(transfers=(dpf,), **us), "2026-11-28"), ["promise-mechanism"])
        self.assertEqual(self.rules(entry(transfers=(dpf, scc), **us), "2026-11-28"), [])

    def test_onward_chain(self):
        onward = ('  <onward name="Cloud Inc." country="US">\n    <purpose>Hosting</purpose>\n'
                  '    <location country="US" use="processing"/>\n  </onward>\n')
        e = entry().replace("</subprocessor>", onward + "</subprocessor>")
        self.assertEqual(self.rules(e, "2026-11-28"), ["onward-transfer-missing"])
        # onward transfers get the same mechanism rules as the vendor's own (Art. 28(4))
        e = entry().replace("</subprocessor>", onward.replace("  </onward>", '    <transfer country="US" mechanism="scc"/>\n  </onward>') + "</subprocessor>")
        self.assertEqual(self.rules(e, "2026-11-28"), ["tia-missing", "transfer-invalid"])
        good = '    <transfer country="US" mechanism="scc" clauses="2021/914" module="3" signed="2024-01-15" tia="2026-06-01"/>\n  </onward>'
        e = entry().replace("</subprocessor>", onward.replace("  </onward>", good) + "</subprocessor>")
        self.assertEqual(self.rules(e, "2026-11-28"), [])
        doc = self.check(e, "2026-11-28")
        self.assertEqual(doc["summary"]["errors"], 0)
        for bad, rule in (('signed="2024-01-15" tia="2026-06-01"', "transfer-invalid"),
                          ('tia="2026-06-01"', "tia-missing"),
                          ('module="3"', "scc-module"),
                          ('clauses="2021/914"', "transfer-invalid")):
            with self.subTest(bad=bad):
                wrong = {'signed="2024-01-15" tia="2026-06-01"': 'tia="2026-06-01"',
                         'tia="2026-06-01"': '',
                         'module="3"': 'module="2"',
                         'clauses="2021/914"': 'clauses="2010/87"'}[bad]
                e = entry().replace("</subprocessor>", onward.replace("  </onward>", good.replace(bad, wrong)) + "</subprocessor>")
                self.assertIn(rule, self.rules(e, "2026-11-28"))
        # a derogation or a negative TIA down the chain fails as it would for the vendor
        e = entry().replace("</subprocessor>", onward.replace("  </onward>", good.replace(
            'tia="2026-06-01"', 'tia="2026-06-01" tia-outcome="not-adequate"')) + "</subprocessor>")
        self.assertEqual(self.rules(e, "2026-11-28"), ["tia-negative"])
        # the storage promise covers the chain
        self.settings('<promises><storage region="EU"/></promises>')
        e = entry().replace("</subprocessor>", onward.replace('use="processing"', 'use="storage"').replace(
            "  </onward>", good) + "</subprocessor>")
        self.assertEqual(self.rules(e, "2026-11-28"), ["promise-storage"])

    def test_categories_and_dpia(self):
        self.settings('<categories><category id="contact-data">Contact data</category>'
                      '<category id="voiceprints" special="biometric">Voiceprints</category></categories>')
        self.assertEqual(self.rules(entry(), "2026-11-28"), [])
        e = entry().replace("<category>contact-data</category>", "<category>contact-data</category><category>voiceprints</category>")
        self.assertEqual(self.rules(e, "2026-11-28"), ["dpia-missing"])
        self.assertEqual(self.rules(e.replace('id="t"', 'id="t" dpia="DPIA-1"'), "2026-11-28"), [])
        e = entry().replace("<category>contact-data</category>", "<category>shoe-sizes</category>")
        self.assertEqual(self.rules(e, "2026-11-28"), ["registry"])

    def test_tia_outcome(self):
        self.assertEqual(self.rules(self.scc(**{"tia-outcome": "not-adequate"}), "2026-11-28"), ["tia-negative"])
        self.assertEqual(self.rules(self.scc(**{"tia-outcome": "adequate-with-measures"}), "2026-11-28"), ["tia-measures-missing"])
        e = self.scc(**{"tia-outcome": "adequate-with-measures"}).replace(
            'tia-outcome="adequate-with-measures"/>', 'tia-outcome="adequate-with-measures"><measures>Encryption</measures></transfer>')
        self.assertEqual(self.rules(e, "2026-11-28"), [])
        self.assertEqual(self.rules(self.scc(**{"tia-outcome": "adequate"}), "2026-11-28"), [])

    def test_upcoming_addition_in_force_on_its_date(self):
        e = entry(locations=(("DE", "storage"),)).replace(
            '<location country="DE" use="storage"/>',
            '<location country="DE" use="storage"/>\n    <location country="US" use="access" announced="2026-11-28" effective="2026-12-18"/>')
        self.assertEqual(self.rules(e, "2026-12-17"), [])
        self.assertEqual(self.rules(e, "2026-12-18"), ["transfer-missing"])

    def test_seed_uses_the_model(self):
        p = run(["check", "--registry", SEED, "--format", "json"])
        self.assertEqual(json.loads(p.stdout)["summary"]["errors"], 0)
        with open(os.path.join(SEED, "registry.xml")) as f:
            settings = f.read()
        self.assertIn("<promises>", settings)
        self.assertIn('special="biometric"', settings)
        onward = [n for n in os.listdir(os.path.join(SEED, "subprocessors"))
                  if "<onward" in open(os.path.join(SEED, "subprocessors", n)).read()]
        self.assertGreaterEqual(len(onward), 2)
        self.assertIn('effective="2027-01-15"', open(os.path.join(SEED, "subprocessors", "mistral.xml")).read())


class Seed(TempDirTest):
    @only_in("release", "a hundred checks of the same data: run with the release build's tests")
    def test_seed_clean_every_fortnight_to_2030(self):
        # no time bomb but the yearly DPF List check (dpf-unverified, an error from 12 months
        # after verified=, first 2027-10-20): the seed cannot record a check not yet made
        day = datetime.date(2026, 11, 28)
        while day <= datetime.date(2030, 12, 31):
            p = run(["check", "--registry", SEED, "--date", day.isoformat(), "--format", "json"])
            doc = json.loads(p.stdout)
            errors = [f["rule"] for f in doc["findings"] if f["severity"] == "error"]
            if day < datetime.date(2027, 10, 20):
                self.assertEqual(errors, [], "%s: %s" % (day, p.stdout))
                self.assertEqual(p.returncode, 0)
            else:
                self.assertEqual(set(errors) - {"dpf-unverified"}, set(), "%s: %s" % (day, p.stdout))
            day += datetime.timedelta(days=14)

    def test_strict_and_usage(self):
        p = run(["check", "--registry", SEED, "--date", "2027-06-01"])
        self.assertEqual(p.returncode, 0)
        self.assertIn("warning[tia-stale]", p.stdout)
        p = run(["check", "--registry", SEED, "--date", "2027-06-01", "--strict"])
        self.assertEqual(p.returncode, 1)
        self.assertEqual(run(["check", "--registry", SEED, "--date", "2027-02-30"]).returncode, 2)
        self.assertEqual(run(["check", "--registry", SEED, "--format", "yaml"]).returncode, 2)
        self.assertEqual(run(["check", "--registry", SEED, "--hosting", "/nonexistent.json"]).returncode, 2)
        self.assertEqual(run(["check", "--help"]).returncode, 0)

    def test_work_tree_dot(self):
        # the registry's own CI: subreg check --registry . in its checkout
        reg = self.copy_seed()
        subprocess.run(["git", "init", "-q", reg], check=True)
        p = run(["check", "--registry", "."], cwd=reg)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertTrue(p.stdout.startswith("0 errors"), p.stdout)


class Hosting(TempDirTest):
    PLAN = os.path.join(FIXTURES, "hosting", "plan-us-east-1.json")

    def registry_without_us(self):
        reg = self.copy_seed()
        path = os.path.join(reg, "subprocessors", "aws.xml")
        with open(path) as f:
            s = f.read()
        s = s.replace('    <location country="US" use="access"/>\n', "")
        s = re.sub(r"  <transfers>.*?</transfers>\n", "", s, flags=re.S)
        with open(path, "w") as f:
            f.write(s)
        self.assertEqual(run(["check", "--registry", reg]).returncode, 0)
        return reg, path

    def test_plan_to_us_east_1_fails_then_passes(self):
        reg, path = self.registry_without_us()
        p = run(["check", "--registry", reg, "--hosting", self.PLAN, "--format", "json"])
        self.assertSanitizerClean(p)
        self.assertEqual(p.returncode, 1, p.stdout)
        f = json.loads(p.stdout)["findings"]
        rules = {(x["rule"], x["message"].split(" ")[0]) for x in f}
        self.assertIn(("hosting-undeclared", "aws_s3_bucket.recordings"), rules)
        self.assertIn(("transfer-missing", "aws_s3_bucket.recordings"), rules)
        # the instance sits in eu-central-1 (its zone), the deleted bucket and random/data
        # resources deploy nothing
        self.assertFalse(any("aws_instance.media" in x["message"] for x in f))
        self.assertFalse(any("old_logs" in x["message"] or "random_id" in x["message"] for x in f))
        with open(path) as fh:
            s = fh.read()
        s = s.replace('  </locations>\n', '    <location country="US" use="storage" provider="aws" region="us-east-1"/>\n  </locations>\n  <transfers>\n    <transfer country="US" mechanism="scc" clauses="2021/914" module="2 3" signed="2026-11-01" tia="2026-11-01"/>\n  </transfers>\n')
        with open(path, "w") as fh:
            fh.write(s)
        # declared and transferred, but the privacy policy promises EU storage
        p = run(["check", "--registry", reg, "--hosting", self.PLAN, "--format", "json"])
        self.assertEqual({x["rule"] for x in json.loads(p.stdout)["findings"]}, {"promise-storage"})
        settings = os.path.join(reg, "registry.xml")
        with open(settings) as fh:
            body = fh.read()
        with open(settings, "w") as fh:
            fh.write(re.sub(r"\s*<promises>.*?</promises>", "", body, flags=re.S))
        p = run(["check", "--registry", reg, "--hosting", self.PLAN])
        self.assertEqual(p.returncode, 0, p.stdout)

    def test_plan_fail_closed_and_providers(self):
        p = run(["check", "--registry", SEED, "--hosting", os.path.join(FIXTURES, "hosting", "plan-multi.json"), "--format", "json"])
        f = json.loads(p.stdout)["findings"]
        got = sorted((x["rule"], x["message"].split(" ")[0].rstrip(":")) for x in f)
        self.assertEqual(got, [
            # the resource group is a control-plane object: skipped, so its provider is not asked
            ("hosting-provider-unknown", "google_storage_bucket.backups"),
            # a queue stores data; aws lists the US only for access (use matters)
            ("hosting-undeclared", "aws_sqs_queue.jobs"),
            ("hosting-unmapped", "google_storage_bucket.backups"),    # GCP multi-region EU
            ("hosting-unmapped", "module.edge.aws_instance.lagos"),  # Local Zone: never the parent's country
        ])

    def test_manifest(self):
        p = run(["check", "--registry", SEED, "--hosting", os.path.join(FIXTURES, "hosting", "manifest.xml")])
        self.assertEqual(p.returncode, 0, p.stdout)
        p = run(["check", "--registry", SEED, "--hosting", os.path.join(FIXTURES, "hosting", "manifest-bad.xml"), "--format", "json"])
        self.assertEqual(p.returncode, 1)
        f = json.loads(p.stdout)["findings"]
        got = sorted((x["rule"], x["line"]) for x in f)
        self.assertEqual(got, [("hosting-provider-unknown", 4), ("hosting-undeclared", 5),
                               ("hosting-unmapped", 3), ("transfer-missing", 5)])

    def test_hostile_plan(self):
        for body in ("{", "[]", '{"resource_changes": 5}', "\x00\xff", '{"resource_changes":[' + "[" * 5000 + "]" * 5000 + "]}"):
            path = os.path.join(self.tmp, "plan.json")
            with open(path, "w", encoding="latin-1") as fh:
                fh.write(body)
            p = run(["check", "--registry", SEED, "--hosting", path])
            self.assertSanitizerClean(p)
            self.assertIn(p.returncode, (0, 1))


class Formats(TempDirTest):
    def broken(self):
        reg = self.copy_seed()
        path = os.path.join(reg, "subprocessors", "twilio.xml")
        with open(path) as f:
            s = f.read()
        with open(path, "w") as f:
            f.write(s.replace('<location country="US" use="processing"/>', '<location country="US" use="processing"/>\n    <location country="IN" use="access"/>', 1))
        return reg

    def test_text_and_summary(self):
        p = run(["check", "--registry", self.broken(), "--date", "2027-03-01"])
        self.assertEqual(p.returncode, 1)
        lines = p.stdout.splitlines()
        self.assertRegex(lines[0], r"^.*/subprocessors/[a-z]+\.xml:\d+:\d+: (error|warning)\[[a-z-]+\]: ")
        self.assertIn("twilio.xml:24:5: error[transfer-missing]", p.stdout)
        self.assertIn("(waived: ", p.stdout)
        self.assertEqual(lines[-1], "1 error, 0 warnings, 1 waived (13 entries checked as of 2027-03-01)")

    def test_junit_parses_with_counts(self):
        out = os.path.join(self.tmp, "junit.xml")
        p = run(["check", "--registry", self.broken(), "--date", "2027-03-01", "--format", "junit", "--output", out])
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, "")
        root = ET.parse(out).getroot()
        self.assertEqual(root.tag, "testsuites")
        suite = root.find("testsuite")
        self.assertEqual(suite.get("tests"), "13")
        self.assertEqual(suite.get("failures"), "1")
        cases = {c.get("name"): c for c in suite.findall("testcase")}
        self.assertEqual(len(cases), 13)
        failing = [n for n in cases if n.startswith("twilio [transfer-missing] line ")]
        self.assertEqual(len(failing), 1, list(cases))
        self.assertEqual(cases[failing[0]].find("failure").get("type"), "transfer-missing")
        self.assertIsNone(cases["aws"].find("failure"))
        self.assertIn("waived", cases["elevenlabs"].find("system-out").text)
        # what Jenkins' junit-10.xsd and GitLab accept: no file attribute, one failure per testcase
        for c in suite.findall("testcase"):
            self.assertEqual(set(c.attrib), {"classname", "name"})
            self.assertLessEqual(len(c.findall("failure")), 1)

    def test_junit_one_testcase_per_finding(self):
        # two findings of one rule in one file are two failures; classnames carry no dots of paths
        reg = self.copy_seed()
        shutil.copy(os.path.join(FIXTURES, "hosting", "manifest-bad.xml"), os.path.join(reg, "manifest.xml"))
        text = run(["check", "--registry", reg, "--hosting", os.path.join(reg, "manifest.xml"), "--date", "2026-11-28"])
        errors = len(re.findall(r"(?m): error\[", text.stdout))
        self.assertGreaterEqual(errors, 4)
        out = os.path.join(self.tmp, "j.xml")
        run(["check", "--registry", reg, "--hosting", os.path.join(reg, "manifest.xml"), "--date", "2026-11-28",
             "--format", "junit", "--output", out])
        suite = ET.parse(out).getroot().find("testsuite")
        self.assertEqual(int(suite.get("failures")), errors)
        names = [c.get("name") for c in suite.findall("testcase")]
        self.assertEqual(len(names), len(set(names)))
        for c in suite.findall("testcase"):
            self.assertEqual(c.get("classname").count("."), 1, c.get("classname"))

    def test_junit_what_ci_servers_accept(self):
        """tests/fixtures/schemas/junit-ci.xsd: the JUnit XML Jenkins (xunit's junit-10.xsd),
        Ant, GitLab and Azure DevOps all accept, checked with xmllint."""
        xsd = os.path.join(FIXTURES, "schemas", "junit-ci.xsd")
        reg = self.copy_seed("gate")
        shutil.copy(os.path.join(FIXTURES, "terraform", "own", "fleet.json"), os.path.join(reg, "plan.json"))
        outs = [os.path.join(self.tmp, n) for n in ("gate.xml", "broken.xml", "clean.xml")]
        self.assertEqual(run(["check", "--registry", ".", "--hosting", "plan.json", "--format", "junit",
                              "--output", outs[0]], cwd=reg).returncode, 1)
        self.assertEqual(run(["check", "--registry", self.broken(), "--date", "2027-03-01", "--format", "junit",
                              "--output", outs[1]]).returncode, 1)
        self.assertEqual(run(["check", "--registry", SEED, "--date", "2026-11-29", "--format", "junit", "--output", outs[2]]).returncode, 0)
        for out in outs:
            v = subprocess.run(["xmllint", "--noout", "--nonet", "--schema", xsd, out], capture_output=True, text=True)
            self.assertEqual(v.returncode, 0, v.stderr)
        # the schema does reject what Jenkins' junit-10.xsd rejected in our old output
        with open(outs[0]) as f:
            bad = f.read().replace('<testcase classname=', '<testcase file="plan.json" classname=', 1)
        with open(outs[0], "w") as f:
            f.write(bad)
        v = subprocess.run(["xmllint", "--noout", "--nonet", "--schema", xsd, outs[0]], capture_output=True, text=True)
        self.assertNotEqual(v.returncode, 0)
        self.assertIn("file", v.stderr)

    def test_sarif_validates_against_the_schema(self):
        ajv = os.path.join(ROOT, "tests", "node_modules", ".bin", "ajv")
        if not os.access(ajv, os.X_OK):
            self.fail("ajv is not installed: make test runs npm install in tests/")
        schema4 = os.path.join(FIXTURES, "schemas", "sarif-schema-2.1.0.json")
        self.assertTrue(os.path.isfile(schema4), "the SARIF schema in tests/fixtures/schemas is missing")
        schema7 = os.path.join(self.tmp, "sarif-draft7.json")
        m = subprocess.run([ajv, "migrate", "-s", schema4, "-o", schema7], capture_output=True, text=True)
        self.assertEqual(m.returncode, 0, m.stderr)
        out = os.path.join(self.tmp, "out.json")
        p = run(["check", "--registry", self.broken(), "--date", "2027-03-01", "--format", "sarif", "--output", out,
                 "--hosting", os.path.join(FIXTURES, "hosting", "manifest-bad.xml")])
        self.assertEqual(p.returncode, 1)
        v = subprocess.run([ajv, "validate", "--spec=draft7", "-c", "ajv-formats", "-s", schema7, "-d", out],
                           capture_output=True, text=True)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        doc = json.load(open(out))
        run0 = doc["runs"][0]
        ids = [r["id"] for r in run0["tool"]["driver"]["rules"]]
        self.assertIn("transfer-missing", ids)
        res = [r for r in run0["results"] if r["ruleId"] == "transfer-missing" and "twilio" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]]
        self.assertEqual(res[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 24)
        self.assertEqual(ids[res[0]["ruleIndex"]], "transfer-missing")
        self.assertTrue(any("suppressions" in r for r in run0["results"]))
        # and a document that is not SARIF fails the same validator (the check can fail)
        bad = os.path.join(self.tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}')
        v = subprocess.run([ajv, "validate", "--spec=draft7", "-c", "ajv-formats", "-s", schema7, "-d", bad],
                           capture_output=True, text=True)
        self.assertNotEqual(v.returncode, 0)

    def test_sarif_paths_are_relative_to_the_repository_that_holds_each_file(self):
        # docs/ci.md's product pipeline: the registry cloned beside the product's repository
        reg = self.copy_seed("registry")
        git(["init", "-q"], cwd=reg)
        with open(os.path.join(reg, "subprocessors", "twilio.xml")) as f:
            body = f.read()
        with open(os.path.join(reg, "subprocessors", "twilio.xml"), "w") as f:
            f.write(body.replace(' signed="2022-09-01"', ""))   # an onward transfer unsigned
        prod = os.path.join(self.tmp, "product")
        os.makedirs(os.path.join(prod, "infra"))
        git(["init", "-q"], cwd=prod)
        shutil.copy(os.path.join(FIXTURES, "hosting", "manifest-bad.xml"), os.path.join(prod, "infra", "hosting.xml"))
        out = os.path.join(self.tmp, "out.sarif")
        p = run(["check", "--registry", "../registry", "--hosting", "infra/hosting.xml", "--format", "sarif",
                 "--output", out, "--no-base"], cwd=prod)
        self.assertEqual(p.returncode, 1, p.stderr)
        run0 = json.load(open(out))["runs"][0]
        self.assertEqual(run0["originalUriBaseIds"], {
            "%SRCROOT%": {"uri": "file://" + os.path.realpath(prod) + "/"},
            "REGISTRY": {"uri": "file://" + os.path.realpath(reg) + "/"}})
        places = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
                   r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run0["results"]}
        self.assertIn(("REGISTRY", "subprocessors/twilio.xml"), places)
        self.assertIn(("%SRCROOT%", "infra/hosting.xml"), places)
        # a registry run and a hosting run get their own category: uploads do not replace each other
        self.assertTrue(run0["automationDetails"]["id"].startswith("subreg/hosting/"))
        p = run(["check", "--registry", "../registry", "--format", "sarif", "--no-base"], cwd=prod)
        self.assertTrue(json.loads(p.stdout)["runs"][0]["automationDetails"]["id"].startswith("subreg/registry/"))

    def test_sarif_what_github_code_scanning_needs(self):
        reg = self.copy_seed()
        plan = os.path.join(reg, "plan.json")
        shutil.copy(os.path.join(FIXTURES, "terraform", "own", "fleet.json"), plan)
        out = os.path.join(self.tmp, "out.sarif")
        p = run(["check", "--registry", ".", "--hosting", "plan.json", "--format", "sarif", "--output", out,
                 "--docs-url", "https://docs.example.org/subreg/rules.md"], cwd=reg)
        self.assertEqual(p.returncode, 1, p.stderr)
        doc = json.load(open(out))
        run0 = doc["runs"][0]
        self.assertEqual(run0["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file://" + os.path.realpath(reg) + "/")
        fps = []
        for r in run0["results"]:
            loc = r["locations"][0]["physicalLocation"]
            self.assertEqual(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%")
            self.assertFalse(loc["artifactLocation"]["uri"].startswith("/"))
            self.assertIn("endLine", loc["region"])
            fps.append(r["partialFingerprints"]["subregFinding/v1"])
        self.assertGreater(len(fps), 10)
        self.assertEqual(len(fps), len(set(fps)))          # one alert per finding, not merged
        lines = {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in run0["results"]}
        self.assertGreater(len(lines), 10)                  # each at its resource, not all at line 1
        for rule in run0["tool"]["driver"]["rules"]:
            self.assertEqual(rule["helpUri"], "https://docs.example.org/subreg/rules.md#" + rule["id"])
            self.assertIn("tags", rule["properties"])
            self.assertIn(rule["properties"]["problem.severity"], ("error", "warning"))
        self.assertNotIn("callnex.example/subreg", json.dumps(run0["tool"]))
        # the fingerprints stay when lines move
        p2 = run(["check", "--registry", ".", "--hosting", "plan.json", "--format", "sarif"], cwd=reg)
        with open(plan) as f:
            body = f.read()
        with open(plan, "w") as f:
            f.write("\n\n\n" + body)
        p3 = run(["check", "--registry", ".", "--hosting", "plan.json", "--format", "sarif"], cwd=reg)
        fp2 = sorted(r["partialFingerprints"]["subregFinding/v1"] for r in json.loads(p2.stdout)["runs"][0]["results"])
        fp3 = sorted(r["partialFingerprints"]["subregFinding/v1"] for r in json.loads(p3.stdout)["runs"][0]["results"])
        self.assertEqual(fp2, fp3)

    def multitool(self, sarif):
        """Microsoft's SARIF Multitool `validate`: the schema plus the rules its consumers
        (GitHub, Azure DevOps, the viewers) rely on. Returns its findings as (rule, level)."""
        tool = os.path.join(ROOT, "tests", "node_modules", ".bin", "sarif-multitool")
        if not os.access(tool, os.X_OK):
            self.fail("sarif-multitool is not installed: make test runs npm install in tests/")
        log = sarif + ".validation.sarif"
        v = subprocess.run([tool, "validate", sarif, "-o", log], capture_output=True, text=True)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        return [(r["ruleId"], r.get("level", "warning"), json.dumps(r["message"]))
                for r in json.load(open(log))["runs"][0]["results"]]

    @once
    def test_sarif_multitool_finds_nothing(self):
        reg = self.copy_seed("gate")
        shutil.copy(os.path.join(FIXTURES, "terraform", "own", "fleet.json"), os.path.join(reg, "plan.json"))
        out = os.path.join(self.tmp, "gate.sarif")
        p = run(["check", "--registry", ".", "--hosting", "plan.json", "--format", "sarif", "--output", out,
                 "--docs-url", "https://docs.example.org/subreg/rules.md"], cwd=reg)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(self.multitool(out), [])
        # waivers (suppressions), schema errors and entry findings together
        out = os.path.join(self.tmp, "broken.sarif")
        run(["check", "--registry", self.broken(), "--date", "2027-03-01", "--format", "sarif", "--output", out,
             "--docs-url", "https://docs.example.org/subreg/rules.md"])
        self.assertEqual(self.multitool(out), [])
        # without --docs-url only the advice to name an informationUri remains: no errors
        out = os.path.join(self.tmp, "plain.sarif")
        run(["check", "--registry", ".", "--hosting", "plan.json", "--format", "sarif", "--output", out], cwd=reg)
        self.assertEqual({(r, lvl) for r, lvl, _ in self.multitool(out)}, {("SARIF2005", "warning")})
        # and the tool does report what consumers reject (the check can fail)
        bad = os.path.join(self.tmp, "bad.sarif")
        with open(bad, "w") as f:
            f.write('{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},'
                    ' "results": [{"message": {"text": "m"}, "ruleId": "a", "ruleIndex": 3}]}]}')
        self.assertIn("error", {lvl for _, lvl, _ in self.multitool(bad)})

    def test_explain(self):
        p = run(["explain", "promise-storage"])
        self.assertEqual(p.returncode, 0)
        self.assertIn("source: GDPR Art. 5(1)(a)", p.stdout)
        p = run(["explain"])
        self.assertIn("transfer-missing", p.stdout)
        self.assertEqual(run(["explain", "nope"]).returncode, 2)

    def test_every_rule_has_its_anchor_in_rules_md(self):
        """SARIF helpUri is --docs-url + "#" + rule: docs/rules.md carries an anchor per rule."""
        with open(os.path.join(ROOT, "docs", "rules.md")) as f:
            anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', f.read()))
        ids = re.findall(r"(?m)^([a-z][a-z0-9-]+)\s{2,}(?:error|warning)\s", run(["explain"]).stdout)
        self.assertGreater(len(ids), 25)
        self.assertEqual(set(ids) - anchors, set())

    def test_github_commands(self):
        p = run(["check", "--registry", self.broken(), "--date", "2027-03-01", "--format", "github"])
        self.assertEqual(p.returncode, 1)
        self.assertRegex(p.stdout, r"(?m)^::error file=.*/subprocessors/twilio\.xml,line=24,col=5,title=transfer-missing::IN \(access\) is outside the EEA")
        self.assertRegex(p.stdout, r"(?m)^::notice file=.*elevenlabs\.xml,line=21,col=5,title=tia-stale::")

    def test_json_shape(self):
        p = run(["check", "--registry", self.broken(), "--date", "2027-03-01", "--format", "json"])
        doc = json.loads(p.stdout)
        self.assertEqual(set(doc), {"date", "revision", "summary", "findings"})
        self.assertEqual(doc["summary"], {"entries": 13, "errors": 1, "warnings": 0, "waived": 1})
        f = doc["findings"][0]
        self.assertEqual(set(f) - {"waiver"}, {"file", "line", "column", "severity", "rule", "entry", "message", "waived"})
