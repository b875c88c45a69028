#include "page.h"
#include "export.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "date.h"
#include "entry.h"
#include "index.h"
#include "isocodes.h"
#include "reference.h"

/* ---- the page's own words, in English, French and Dutch ---- */

enum {
    T_TITLE, T_INTRO, T_CURRENT, T_NAME, T_PURPOSE, T_CATS, T_WHERE, T_ENTITY, T_SAFEGUARD,
    T_UPCOMING, T_UPCOMING_INTRO, T_NEW, T_ADDS, T_ADDS_END, T_FROM, T_REMOVED, T_REMOVED_SINCE,
    T_UPDATED, T_VERSIONS, T_AS_OF, T_CURRENT_LINK, T_FEED, T_JSON, T_MAP, T_MAP_DESC,
    T_INSIDE, T_STORED, T_PROCESSED, T_ACCESSED, T_CONTACT, T_NOTHING_UPCOMING, T_LANG,
    T_NONE, T_ONWARD, T_EEA, T_OUTSIDE, T_FOR_CUSTOMERS, T_FOR_US, T_CONTROLLERS,
    T_CONTROLLERS_INTRO, T_DESCRIPTION, T_ENTRY_TITLE, T_BACK, T_HISTORY, T_AI_NO_TRAINING,
    T_AI_KEEPS_NONE, T_AI_KEEPS_DAYS, T_AI_KEEPS_DAY, T_AI_ABUSE_DAYS, T_AI_EXAMPLE, T_SUB_TITLE,
    T_SUB_INTRO, T_SUB_OBJECT, T_SUB_EMAIL, T_SUB_BUTTON, T_SEARCH, T_SEARCH_TEXT, T_COUNTRY,
    T_ALL_COUNTRIES, T_MATCHES, T_SHOW_ALL, T_ENTRY_TITLE_REMOVED, T_REMOVED_ON, T_UP_LOCATION,
    T_UP_TRANSFER, T_UP_CATEGORY, T_FULL_LIST, T_COUNT
};

