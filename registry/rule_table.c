/* The table of rules: each id, its severity, what it checks, its legal source and its fix
 * (the same words as docs/rules.md, `subreg explain` and SARIF's rule metadata). */
#include "rules.h"
#include <string.h>

static const rule_info table[] = {
    {"schema", SEV_ERROR, "the file breaks the XML schema", "registry format (docs/format.md)",
     "correct the element or attribute named in the message"},
    {"registry", SEV_ERROR, "a date-free check across files fails (ids, references, dates)",
     "registry format (docs/format.md)", "correct the file as the message says"},
    {"transfer-missing", SEV_ERROR,
     "a planned or active entry has a location (or its contracting entity) outside the EEA with no transfer for that country",
     "GDPR Art. 44-46; EDPB Guidelines 05/2021 (remote access is a transfer)",
     "add a <transfer> for the country with a valid mechanism, or remove the location"},
    {"transfer-invalid", SEV_ERROR, "the transfer mechanism does not hold on the check date",
     "GDPR Art. 45-46; Decision (EU) 2021/914 Art. 4; Implementing Decision (EU) 2023/1795 (DPF); CJEU C-311/18",
     "use a mechanism in force for that country: adequacy only where a decision covers it, dpf only for the US, scc with clauses=\"2021/914\""},
    {"scc-module", SEV_ERROR, "an SCC transfer lacks the module its data flows require",
     "Decision (EU) 2021/914, Annex, Section I (modules 1-4)",
     "add the missing module to module=\"...\" and sign that module with the vendor"},
    {"derogation-systematic", SEV_ERROR,
     "an Art. 49 derogation is used for a planned or active vendor (a systematic transfer)",
     "GDPR Art. 49; EDPB Guidelines 2/2018", "put SCCs or another Art. 46 safeguard in place"},
    {"tia-missing", SEV_ERROR,
     "a transfer on scc, bcr, code-of-conduct, certification or ad-hoc-clauses has no transfer impact assessment date",
     "CJEU C-311/18 (Schrems II); EDPB Recommendations 01/2020; SCC Clause 14",
     "carry out the TIA and record its date in tia=\"YYYY-MM-DD\""},
    {"tia-stale", SEV_WARNING, "the transfer impact assessment is older than the review interval",
     "EDPB Recommendations 01/2020, step 6 (re-evaluate at intervals)",
     "review the TIA and update tia=\"YYYY-MM-DD\""},
    {"dpf-unverified", SEV_ERROR,
     "a dpf transfer has no verified date within the last 12 months",
     "Implementing Decision (EU) 2023/1795 (only organisations on the DPF List)",
     "check the vendor's entry on the DPF List and record verified=\"YYYY-MM-DD\""},
    {"dpa-missing", SEV_ERROR, "a planned or active processor has no signed DPA",
     "GDPR Art. 28(3) and 28(4)", "sign a DPA and add <dpa signed=\"YYYY-MM-DD\"/>"},
    {"dpa-expired", SEV_ERROR, "the DPA expired before the check date", "GDPR Art. 28(3)",
     "renew the DPA and update <dpa expires=\"...\"/>"},
    {"dpa-expiring", SEV_WARNING, "the DPA expires within 30 days", "GDPR Art. 28(3)",
     "renew the DPA before it expires"},
    {"notice-period", SEV_ERROR,
     "processing for customers starts before announced + the notice period",
     "GDPR Art. 28(2); Decision (EU) 2021/915 Clause 7.7(a) (general written authorisation: notice of intended changes); "
     "Reg. 1182/71 Art. 3 (periods count whole days after the announcement)",
     "move <effective> to at least announced + notice-days + 1, or announce earlier"},
    {"adequacy-ending", SEV_WARNING, "a relied-on adequacy decision ends within 90 days",
     "GDPR Art. 45(3) and 45(5)", "prepare another mechanism (e.g. SCCs) before the decision ends"},
    {"country-unknown", SEV_ERROR, "a country code is not an ISO 3166-1 country after aliases",
     "ISO 3166-1; registry format", "use a two-letter country code; EU and XX are not countries"},
    {"hosting-undeclared", SEV_ERROR,
     "a hosting check finds a deployed country the provider's entry does not list",
     "GDPR Art. 28(2) and 30(2) (a processor's records); privacy policy promises",
     "add the location to the provider's entry (and a transfer outside the EEA), or deploy elsewhere"},
    {"hosting-unmapped", SEV_ERROR, "a provider region the reference data cannot place",
     "fail closed: an unknown place is never assumed to be fine",
     "use a real region id, or add it with its country to reference/regions.xml"},
    {"hosting-provider-unknown", SEV_ERROR, "a deployed provider that no entry claims",
     "GDPR Art. 28(2) (no sub-processor without authorisation)",
     "add <hosting provider=\"...\"/> to the provider's entry, or add the provider as a sub-processor"},
    {"waiver-expired", SEV_WARNING, "a waiver is past its until date and suppresses nothing",
     "registry practice", "fix the finding, or extend until=\"...\" with a reason"},
    {"promise-storage", SEV_ERROR,
     "a planned or active entry stores data outside the area the privacy policy promises",
     "GDPR Art. 5(1)(a), 13(1)(f) and 14(1)(f) (transparency: the policy must be true); "
     "registry.xml <promises>",
     "store the data inside the promised area, or change the policy and its promise first"},
    {"promise-mechanism", SEV_ERROR,
     "a transfer relies only on mechanisms the privacy policy does not name",
     "GDPR Art. 13(1)(f), 14(1)(f) (the policy names the safeguards); registry.xml <promises>",
     "add a transfer with a promised mechanism (e.g. SCCs beside the DPF), or change the policy first"},
    {"change-notice", SEV_ERROR,
     "a material change (a country, a use, a data category, a transfer, a flow, an onward sub-processor added to a live entry, "
     "the contracting entity replaced, a retired vendor made live again) takes effect before the notice period",
     "GDPR Art. 28(2) (addition or replacement of processors); Decision (EU) 2021/915 Clause 7.7(a)",
     "set effective=\"YYYY-MM-DD\" on the added element to today + notice-days or later, and announce it"},
    {"notice-unsent", SEV_WARNING,
     "an announced change's notice period has started but its notice has not reached every confirmed subscriber "
     "(reported by the server's /v1/compliance only: it needs the server's records of notice)",
     "GDPR Art. 28(2); Decision (EU) 2021/915 Clause 7.7(a) (inform the controller in advance); Art. 5(2) (accountability: be able to prove it)",
     "see GET /v1/notices for the failing deliveries: fix the relay (serve --smtp) or the webhook, the server retries by itself"},
    {"onward-transfer-missing", SEV_ERROR,
     "an onward sub-processor has a location outside the EEA with no transfer mechanism in force",
     "GDPR Art. 28(4) and 44; SCC Clause 9(b) and 8.8 (onward transfers); EDPB Opinion 22/2024",
     "add the vendor's <transfer> for that country to the <onward> element, or remove the location"},
    {"dpia-missing", SEV_WARNING,
     "an entry handles a special category of data and names no DPIA (an error on a controller flow, where the DPIA is the owner's own duty)",
     "GDPR Art. 35(1) and 35(3)(b) (large-scale special categories), Art. 9 and 10; Art. 28(3)(f) (a processor assists its controllers)",
     "carry out the DPIA and record it in dpia=\"...\" on <subprocessor>"},
    {"tia-negative", SEV_ERROR,
     "the transfer impact assessment concluded that the transfer does not give essentially equivalent protection",
     "CJEU C-311/18 (Schrems II); Decision (EU) 2021/914 Annex, Clauses 14(f) and 16(b) (suspend the transfer; terminate under Clause 16 or the contract)",
     "suspend the transfer, or put measures in place and assess again"},
    {"tia-measures-missing", SEV_WARNING,
     "the TIA relies on supplementary measures that the transfer does not name",
     "EDPB Recommendations 01/2020, step 4", "describe the measures in <measures> inside the <transfer>"},
    {"dpa-after-start", SEV_WARNING,
     "the DPA was signed after processing started (effective): processing ran without a contract",
     "GDPR Art. 28(3) (processing shall be governed by a contract)",
     "check the dates; if they are right, record why processing started before the DPA"},
    {"waiver-too-long", SEV_ERROR,
     "a waiver of an error runs longer than max-waiver-days from the check date, so it suppresses nothing",
     "registry practice: an exception to a legal requirement is temporary and owned",
     "shorten until=\"...\" to at most max-waiver-days ahead (registry.xml, default 90)"},
    {"recipient-controller", SEV_ERROR,
     "customers' data (a processor flow) goes to a recipient that is an independent controller",
     "GDPR Art. 28(3)(a) and 29 (a processor acts only on the controller's documented instructions); "
     "Art. 28(2) and (4) (sub-processors are processors)",
     "if the vendor processes customers' data for you, make it a processor (<recipient>processor</recipient>) "
     "with a DPA; if it receives data as a controller, that needs each customer's instruction: remove the processor flow"},
    {"approval-missing", SEV_ERROR,
     "a transfer on bcr, code-of-conduct, certification or ad-hoc-clauses names no approval in force on the check date",
     "GDPR Art. 46(2)(b) and 47 (BCR approved by the competent authority), 40(3) and (9) (approved code "
     "with general validity), 42 and 46(2)(f) (certification), 46(3)(a) (authorised ad hoc clauses)",
     "record the approving decision, code or certification in approval=\"...\" (and its date in approved=\"YYYY-MM-DD\")"},
    {"placeholder", SEV_ERROR,
     "a value of the `subreg new` template was left in the entry (it would be published as it is)",
     "GDPR Art. 13(1)(e) and 14(1)(e) (the recipients named to data subjects must be true)",
     "replace the value in CAPITALS with the vendor's real one"},
    {"waiver-not-allowed", SEV_ERROR,
     "a waiver names a rule that cannot be waived: a transfer without a valid mechanism has no grace period, and a vendor that trains on the data is not only a processor",
     "GDPR Art. 44 (any transfer only if Chapter V is complied with); CJEU C-311/18; Decision (EU) 2021/914 Annex, "
     "Clauses 14(f) and 16(b)",
     "remove the waiver and put a mechanism in place, or stop the transfer"},
    {"ai-training", SEV_ERROR,
     "an AI vendor trains its models on the data it processes for us (opt-in, an opt-out without its day or not yet in force, or unrecorded while the policy promises no training)",
     "GDPR Art. 28(3)(a) and 28(10) (a processor that determines purposes of its own is a controller); EDPB Opinion 28/2024 on AI models; registry.xml <training none=\"true\"/>",
     "opt out of training and record training=\"opt-out\" opted-out=\"YYYY-MM-DD\" (or training=\"none\" from the vendor's terms); never waivable"},
    {"retention-exceeds", SEV_ERROR,
     "an AI vendor keeps a data category longer than the privacy policy promises, or for an unrecorded time",
     "GDPR Art. 5(1)(e) (storage limitation), 13(2)(a) (the period told to people); registry.xml <retention category max-days>",
     "shorten the vendor's retention or turn on zero retention, then record input-days, output-days and abuse-monitoring-days on <ai>"},
    {"zero-retention-unproven", SEV_ERROR,
     "a vendor is said to keep nothing (<zero-retention>) without the day it started or the evidence",
     "GDPR Art. 5(2) (accountability), 24(1) (being able to demonstrate compliance)",
     "record since=\"YYYY-MM-DD\" and evidence=\"...\" (the vendor's written confirmation or the contract's addendum)"},
    {"dpa-clauses-unrecorded", SEV_WARNING,
     "what the signed DPA contains is not recorded (a clause of Art. 28(3) or the breach-notice time)",
     "GDPR Art. 28(3)(a)-(h), 28(9) (the contract in writing); EDPB Guidelines 07/2020, part II",
     "read the signed DPA and record <clauses instructions=... audits=.../> in <dpa> and breach-notice-hours on it"},
    {"dpa-clause-missing", SEV_ERROR,
     "the signed DPA lacks a clause Art. 28(3) requires (each named with its letter)",
     "GDPR Art. 28(3)(a)-(h); EDPB Guidelines 07/2020, part II, section 1.3 (what each clause must say)",
     "amend the DPA with the vendor, then record the clause as true"},
    {"breach-notice-slow", SEV_ERROR,
     "the vendor notifies a personal data breach later than the registry's breach-notice-hours (default 24)",
     "GDPR Art. 33(1) (72 hours for the controller), 33(2) (the processor without undue delay), 28(3)(f); registry.xml <breach-notice-hours>",
     "agree a shorter notice in the DPA and record breach-notice-hours"},
    {"foreign-access-unassessed", SEV_WARNING,
     "a vendor under a parent in a third country (e.g. subject to FISA 702 or the CLOUD Act) has no recorded assessment of that law's reach, and no transfer whose TIA covers it",
     "EDPB Guidelines 05/2021 on the interplay of Art. 3 and Chapter V; 50 U.S.C. 1881a (FISA 702); 18 U.S.C. 2713 (CLOUD Act); GDPR Art. 28(1), 32",
     "assess whether that law can compel access to the data and the safeguards against it; record assessed=\"YYYY-MM-DD\" assessment=\"...\" on <parent>"},
    {"customer-excluded-country", SEV_ERROR,
     "an entry processes a customer's data in a country that customer's DPA excludes, or transfers it on a mechanism that DPA does not accept",
     "GDPR Art. 28(3)(a) (only on the controller's documented instructions, including on transfers), 28(4) and 29; "
     "Decision (EU) 2021/915 Clause 7.8 and Annex; the customer's DPA (the clause named in customers/<id>.xml)",
     "keep the customer's data out of the vendor (<customers except=\"ID\"/>), process it elsewhere, or use a mechanism it accepts; never waivable"},
    {"objection-open", SEV_ERROR,
     "a customer's objection to a change of this entry is open (the change cannot take effect), or was accepted while the entry still processes that customer's data",
     "GDPR Art. 28(2) (the controller may object to changes); Decision (EU) 2021/915 Clause 7.7(a) "
     "(the controller may object; it may then terminate); SCC 2021/914 Clause 9(a) option 2",
     "resolve the objection in customers/<id>.xml: status=\"withdrawn\", \"accepted\" (and keep the customer's data out: <customers except=\"ID\"/>) or \"terminated\", with resolved=\"YYYY-MM-DD\"; or withdraw the change; never waivable"},
};

/* The rules a waiver cannot suppress: Chapter V has no grace period, so a transfer without
 * a valid mechanism (or one the TIA found inadequate) is never accepted for a while. Also
 * the findings of the file itself, which are fixed rather than waived. */
static const char *const unwaivable[] = {
    "ai-training", "transfer-missing", "transfer-invalid", "tia-negative", "onward-transfer-missing",
    "derogation-systematic", "approval-missing", "schema", "registry", "country-unknown",
    "waiver-expired", "waiver-too-long", "waiver-not-allowed", "placeholder",
    "customer-excluded-country", "objection-open",
};

int rules_waivable(const char *id)
{
    size_t i;

    for (i = 0; i < sizeof(unwaivable) / sizeof(unwaivable[0]); i++)
        if (strcmp(unwaivable[i], id) == 0)
            return 0;
    return 1;
}

const rule_info *rules_all(size_t *n)
{
    *n = sizeof(table) / sizeof(table[0]);
    return table;
}

const rule_info *rules_find(const char *id)
{
    size_t i;

    for (i = 0; id && i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(table[i].id, id) == 0)
            return &table[i];
    return NULL;
}