static const char *const words[T_COUNT][3] = {
    [T_TITLE] = {"Sub-processors of %s", "Sous-traitants ult\xc3\xa9rieurs de %s", "Subverwerkers van %s"},
    [T_ENTRY_TITLE] = {"%s, sub-processor of %s", "%s, sous-traitant ult\xc3\xa9rieur de %s", "%s, subverwerker van %s"},
    [T_BACK] = {"All sub-processors", "Tous les sous-traitants ult\xc3\xa9rieurs", "Alle subverwerkers"},
    [T_HISTORY] = {"History of this sub-processor", "Historique de ce sous-traitant ult\xc3\xa9rieur", "Geschiedenis van deze subverwerker"},
    [T_DESCRIPTION] = {"The companies that process personal data for %s: what each does, where the data is stored, processed and accessed, and the safeguard of each transfer outside the EEA.",
                       "Les entreprises qui traitent des donn\xc3\xa9" "es personnelles pour %s\xc2\xa0: ce que fait chacune, o\xc3\xb9 les donn\xc3\xa9" "es sont stock\xc3\xa9" "es, trait\xc3\xa9" "es et consult\xc3\xa9" "es, et la garantie de chaque transfert hors de l'EEE.",
                       "De bedrijven die persoonsgegevens verwerken voor %s: wat elk doet, waar de gegevens worden opgeslagen, verwerkt en ingezien, en de waarborg bij elke doorgifte buiten de EER."},
    [T_INTRO] = {"These companies process personal data for us when we provide our services. Each has signed a data processing agreement with us, and every transfer outside the European Economic Area rests on a safeguard recognised by EU law.",
                 "Ces entreprises traitent des donn\xc3\xa9" "es \xc3\xa0 caract\xc3\xa8re personnel pour notre compte lorsque nous fournissons nos services. Chacune a sign\xc3\xa9 avec nous un accord de traitement des donn\xc3\xa9" "es, et tout transfert hors de l'Espace \xc3\xa9" "conomique europ\xc3\xa9" "en repose sur une garantie reconnue par le droit de l'UE.",
                 "Deze bedrijven verwerken persoonsgegevens voor ons wanneer wij onze diensten leveren. Met elk van hen hebben wij een verwerkersovereenkomst gesloten, en elke doorgifte buiten de Europese Economische Ruimte berust op een waarborg die het EU-recht erkent."},
    [T_CURRENT] = {"Current sub-processors", "Sous-traitants ult\xc3\xa9rieurs actuels", "Huidige subverwerkers"},
    [T_NAME] = {"Sub-processor", "Sous-traitant", "Subverwerker"},
    [T_PURPOSE] = {"Purpose", "Finalit\xc3\xa9", "Doel"},
    [T_CATS] = {"Personal data", "Donn\xc3\xa9" "es personnelles", "Persoonsgegevens"},
    [T_WHERE] = {"Where data is stored, processed or accessed", "O\xc3\xb9 les donn\xc3\xa9" "es sont stock\xc3\xa9" "es, trait\xc3\xa9" "es ou consult\xc3\xa9" "es", "Waar gegevens worden opgeslagen, verwerkt of ingezien"},
    [T_ENTITY] = {"Corporate location", "Pays de l'entit\xc3\xa9 contractante", "Land van vestiging"},
    [T_SAFEGUARD] = {"Safeguard for transfers outside the EEA", "Garantie pour les transferts hors EEE", "Waarborg voor doorgiften buiten de EER"},
    [T_UPCOMING] = {"Upcoming changes", "Changements \xc3\xa0 venir", "Komende wijzigingen"},
    [T_UPCOMING_INTRO] = {"We announce new sub-processors and material changes at least %d days before they take effect.",
                          "Nous annon\xc3\xa7ons les nouveaux sous-traitants ult\xc3\xa9rieurs et les changements importants au moins %d jours avant leur prise d'effet.",
                          "Wij kondigen nieuwe subverwerkers en wezenlijke wijzigingen ten minste %d dagen vooraf aan."},
    [T_NEW] = {"new sub-processor", "nouveau sous-traitant ult\xc3\xa9rieur", "nieuwe subverwerker"},
    [T_ADDS] = {"adds", "ajoute", "voegt"},
    [T_ADDS_END] = {"", "", " toe"}, /* Dutch splits the verb: "voegt ... toe" */
    [T_FROM] = {"from", "\xc3\xa0 partir du", "vanaf"},
    [T_REMOVED] = {"Recently removed", "Retir\xc3\xa9s r\xc3\xa9" "cemment", "Onlangs verwijderd"},
    [T_REMOVED_SINCE] = {"no longer used after", "plus utilis\xc3\xa9 apr\xc3\xa8s le", "niet meer gebruikt na"},
    [T_UPDATED] = {"Last updated", "Derni\xc3\xa8re mise \xc3\xa0 jour", "Laatst bijgewerkt"},
    [T_VERSIONS] = {"Earlier versions of this list", "Versions ant\xc3\xa9rieures de cette liste", "Eerdere versies van deze lijst"},
    [T_AS_OF] = {"This is the list as it stood at the end of %s.", "Voici la liste telle qu'elle \xc3\xa9tait \xc3\xa0 la fin du %s.", "Dit is de lijst zoals die was op het einde van %s."},
    [T_CURRENT_LINK] = {"See the current list", "Voir la liste actuelle", "Bekijk de huidige lijst"},
    [T_FEED] = {"Follow changes (Atom feed)", "Suivre les changements (flux Atom)", "Wijzigingen volgen (Atom-feed)"},
    [T_JSON] = {"This list as JSON", "Cette liste en JSON", "Deze lijst als JSON"},
    [T_MAP] = {"Where personal data goes", "O\xc3\xb9 vont les donn\xc3\xa9" "es personnelles", "Waar persoonsgegevens naartoe gaan"},
    [T_MAP_DESC] = {"%s sends personal data to %zu sub-processors in %zu countries.", "%s envoie des donn\xc3\xa9" "es personnelles \xc3\xa0 %zu sous-traitants ult\xc3\xa9rieurs dans %zu pays.", "%s stuurt persoonsgegevens naar %zu subverwerkers in %zu landen."},
    /* what an AI vendor does with the data: training and retention (issue #26) */
    [T_AI_NO_TRAINING] = {"Does not train its AI models on your data.",
                          "N\xe2\x80\x99" "entra\xc3\xae" "ne pas ses mod\xc3\xa8les d\xe2\x80\x99IA sur vos donn\xc3\xa9" "es.",
                          "Traint zijn AI-modellen niet met uw gegevens."},
    [T_AI_KEEPS_NONE] = {"Keeps no call data.", "Ne conserve aucune donn\xc3\xa9" "e d\xe2\x80\x99" "appel.",
                         "Bewaart geen gespreksgegevens."},
    [T_AI_KEEPS_DAYS] = {"Keeps call data %d days.", "Conserve les donn\xc3\xa9" "es d\xe2\x80\x99" "appel %d\xc2\xa0jours.",
                         "Bewaart gespreksgegevens %d dagen."},
    [T_AI_KEEPS_DAY] = {"Keeps call data 1 day.", "Conserve les donn\xc3\xa9" "es d\xe2\x80\x99" "appel 1\xc2\xa0jour.",
                        "Bewaart gespreksgegevens 1 dag."},
    [T_AI_ABUSE_DAYS] = {"Keeps call data %d days, for abuse monitoring only.",
                         "Conserve les donn\xc3\xa9" "es d\xe2\x80\x99" "appel %d\xc2\xa0jours, pour la seule d\xc3\xa9tection des abus.",
                         "Bewaart gespreksgegevens %d dagen, alleen voor misbruikdetectie."},
    [T_AI_EXAMPLE] = {"(example data)", "(donn\xc3\xa9" "es d\xe2\x80\x99" "exemple)", "(voorbeeldgegevens)"},
    /* the form to be told of changes, and how a customer objects (issue #24 item 1) */
    [T_SUB_TITLE] = {"Be told before each change", "Soyez pr\xc3\xa9venu avant chaque changement",
                     "Word vooraf ingelicht over elke wijziging"},
    [T_SUB_INTRO] = {"We email you at least %d days before a new sub-processor or a new place of processing takes effect. You confirm your address first; every email has a link to unsubscribe.",
                     "Nous vous \xc3\xa9" "crivons au moins %d\xc2\xa0jours avant qu\xe2\x80\x99un nouveau sous-traitant ult\xc3\xa9rieur ou un nouveau lieu de traitement prenne effet. Vous confirmez d\xe2\x80\x99" "abord votre adresse\xc2\xa0; chaque e-mail contient un lien de d\xc3\xa9sinscription.",
                     "We mailen u minstens %d dagen voordat een nieuwe subverwerker of een nieuwe verwerkingslocatie ingaat. U bevestigt eerst uw adres; elke e-mail bevat een link om u af te melden."},
    [T_SUB_OBJECT] = {"Customers may object to a change: use the link in the email that announces it, until the day before it takes effect (the day is shown with each change above).",
                      "Nos clients peuvent s\xe2\x80\x99opposer \xc3\xa0 un changement\xc2\xa0: utilisez le lien de l\xe2\x80\x99" "e-mail qui l\xe2\x80\x99" "annonce, jusqu\xe2\x80\x99\xc3\xa0 la veille de sa prise d\xe2\x80\x99" "effet (la date figure avec chaque changement ci-dessus).",
                      "Klanten kunnen bezwaar maken tegen een wijziging: gebruik de link in de e-mail die haar aankondigt, tot de dag voordat ze ingaat (de datum staat bij elke wijziging hierboven)."},
    [T_SUB_EMAIL] = {"Email address", "Adresse e-mail", "E-mailadres"},
    [T_SUB_BUTTON] = {"Subscribe", "S\xe2\x80\x99" "abonner", "Abonneren"},
    /* finding a vendor (issue #24 item 7) */
    [T_SEARCH] = {"Search", "Rechercher", "Zoeken"},
    [T_SEARCH_TEXT] = {"Name or purpose", "Nom ou finalit\xc3\xa9", "Naam of doel"},
    [T_COUNTRY] = {"Country", "Pays", "Land"},
    [T_ALL_COUNTRIES] = {"All countries", "Tous les pays", "Alle landen"},
    [T_MATCHES] = {"%zu of %zu sub-processors match.", "%zu sous-traitants ult\xc3\xa9rieurs sur %zu correspondent.",
                   "%zu van %zu subverwerkers komen overeen."},
    [T_SHOW_ALL] = {"Show all", "Tout afficher", "Alles tonen"},
    /* the page of a vendor no longer on the list (issue #24 item 5) */
    [T_ENTRY_TITLE_REMOVED] = {"%s, former sub-processor of %s", "%s, ancien sous-traitant ult\xc3\xa9rieur de %s",
                               "%s, voormalige subverwerker van %s"},
    [T_REMOVED_ON] = {"No longer a sub-processor: removed from the list on", "N\xe2\x80\x99" "est plus sous-traitant ult\xc3\xa9rieur\xc2\xa0: retir\xc3\xa9 de la liste le",
                      "Geen subverwerker meer: van de lijst gehaald op"},
    /* what an upcoming change adds, in the visitor's words (issue #24 item 3) */
    [T_UP_LOCATION] = {"new place of processing: ", "nouveau lieu de traitement\xc2\xa0: ", "nieuwe verwerkingslocatie: "},
    [T_UP_TRANSFER] = {"new transfer to ", "nouveau transfert vers ", "nieuwe doorgifte naar "},
    [T_UP_CATEGORY] = {"new category of data: ", "nouvelle cat\xc3\xa9gorie de donn\xc3\xa9" "es\xc2\xa0: ", "nieuwe categorie gegevens: "},
    [T_FULL_LIST] = {"See the full list of our sub-processors", "Voir la liste compl\xc3\xa8te de nos sous-traitants ult\xc3\xa9rieurs",
                      "Bekijk de volledige lijst van onze subverwerkers"},
    [T_INSIDE] = {"inside the EEA: no transfer", "dans l'EEE : pas de transfert", "binnen de EER: geen doorgifte"},
    [T_STORED] = {"stored", "stockage", "opslag"},
    [T_PROCESSED] = {"processed", "traitement", "verwerking"},
    [T_ACCESSED] = {"accessed remotely", "acc\xc3\xa8s \xc3\xa0 distance", "toegang op afstand"},
    [T_CONTACT] = {"Questions about this list", "Questions sur cette liste", "Vragen over deze lijst"},
    [T_NOTHING_UPCOMING] = {"Nothing is announced at the moment.", "Rien n'est annonc\xc3\xa9 pour le moment.", "Er is op dit moment niets aangekondigd."},
    [T_LANG] = {"Language", "Langue", "Taal"},
    [T_NONE] = {"none", "aucune", "geen"},
    [T_ONWARD] = {"its own sub-processors", "ses propres sous-traitants", "eigen subverwerkers"},
    [T_EEA] = {"in the EEA", "dans l'EEE", "in de EER"},
    [T_OUTSIDE] = {"outside the EEA", "hors EEE", "buiten de EER"},
    [T_FOR_CUSTOMERS] = {"Processing our customers' data (our service)", "Traitement des donn\xc3\xa9" "es de nos clients (notre service)", "Verwerking van de gegevens van onze klanten (onze dienst)"},
    [T_FOR_US] = {"Processing our own data (accounts, billing, website)", "Traitement de nos propres donn\xc3\xa9" "es (comptes, facturation, site web)", "Verwerking van onze eigen gegevens (accounts, facturatie, website)"},
    [T_CONTROLLERS] = {"Independent controllers that receive personal data from us",
                       "Responsables de traitement ind\xc3\xa9pendants qui re\xc3\xa7oivent des donn\xc3\xa9" "es personnelles de notre part",
                       "Zelfstandige verwerkingsverantwoordelijken die persoonsgegevens van ons ontvangen"},
    [T_CONTROLLERS_INTRO] = {"These companies are not our sub-processors: they decide themselves how they use the data they receive (for example to process a payment), under their own privacy policies, and sign no data processing agreement with us.",
                             "Ces entreprises ne sont pas nos sous-traitants : elles d\xc3\xa9" "cident elles-m\xc3\xaames de l'usage des donn\xc3\xa9" "es qu'elles re\xc3\xa7oivent (par exemple pour traiter un paiement), selon leur propre politique de confidentialit\xc3\xa9, et ne signent pas d'accord de traitement des donn\xc3\xa9" "es avec nous.",
                             "Deze bedrijven zijn geen subverwerkers van ons: zij bepalen zelf hoe zij de gegevens gebruiken die zij ontvangen (bijvoorbeeld om een betaling te verwerken), volgens hun eigen privacybeleid, en sluiten met ons geen verwerkersovereenkomst."},
};

/* The safeguards in plain words. */
static const char *const mechanisms[MECH_UNKNOWN + 1][3] = {
    [MECH_ADEQUACY] = {"adequacy decision of the European Commission", "d\xc3\xa9" "cision d'ad\xc3\xa9quation de la Commission europ\xc3\xa9" "enne", "adequaatheidsbesluit van de Europese Commissie"},
    [MECH_DPF] = {"EU-US Data Privacy Framework", "cadre de protection des donn\xc3\xa9" "es UE-\xc3\x89tats-Unis", "EU-VS-kader voor gegevensbescherming"},
    [MECH_SCC] = {"EU Standard Contractual Clauses (2021)", "clauses contractuelles types de l'UE (2021)", "EU-modelcontractbepalingen (2021)"},
    [MECH_BCR] = {"binding corporate rules", "r\xc3\xa8gles d'entreprise contraignantes", "bindende bedrijfsvoorschriften"},
    [MECH_CODE] = {"approved code of conduct", "code de conduite approuv\xc3\xa9", "goedgekeurde gedragscode"},
    [MECH_CERTIFICATION] = {"approved certification", "certification approuv\xc3\xa9" "e", "goedgekeurde certificering"},
    [MECH_ADHOC] = {"contractual clauses authorised by a supervisory authority", "clauses contractuelles autoris\xc3\xa9" "es par une autorit\xc3\xa9 de contr\xc3\xb4le", "door een toezichthouder toegestane contractbepalingen"},
    [MECH_DEROGATION] = {"derogation (GDPR Art. 49)", "d\xc3\xa9rogation (RGPD art. 49)", "afwijking (AVG art. 49)"},
    [MECH_UNKNOWN] = {"?", "?", "?"},
};

static const char *const short_mech[MECH_UNKNOWN + 1] = {
    [MECH_ADEQUACY] = "adequacy", [MECH_DPF] = "DPF", [MECH_SCC] = "SCC", [MECH_BCR] = "BCR",
    [MECH_CODE] = "code", [MECH_CERTIFICATION] = "cert.", [MECH_ADHOC] = "ad hoc",
    [MECH_DEROGATION] = "Art. 49", [MECH_UNKNOWN] = "?"};

static const char *const langs[3] = {"en", "fr", "nl"};
/* ": " as each language writes it: French puts a no-break space before the colon. */
static const char *const colon[3] = {": ", "\xc2\xa0: ", ": "};

static int lang_index(const char *lang)
{
    int i;

    for (i = 0; lang && i < 3; i++)
        if (strcmp(lang, langs[i]) == 0)
            return i;
    return 0;
}

const char *page_lang(const char *param, const char *accept)
{
    const char *p;
    int i;

    for (i = 0; param && i < 3; i++)
        if (strcasecmp(param, langs[i]) == 0)
            return langs[i];
    /* the first language of the header that the page has (weights are not weighed: the
     * order is what browsers send by preference) */
    for (p = accept; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        for (i = 0; i < 3; i++)
            if (strncasecmp(p, langs[i], 2) == 0 && (p[2] == '\0' || p[2] == '-' || p[2] == ';' || p[2] == ','))
                return langs[i];
        p += strcspn(p, ",");
    }
    return "en";
}

/* ---- helpers ---- */

/* Which table of the page lists e: 0 sub-processors of customers' data, 1 sub-processors
 * of the owner's own data (both for a vendor with both flows), 2 independent controllers. */
static int in_table(const entry *e, int k)
{
    if (e->recipient == ROLE_CONTROLLER)
        return k == 2;
    return k == 0 ? (e->flows & ROLE_PROCESSOR) != 0 : k == 1 ? (e->flows & ROLE_CONTROLLER) != 0 : 0;
}

static void esc(buf *out, const char *s)
{
    buf_xml_escape(out, s ? s : "");
}

static int http_url(const char *u)
{
    return u && (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0) &&
           !strpbrk(u, " \"'<>\\`");
}

/* The country's name from the reference data, or what the entry says when it is no known
 * code. */
/* The name of country cc in language l: Debian's iso-codes for French and Dutch, the
 * reference data's (English) otherwise or when the package does not have it; NULL when cc is
 * no known country. */
static const char *cc_name(const registry *r, const char *cc, int l)
{
    const char *n = l ? isocodes_country(cc, langs[l]) : NULL;

    return n ? n : reference_country_name(r->ref, cc);
}

static const char *country_name(const registry *r, const entry_country *c, int l)
{
    const char *n = c->cc[0] ? cc_name(r, c->cc, l) : NULL;

    return n ? n : c->raw;
}

static const char *use_word(entry_use u, int l)
{
    return words[u == USE_STORAGE ? T_STORED : u == USE_PROCESSING ? T_PROCESSED : T_ACCESSED][l];
}

/* A <time> element for day. */
static void date_words(buf *out, int day, int l)
{
    static const char *const months[3][12] = {
        {"January", "February", "March", "April", "May", "June", "July", "August", "September",
         "October", "November", "December"},
        {"janvier", "f\xc3\xa9vrier", "mars", "avril", "mai", "juin", "juillet", "ao\xc3\xbbt", "septembre",
         "octobre", "novembre", "d\xc3\xa9" "cembre"},
        {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
         "oktober", "november", "december"}};
    char d[11];
    int y, m, dd;

    date_format(day, d);
    buf_printf(out, "<time datetime=\"%s\">", d);
    if (sscanf(d, "%d-%d-%d", &y, &m, &dd) == 3 && m >= 1 && m <= 12)
        /* as people write them: "15 December 2026", "1er janvier 2027", "15 december 2026" */
        buf_printf(out, "%d%s\xc2\xa0%s %d", dd, l == 1 && dd == 1 ? "er" : "", months[l][m - 1], y);
    else
        buf_puts(out, d);
    buf_puts(out, "</time>");
}

/* 1 when something effective on effective (DATE_NONE: always) is in force on day. */
static int in_force(int effective, int day)
{
    return effective == DATE_NONE || effective <= day;
}

/* The category in words (the vocabulary's label), or its id. */
static const char *category_words(const registry *r, const char *id)
{
    const registry_category_def *c = id ? registry_category(r, id) : NULL;

    return c && c->label ? c->label : id ? id : "";
}

/* What an AI vendor does with the data, in language l: that it does not train on it (none,
 * or an opt-out in force on day), and how long it keeps it (zero retention, the longest of
 * its copies, or abuse monitoring only). Nothing for a vendor without <ai>, and nothing that
 * is not recorded. */
static void ai_facts(const entry *e, int day, int l, buf *out)
{
    const entry_facts *f = &e->facts;
    int days = facts_retention_days(f), any = 0;

    if (!f->has_ai)
        return;
    buf_puts(out, "<span class=\"ai\">");
    if (f->training == TRAIN_NONE ||
        (f->training == TRAIN_OPT_OUT && f->opted_out != DATE_NONE && f->opted_out <= day)) {
        buf_printf(out, " %s", words[T_AI_NO_TRAINING][l]);
        any = 1;
    }
    if (days == 0) {
        buf_printf(out, " %s", words[T_AI_KEEPS_NONE][l]);
        any = 1;
    } else if (days > 0 && f->has_zr) {
        buf_puts(out, " ");
        buf_printf(out, words[T_AI_ABUSE_DAYS][l], days);
        any = 1;
    } else if (days > 0) {
        buf_puts(out, " ");
        buf_printf(out, words[days == 1 ? T_AI_KEEPS_DAY : T_AI_KEEPS_DAYS][l], days);
        any = 1;
    }
    if (any && f->example)
        buf_printf(out, " %s", words[T_AI_EXAMPLE][l]);
    buf_puts(out, "</span>");
}

/* s, the registry's own words (English), on a page in language l: marked lang="en" when l is
 * another language, so that a reader (and a screen reader) knows. */
static void esc_en(buf *out, const char *s, int l)
{
    if (l)
        buf_puts(out, "<span lang=\"en\">");
    esc(out, s);
    if (l)
        buf_puts(out, "</span>");
}

/* e's purpose in language l, or its default one (English) marked as such. */
static void purpose_in(buf *out, const entry *e, int l)
{
    const char *p = entry_purpose(e, langs[l]);

    if (p == e->purpose)
        esc_en(out, p, l);
    else
        esc(out, p);
}

/* One entry's row of a table in language l, as of day. */
static void row(const registry *r, const entry *e, int day, int l, buf *out)
{
    size_t i, j;
    int any = 0;

    buf_printf(out, "<tr id=\"%s\"><th scope=\"row\">", e->id);
    if (http_url(e->website)) {
        buf_puts(out, "<a href=\"");
        esc(out, e->website);
        buf_puts(out, "\" rel=\"noopener noreferrer\">");
        esc(out, e->name);
        buf_puts(out, "</a>");
    } else {
        esc(out, e->name);
    }
    buf_printf(out, "</th><td data-label=\"%s\">", words[T_PURPOSE][l]);
    purpose_in(out, e, l);
    ai_facts(e, day, l, out);
    buf_printf(out, "</td><td data-label=\"%s\"><ul>", words[T_CATS][l]);
    for (i = 0; i < e->ncategories; i++) {
        if (!in_force(e->category_effective[i], day))
            continue;
        buf_puts(out, "<li>");
        esc_en(out, category_words(r, e->categories[i]), l);
        buf_puts(out, "</li>");
    }
    buf_printf(out, "</ul></td><td data-label=\"%s\"><ul>", words[T_WHERE][l]);
    for (i = 0; i < e->nlocations; i++) {
        const entry_location *loc = &e->locations[i];
        if (!in_force(loc->effective, day))
            continue;
        buf_puts(out, "<li>");
        esc(out, country_name(r, &loc->country, l));
        buf_puts(out, " (");
        buf_puts(out, use_word(loc->use, l));
        buf_puts(out, ")</li>");
    }
    for (i = 0; i < e->nonward; i++) {
        buf_puts(out, "<li>");
        buf_puts(out, words[T_ONWARD][l]);
        buf_puts(out, colon[l]);
        esc(out, e->onward[i].name);
        buf_puts(out, " (");
        for (j = 0; j < e->onward[i].nlocations; j++) {
            if (j)
                buf_puts(out, ", ");
            esc(out, country_name(r, &e->onward[i].locations[j].country, l));
        }
        buf_puts(out, ")</li>");
    }
    buf_printf(out, "</ul></td><td data-label=\"%s\">", words[T_ENTITY][l]);
    esc(out, country_name(r, &e->entity_country, l));
    buf_printf(out, "</td><td data-label=\"%s\"><ul>", words[T_SAFEGUARD][l]);
    for (i = 0; i < e->ntransfers; i++) {
        const entry_transfer *t = &e->transfers[i];
        if (!in_force(t->effective, day) || !t->country.cc[0] ||
            reference_in_eea_on(r->ref, t->country.cc, day))
            continue;
        any = 1;
        buf_puts(out, "<li>");
        esc(out, country_name(r, &t->country, l));
        buf_puts(out, colon[l]);
        buf_puts(out, mechanisms[t->mechanism][l]);
        buf_puts(out, "</li>");
    }
    if (!any) {
        buf_puts(out, "<li>");
        buf_puts(out, words[T_INSIDE][l]);
        buf_puts(out, "</li>");
    }
    buf_puts(out, "</ul></td></tr>\n");
}

/* A table's opening, caption and column headings in language l. */
static void table_head(buf *out, int l, const char *caption)
{
    buf_puts(out, "<div class=\"scroll\"><table>\n<caption>");
    buf_puts(out, caption);
    buf_printf(out, "</caption>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                    "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                    "<th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
               words[T_NAME][l], words[T_PURPOSE][l], words[T_CATS][l], words[T_WHERE][l],
               words[T_ENTITY][l], words[T_SAFEGUARD][l]);
}

/* ---- the picture: owner -> sub-processors -> countries ---- */

/* s escaped, cut to at most max characters (UTF-8 aware) with an ellipsis. */
static void svg_label(buf *out, const char *s, size_t max)
{
    char cut[400];
    size_t i = 0, chars = 0;

    s = s ? s : "";
    while (s[i] && chars < max && i + 4 < sizeof(cut)) {
        i++;
        while ((s[i] & 0xc0) == 0x80)
            i++;
        chars++;
    }
    snprintf(cut, sizeof(cut), "%.*s%s", (int)i, s, s[i] ? "\xe2\x80\xa6" : "");
    esc(out, cut);
}

#define SVG_ROW 30
/* The diagram of where data goes: the owner, then every country where a shown entry keeps or
 * reaches it, those outside the EEA marked (an SVG with a text equivalent). */
static void flow_svg(const registry *r, const entry *const *shown, size_t n, int day, int l, buf *out)
{
    char countries[256][3]; /* every ISO 3166-1 country fits */
    size_t nc = 0, i, j, k, rows;
    int outside = 0;
    const char *owner = r->settings.owner ? r->settings.owner : "";

    for (i = 0; i < n; i++)
        for (j = 0; j < shown[i]->nlocations; j++) {
            const entry_location *loc = &shown[i]->locations[j];
            int seen = 0;
            if (!loc->country.cc[0] || !in_force(loc->effective, day))
                continue;
            for (k = 0; k < nc; k++)
                seen |= strcmp(countries[k], loc->country.cc) == 0;
            if (!seen && nc < 256)
                memcpy(countries[nc++], loc->country.cc, 3);
        }
    rows = n > nc ? n : nc;
    if (rows == 0)
        return;
    buf_printf(out, "<figure class=\"flow\"><svg role=\"img\" aria-labelledby=\"flow-title flow-desc\" "
                    "viewBox=\"0 0 900 %zu\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"flow-title\">%s</title>\n"
                    "<desc id=\"flow-desc\">",
               rows * SVG_ROW + 60, words[T_MAP][l]);
    {
        char d[600];
        snprintf(d, sizeof(d), words[T_MAP_DESC][l], owner, n, nc);
        esc(out, d);
    }
    for (k = 0; k < nc; k++) {
        buf_puts(out, " ");
        esc(out, cc_name(r, countries[k], l));
        buf_printf(out, ": %s.", reference_in_eea_on(r->ref, countries[k], day) ? words[T_EEA][l] : words[T_OUTSIDE][l]);
    }
    buf_puts(out, "</desc>\n");
    /* owner */
    buf_printf(out, "<rect class=\"owner\" x=\"4\" y=\"%zu\" width=\"150\" height=\"26\" rx=\"4\"/>"
                    "<text x=\"12\" y=\"%zu\">",
               (rows * SVG_ROW) / 2, (rows * SVG_ROW) / 2 + 17);
    esc(out, owner);
    buf_puts(out, "</text>\n");
    for (i = 0; i < n; i++) {
        size_t y = i * SVG_ROW + 10;
        buf_printf(out, "<path class=\"link\" d=\"M154 %zu C200 %zu 200 %zu 250 %zu\"/>",
                   (rows * SVG_ROW) / 2 + 13, (rows * SVG_ROW) / 2 + 13, y + 13, y + 13);
        buf_printf(out, "<rect class=\"vendor\" x=\"250\" y=\"%zu\" width=\"240\" height=\"26\" rx=\"4\"/><text x=\"258\" y=\"%zu\">",
                   y, y + 17);
        svg_label(out, shown[i]->name, 30);
        buf_puts(out, "</text>\n");
        for (j = 0; j < shown[i]->nlocations; j++) {
            const entry_location *loc = &shown[i]->locations[j];
            if (!loc->country.cc[0] || !in_force(loc->effective, day))
                continue;
            for (k = 0; k < nc && strcmp(countries[k], loc->country.cc) != 0; k++)
                ;
            buf_printf(out, "<path class=\"use-%s\" d=\"M490 %zu C545 %zu 545 %zu 600 %zu\"/>\n",
                       entry_use_name(loc->use), y + 13, y + 13, k * SVG_ROW + 23, k * SVG_ROW + 23);
        }
    }
    for (k = 0; k < nc; k++) {
        int eea = reference_in_eea_on(r->ref, countries[k], day);
        char label[64] = "";
        size_t y = k * SVG_ROW + 10;
        for (i = 0; !eea && i < n; i++)
            for (j = 0; j < shown[i]->ntransfers; j++) {
                const entry_transfer *t = &shown[i]->transfers[j];
                if (strcmp(t->country.cc, countries[k]) == 0 && in_force(t->effective, day) &&
                    !strstr(label, short_mech[t->mechanism]))
                    snprintf(label + strlen(label), sizeof(label) - strlen(label), "%s%s",
                             label[0] ? ", " : "", short_mech[t->mechanism]);
            }
        outside |= !eea;
        buf_printf(out, "<rect class=\"%s\" x=\"600\" y=\"%zu\" width=\"296\" height=\"26\" rx=\"4\"/><text x=\"608\" y=\"%zu\">",
                   eea ? "eea" : "third", y, y + 17);
        {
            char text[160];
            snprintf(text, sizeof(text), "%s%s%s", cc_name(r, countries[k], l),
                     label[0] ? " \xe2\x80\x93 " : "", label);
            svg_label(out, text, 38);
        }
        buf_puts(out, "</text>\n");
    }
    /* legend */
    {
        size_t y = rows * SVG_ROW + 30;
        buf_printf(out, "<path class=\"use-storage\" d=\"M4 %zu h30\"/><text x=\"40\" y=\"%zu\">%s</text>"
                        "<path class=\"use-processing\" d=\"M150 %zu h30\"/><text x=\"186\" y=\"%zu\">%s</text>"
                        "<path class=\"use-access\" d=\"M320 %zu h30\"/><text x=\"356\" y=\"%zu\">%s</text>"
                        "<rect class=\"eea\" x=\"520\" y=\"%zu\" width=\"14\" height=\"14\"/><text x=\"540\" y=\"%zu\">%s</text>",
                   y, y + 5, words[T_STORED][l], y, y + 5, words[T_PROCESSED][l], y, y + 5,
                   words[T_ACCESSED][l], y - 8, y + 5, words[T_EEA][l]);
        if (outside)
            buf_printf(out, "<rect class=\"third\" x=\"630\" y=\"%zu\" width=\"14\" height=\"14\"/><text x=\"650\" y=\"%zu\">%s</text>",
                       y - 8, y + 5, words[T_OUTSIDE][l]);
    }
    buf_puts(out, "\n</svg></figure>\n");
}

/* ---- the page ---- */

static const char css[] =
    ":root{--fg:#1a1a1a;--bg:#fff;--muted:#4a4a4a;--line:#c8c8c8;--accent:#0b5394}"
    "*{box-sizing:border-box}"
    "body{font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:1rem}"
    /* a word is never broken inside: only one longer than the line may be (a long URL) */
    "main{max-width:72rem;margin:0 auto;overflow-wrap:break-word;hyphens:manual}"
    "h1{font-size:1.7rem;margin:.5rem 0}h2{font-size:1.3rem;margin-top:2rem}"
    "a{color:var(--accent)}"
    ".muted{color:var(--muted)}"
    ".ai{display:block;margin-top:.3em;font-size:.92em}"
    ".subscribe form,form.search{display:flex;flex-wrap:wrap;gap:.5em;align-items:center}"
    "form.search input[type=search]{min-width:12em;max-width:100%;padding:.3em}"
    ".subscribe input[type=email]{min-width:16em;max-width:100%;padding:.3em}"
    ".scroll{overflow-x:auto;max-width:100%}"
    "table{border-collapse:collapse;width:100%;min-width:40rem}"
    "caption{text-align:left;font-weight:600;padding:.4rem 0}"
    "th,td{border-top:1px solid var(--line);padding:.5rem;text-align:left;vertical-align:top}"
    "thead th{border-bottom:2px solid var(--fg)}"
    "td ul{margin:0;padding-left:1.1rem}"
    "nav.lang a{margin-right:.6rem}nav.crumbs{margin:.5rem 0}"
    "figure.flow{margin:1rem 0;max-width:100%;overflow-x:auto}"
    "figure.flow svg{width:100%;min-width:20rem;height:auto;font:13px system-ui,sans-serif}"
    "svg .owner{fill:#0b5394}svg .owner+text{fill:#fff}"
    "svg .vendor{fill:#f2f2f2;stroke:#6b6b6b}"
    "svg .eea{fill:#e1efe3;stroke:#2e7d32}svg .third{fill:#fde9d9;stroke:#b45309}"
    "svg path{fill:none;stroke-width:2}svg .link{stroke:#8a8a8a}"
    "svg .use-storage{stroke:#1b5e20}svg .use-processing{stroke:#0b5394}svg .use-access{stroke:#b45309;stroke-dasharray:5 4}"
    "footer{margin-top:2rem;border-top:1px solid var(--line);padding-top:1rem}"
    "textarea{width:100%;max-width:40rem;box-sizing:border-box;font:inherit}" /* the pages of notice links */
    "pre{white-space:pre-wrap;overflow-wrap:anywhere}"
    "@media (max-width:40rem){body{padding:.5rem}h1{font-size:1.35rem}"
    /* on a phone, one card per vendor: each cell under its column's name */
    ".scroll{overflow-x:visible}table{min-width:0}"
    "thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}"
    "table,tbody,tr,th,td{display:block;width:100%}"
    "tr{border:1px solid var(--line);border-radius:.4rem;margin:.8rem 0;padding:.3rem .7rem}"
    "th,td{border-top:0;padding:.3rem 0}th[scope=row]{font-size:1.1rem}"
    "td::before{content:attr(data-label);display:block;font-weight:600;font-size:.85rem;color:var(--muted)}}";

const char *page_css(size_t *len)
{
    *len = sizeof(css) - 1;
    return css;
}

/* The entries of the page, by where they show: current, upcoming (planned, or active with an
 * effective day still to come) and removed within the last year, as of day. */
typedef struct page_lists {
    const entry **current, **upcoming, **removed;
    size_t nc, nu, nr;
    size_t total, shown;     /* planned and active entries, and those the search keeps */
} page_lists;

/* Sort r's entries (only o->only when set) into the lists, as of day; every entry, however
 * many: no list is cut at a fixed size. Returns 0, or -1 when out of memory. */
static int page_lists_make(const registry *r, const page_opts *o, int day, page_lists *pl)
{
    export_filter f = {"all", o->country, NULL, NULL, NULL};
    size_t i;

    memset(pl, 0, sizeof(*pl));
    pl->current = calloc(r->n + 1, sizeof(*pl->current));
    pl->upcoming = calloc(r->n + 1, sizeof(*pl->upcoming));
    pl->removed = calloc(r->n + 1, sizeof(*pl->removed));
    if (!pl->current || !pl->upcoming || !pl->removed)
        return -1;
    for (i = 0; i < r->n; i++) {
        const entry *e = r->entries[i];
        if (o->only && strcmp(e->id, o->only) != 0)
            continue;
        pl->total += e->status != STATUS_RETIRED;
        if ((o->country && !export_match(e, &f)) ||
            (o->q && o->q[0] && !(strcasestr(e->name ? e->name : "", o->q) ||
                                  strcasestr(e->purpose ? e->purpose : "", o->q) ||
                                  strcasestr(entry_purpose(e, o->lang), o->q))))
            continue;
        pl->shown += e->status != STATUS_RETIRED;
        if (e->status == STATUS_ACTIVE && in_force(e->effective, day))
            pl->current[pl->nc++] = e;
        else if (e->status == STATUS_PLANNED || (e->status == STATUS_ACTIVE && !in_force(e->effective, day)))
            pl->upcoming[pl->nu++] = e;
        else if (e->status == STATUS_RETIRED && e->retired != DATE_NONE &&
                 (e->retired >= day - 365 || o->only)) /* its own page: however long ago */
            pl->removed[pl->nr++] = e;
    }
    return 0;
}

static void page_lists_free(page_lists *pl)
{
    free(pl->current);
    free(pl->upcoming);
    free(pl->removed);
}

/* From the doctype to the page's heading and introduction: title and description in language
 * l, the style (inline in a file), the language switcher and the way back (not in a file). */
static void page_head(const registry *r, const page_opts *o, int l, const char *title, buf *out)
{
    const char *owner = r->settings.owner ? r->settings.owner : "";
    char desc[600];
    size_t i;

    buf_printf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
               langs[l]);
    esc(out, title);
    buf_puts(out, "</title>\n<meta name=\"description\" content=\"");
    snprintf(desc, sizeof(desc), words[T_DESCRIPTION][l], owner);
    esc(out, desc);
    buf_puts(out, "\">\n");
    if (o->standalone) {
        buf_puts(out, "<style>");
        buf_puts(out, css);
        buf_puts(out, "</style>\n");
    } else {
        buf_puts(out, "<link rel=\"stylesheet\" href=\"/page.css\">\n"
                      "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"/v1/feed.atom\">\n");
    }
    buf_puts(out, "</head>\n<body>\n<main>\n");
    if (!o->standalone) { /* in a file, ?lang= links would lead nowhere */
        buf_puts(out, "<nav class=\"lang\" aria-label=\"");
        buf_puts(out, words[T_LANG][l]);
        buf_puts(out, "\">");
        for (i = 0; i < 3; i++)
            buf_printf(out, "<a href=\"?lang=%s\" hreflang=\"%s\" lang=\"%s\"%s>%s</a>", langs[i], langs[i],
                       langs[i], (int)i == l ? " aria-current=\"true\"" : "",
                       i == 0 ? "English" : i == 1 ? "Fran\xc3\xa7" "ais" : "Nederlands");
        buf_puts(out, "</nav>\n");
    }
    if (o->only && !o->standalone) /* the way back to the list */
        buf_printf(out, "<nav aria-label=\"breadcrumb\" class=\"crumbs\"><a href=\"/?lang=%s\">%s</a></nav>\n",
                   langs[l], words[T_BACK][l]);
    buf_puts(out, "<h1>");
    esc(out, title);
    buf_puts(out, "</h1>\n<p>");
    buf_puts(out, words[T_INTRO][l]);
    buf_puts(out, "</p>\n");
    if (o->at != DATE_NONE) {
        char d[11], msg[300];
        snprintf(msg, sizeof(msg), words[T_AS_OF][l], date_format(o->at, d));
        buf_puts(out, "<p><strong>");
        esc(out, msg);
        if (o->standalone)
            buf_puts(out, "</strong></p>\n");
        else
            buf_printf(out, "</strong> <a href=\"?lang=%s\">%s</a></p>\n", langs[l], words[T_CURRENT_LINK][l]);
    }
    if (o->last_updated != DATE_NONE) {
        buf_printf(out, "<p class=\"muted\">%s: ", words[T_UPDATED][l]);
        date_words(out, o->last_updated, l);
        buf_puts(out, "</p>\n");
    }
}

/* The search form (no script: a GET of the list with q and country, in the page's language)
 * over the countries where some entry has a location, and how many entries it kept. */
static void page_search(const registry *r, const page_opts *o, const page_lists *pl, int l, buf *out)
{
    char seen[256][3];
    size_t n = 0, i, j, k;

    for (i = 0; i < r->n; i++)
        for (j = 0; j < r->entries[i]->nlocations; j++) {
            const char *cc = r->entries[i]->locations[j].country.cc;
            for (k = 0; cc[0] && k < n && strcmp(seen[k], cc) != 0; k++)
                ;
            if (cc[0] && k == n && n < 256)
                memcpy(seen[n++], cc, 3);
        }
    for (i = 1; i < n; i++) /* by name: a few dozen countries at most */
        for (k = i; k > 0; k--) {
            const char *a = cc_name(r, seen[k - 1], l), *b = cc_name(r, seen[k], l);
            char t[3];
            if (strcmp(a ? a : seen[k - 1], b ? b : seen[k]) <= 0)
                break;
            memcpy(t, seen[k], 3);
            memcpy(seen[k], seen[k - 1], 3);
            memcpy(seen[k - 1], t, 3);
        }
    buf_printf(out, "<form method=\"get\" action=\"/\" role=\"search\" class=\"search\">\n"
                    "<input type=\"hidden\" name=\"lang\" value=\"%s\">\n"
                    "<label for=\"q\">%s</label>\n<input id=\"q\" name=\"q\" type=\"search\" maxlength=\"100\" value=\"",
               langs[l], words[T_SEARCH_TEXT][l]);
    esc(out, o->q ? o->q : "");
    buf_printf(out, "\">\n<label for=\"country\">%s</label>\n<select id=\"country\" name=\"country\">"
                    "<option value=\"\">%s</option>", words[T_COUNTRY][l], words[T_ALL_COUNTRIES][l]);
    for (i = 0; i < n; i++) {
        const char *name = cc_name(r, seen[i], l);
        buf_printf(out, "<option value=\"%s\"%s>", seen[i],
                   o->country && strcmp(o->country, seen[i]) == 0 ? " selected" : "");
        esc(out, name ? name : seen[i]);
        buf_puts(out, "</option>");
    }
    buf_printf(out, "</select>\n<button type=\"submit\">%s</button>\n</form>\n", words[T_SEARCH][l]);
    if ((o->q && o->q[0]) || o->country) {
        buf_puts(out, "<p role=\"status\">");
        buf_printf(out, words[T_MATCHES][l], pl->shown, pl->total);
        buf_printf(out, " <a href=\"/?lang=%s\">%s</a></p>\n", langs[l], words[T_SHOW_ALL][l]);
    }
}

/* The current sub-processors: one table per purpose of the data, our customers' (the service)
 * and our own (a vendor with both flows is in both: each group of people sees every recipient
 * of its data); independent controllers apart, never under the sub-processors' DPA promise.
 * Then the diagram of where data goes. */
static void page_current(const registry *r, const page_opts *o, const page_lists *pl, int day,
                         int l, buf *out)
{
    size_t i, k;

    if (!o->only || pl->nc) /* an entry's page: the heading only when it is current */
        buf_printf(out, "<h2>%s</h2>\n", words[T_CURRENT][l]);
    for (k = 0; k < 3; k++) {
        int rows = 0;
        for (i = 0; i < pl->nc; i++)
            rows += in_table(pl->current[i], k);
        if (!rows)
            continue;
        if (k == 2)
            buf_printf(out, "<h2>%s</h2>\n<p>%s</p>\n", words[T_CONTROLLERS][l], words[T_CONTROLLERS_INTRO][l]);
        table_head(out, l, words[k == 0 ? T_FOR_CUSTOMERS : k == 1 ? T_FOR_US : T_CONTROLLERS][l]);
        for (i = 0; i < pl->nc; i++)
            if (in_table(pl->current[i], k))
                row(r, pl->current[i], day, l, out);
        buf_puts(out, "</tbody></table></div>\n");
    }
    flow_svg(r, pl->current, pl->nc, day, l, out);
}

/* Upcoming changes: new vendors, and what current ones add, each from its day. */
static void page_upcoming(const registry *r, const page_lists *pl, int day, int l, buf *out)
{
    size_t i, k;
    int any_change = 0;

    buf_printf(out, "<h2>%s</h2>\n<p>", words[T_UPCOMING][l]);
    buf_printf(out, words[T_UPCOMING_INTRO][l], r->settings.notice_days);
    buf_puts(out, "</p>\n<ul class=\"upcoming\">\n");
    for (i = 0; i < pl->nu; i++) {
        buf_printf(out, "<li id=\"%s\"><strong>", pl->upcoming[i]->id);
        esc(out, pl->upcoming[i]->name);
        buf_printf(out, "</strong> (%s)%s", words[T_NEW][l], colon[l]);
        purpose_in(out, pl->upcoming[i], l);
        buf_printf(out, " \xe2\x80\x93 %s ", words[T_FROM][l]);
        date_words(out, pl->upcoming[i]->effective, l);
        buf_puts(out, "</li>\n");
        any_change = 1;
    }
    for (i = 0; i < pl->nc; i++) {
        entry_upcoming up[16];
        size_t n = entry_upcoming_changes(pl->current[i], day, up, 16);
        for (k = 0; k < n && k < 16; k++) {
            entry_country c = {"", ""};
            memcpy(c.cc, up[k].cc, 3);
            memcpy(c.raw, up[k].cc, 3);
            buf_puts(out, "<li><strong>");
            esc(out, pl->current[i]->name);
            buf_printf(out, "</strong>%s", colon[l]);
            /* in the visitor's words: the country's name and the use or safeguard; a category's
             * label is the registry's own (English), marked as such */
            if (up[k].kind == 'L') {
                buf_printf(out, "%s", words[T_UP_LOCATION][l]);
                esc(out, country_name(r, &c, l));
                buf_printf(out, " (%s)", use_word(up[k].use, l));
            } else if (up[k].kind == 'T') {
                buf_printf(out, "%s", words[T_UP_TRANSFER][l]);
                esc(out, country_name(r, &c, l));
                buf_printf(out, " (%s)", mechanisms[up[k].mechanism][l]);
            } else {
                buf_printf(out, "%s", words[T_UP_CATEGORY][l]);
                esc_en(out, category_words(r, up[k].category ? up[k].category : "?"), l);
            }
            buf_printf(out, " \xe2\x80\x93 %s ", words[T_FROM][l]);
            date_words(out, up[k].effective, l);
            buf_puts(out, "</li>\n");
            any_change = 1;
        }
    }
    if (!any_change)
        buf_printf(out, "<li>%s</li>\n", words[T_NOTHING_UPCOMING][l]);
    buf_puts(out, "</ul>\n");
}

/* The form to be told of changes (no script: a plain POST to /subscribe, in the page's
 * language), and how a customer objects to a change and until when. */
static void page_subscribe(const registry *r, int l, buf *out)
{
    buf_printf(out, "<section class=\"subscribe\" aria-labelledby=\"subscribe\">\n<h2 id=\"subscribe\">%s</h2>\n<p>",
               words[T_SUB_TITLE][l]);
    buf_printf(out, words[T_SUB_INTRO][l], r->settings.notice_days);
    buf_printf(out, "</p>\n<form method=\"post\" action=\"/subscribe\">\n"
                    "<input type=\"hidden\" name=\"lang\" value=\"%s\">\n"
                    "<label for=\"email\">%s</label>\n"
                    "<input id=\"email\" name=\"email\" type=\"email\" required maxlength=\"254\" "
                    "autocomplete=\"email\">\n<button type=\"submit\">%s</button>\n</form>\n<p>%s</p>\n"
                    "</section>\n",
               langs[l], words[T_SUB_EMAIL][l], words[T_SUB_BUTTON][l], words[T_SUB_OBJECT][l]);
}

/* Removed within the last year, and the list's (or the entry's) earlier versions. */
static void page_past(const page_opts *o, const page_lists *pl, int l, buf *out)
{
    size_t i;

    if (pl->nr) {
        buf_printf(out, "<h2>%s</h2>\n<ul class=\"removed\">\n", words[T_REMOVED][l]);
        for (i = 0; i < pl->nr; i++) {
            buf_printf(out, "<li id=\"%s\"><strong>", pl->removed[i]->id);
            esc(out, pl->removed[i]->name);
            buf_printf(out, "</strong>%s", colon[l]);
            purpose_in(out, pl->removed[i], l);
            buf_printf(out, " \xe2\x80\x93 %s ", words[T_REMOVED_SINCE][l]);
            date_words(out, pl->removed[i]->retired, l);
            buf_puts(out, "</li>\n");
        }
        buf_puts(out, "</ul>\n");
    }
    if (o->nversions) {
        buf_printf(out, "<h2>%s</h2>\n<ul class=\"versions\">\n", words[o->only ? T_HISTORY : T_VERSIONS][l]);
        for (i = 0; i < o->nversions; i++) {
            char d[11];
            date_format(o->versions[i].day, d);
            if (o->standalone)
                buf_printf(out, "<li><time datetime=\"%s\">%s</time>: ", d, d);
            else
                buf_printf(out, "<li><a href=\"?at=%s&amp;lang=%s\"><time datetime=\"%s\">%s</time></a>: ", d, langs[l], d, d);
            esc_en(out, o->versions[i].summary, l); /* the history's own words (English) */
            buf_puts(out, "</li>\n");
        }
        buf_puts(out, "</ul>\n");
    }
}

/* The footer: the feed and the JSON (not in a file), the contact; then the end of the page. */
static void page_foot(const registry *r, const page_opts *o, int l, buf *out)
{
    buf_puts(out, "<footer>\n<p>");
    if (!o->standalone)
        buf_printf(out, "<a href=\"/v1/feed.atom\">%s</a> \xc2\xb7 <a href=\"/v1/subprocessors\">%s</a>",
                   words[T_FEED][l], words[T_JSON][l]);
    buf_puts(out, "</p>\n");
    if (r->settings.contact) {
        buf_printf(out, "<p>%s: ", words[T_CONTACT][l]);
        if (strchr(r->settings.contact, '@') && !strpbrk(r->settings.contact, " \"'<>")) {
            buf_puts(out, "<a href=\"mailto:");
            esc(out, r->settings.contact);
            buf_puts(out, "\">");
            esc(out, r->settings.contact);
            buf_puts(out, "</a>");
        } else {
            esc(out, r->settings.contact);
        }
        buf_puts(out, "</p>\n");
    }
    buf_puts(out, "</footer>\n</main>\n</body>\n</html>\n");
}

int page_widget(const registry *r, const page_opts *o, buf *out)
{
    page_lists pl;
    int l = lang_index(o->lang), rc = -1;
    size_t i;

    if (page_lists_make(r, o, o->day, &pl) != 0)
        goto out;
    table_head(out, l, words[T_CURRENT][l]);
    for (i = 0; i < pl.nc; i++)
        if (pl.current[i]->recipient != ROLE_CONTROLLER)
            row(r, pl.current[i], o->day, l, out);
    buf_puts(out, "</tbody></table></div>\n");
    page_upcoming(r, &pl, o->day, l, out);
    buf_printf(out, "<p class=\"full\"><a href=\"/?lang=%s\">%s</a></p>\n", langs[l], words[T_FULL_LIST][l]);
    rc = out->failed ? -1 : 0;
out:
    page_lists_free(&pl);
    return rc;
}

int page_render(const registry *r, const page_opts *o, buf *out)
{
    page_lists pl;
    int rc = -1;
    int l = lang_index(o->lang), day = o->at != DATE_NONE ? o->at : o->day;
    const char *owner = r->settings.owner ? r->settings.owner : "";
    char title[400];

    if (page_lists_make(r, o, day, &pl) != 0)
        goto out;
    if (o->only) { /* an entry's own page: its own title; a former one's says so */
        const entry *e = pl.nc ? pl.current[0] : pl.nu ? pl.upcoming[0] : pl.nr ? pl.removed[0] : NULL;
        int former = (!pl.nc && !pl.nu && pl.nr) || (!e && o->removed_day != DATE_NONE);
        snprintf(title, sizeof(title), words[former ? T_ENTRY_TITLE_REMOVED : T_ENTRY_TITLE][l],
                 e && e->name ? e->name : o->removed_name ? o->removed_name : o->only, owner);
    } else {
        snprintf(title, sizeof(title), words[T_TITLE][l], owner);
    }
    page_head(r, o, l, title, out);
    if (o->only && !pl.nc && !pl.nu && !pl.nr && o->removed_day != DATE_NONE) {
        buf_printf(out, "<p><strong>%s ", words[T_REMOVED_ON][l]);
        date_words(out, o->removed_day, l);
        buf_puts(out, ".</strong></p>\n");
    }
    if (o->search && !o->standalone && !o->only && o->at == DATE_NONE)
        page_search(r, o, &pl, l, out);
    page_current(r, o, &pl, day, l, out);
    page_upcoming(r, &pl, day, l, out);
    if (o->subscribe && !o->standalone && !o->only && o->at == DATE_NONE)
        page_subscribe(r, l, out);
    page_past(o, &pl, l, out);
    page_foot(r, o, l, out);
    rc = out->failed ? -1 : 0;
out:
    page_lists_free(&pl);
    return rc;
}

size_t page_versions(index_db *idx, store *st, const char *id, page_version *v, size_t max, int *last)
{
    sr_err err = {{0}};
    index_change *ch = NULL;
    size_t n = 0, i, k = 0;

    *last = DATE_NONE;
    /* max days of changes: 5,000 changes are more than enough to fill them */
    if (index_changes(idx, id, NULL, 0, 5000, &ch, &n, &err) != 0)
        return 0;
    index_drop_refused(st, ch, &n);
    for (i = 0; i < n; i++) {
        int day = (int)(ch[i].time / 86400);
        const char *line = index_change_summary(&ch[i], 1);
        if (k && v[k - 1].day == day) {
            size_t l = strlen(v[k - 1].summary);
            if (l + 3 < sizeof(v[k - 1].summary))
                snprintf(v[k - 1].summary + l, sizeof(v[k - 1].summary) - l, "; %s", line);
            continue;
        }
        if (k == max)
            break;
        v[k].day = day;
        snprintf(v[k].summary, sizeof(v[k].summary), "%s", line);
        k++;
    }
    for (i = 0; i < k; i++)
        utf8_sanitize(v[i].summary); /* a cut may split a character */
    if (k)
        *last = v[0].day;
    index_changes_free(ch, n);
    return k;
}
