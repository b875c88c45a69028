#include "page_words.h"
#include <stdio.h>
#include <string.h>
#include "date.h"
#include "isocodes.h"
#include "json.h"

const char *const page_words[T_COUNT][3] = {
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
const char *const page_mechanisms[MECH_UNKNOWN + 1][3] = {
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

const char *const page_short_mech[MECH_UNKNOWN + 1][3] = {
    [MECH_ADEQUACY] = {"adequacy", "ad\xc3\xa9quation", "adequaatheid"}, [MECH_DPF] = {"DPF", "DPF", "DPF"},
    [MECH_SCC] = {"SCC", "CCT", "SCC"}, [MECH_BCR] = {"BCR", "BCR", "BCR"},
    [MECH_CODE] = {"code", "code", "gedragscode"}, [MECH_CERTIFICATION] = {"cert.", "cert.", "cert."},
    [MECH_ADHOC] = {"ad hoc", "ad hoc", "ad hoc"}, [MECH_DEROGATION] = {"Art. 49", "art. 49", "art. 49"},
    [MECH_UNKNOWN] = {"?", "?", "?"}};

const char *const page_langs[3] = {"en", "fr", "nl"};
/* ": " as each language writes it: French puts a no-break space before the colon. */
const char *const page_colon[3] = {": ", "\xc2\xa0: ", ": "};

int page_lang_index(const char *lang)
{
    return lang && strncmp(lang, "fr", 2) == 0 ? 1 : lang && strncmp(lang, "nl", 2) == 0 ? 2 : 0;
}

void page_date_text(buf *out, int day, int l)
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
    if (sscanf(d, "%d-%d-%d", &y, &m, &dd) == 3 && m >= 1 && m <= 12)
        buf_printf(out, "%d%s\xc2\xa0%s %d", dd, l == 1 && dd == 1 ? "er" : "", months[l][m - 1], y);
    else
        buf_puts(out, d);
}

void page_places_text(buf *out, const cJSON *item, int l)
{
    const cJSON *p;
    int first = 1;

    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(item, "places")) {
        const char *cc = json_str(p, "cc"), *name = json_str(p, "name"), *use = json_str(p, "use");
        const char *local = cc ? isocodes_country(cc, page_langs[l]) : NULL;
        int w = use && strcmp(use, "storage") == 0      ? T_STORED
                : use && strcmp(use, "processing") == 0 ? T_PROCESSED
                                                        : T_ACCESSED;
        buf_printf(out, "%s%s%s (%s)", first ? "" : "; ", page_words[T_UP_LOCATION][l],
                   local ? local : name ? name : cc ? cc : "?", page_words[w][l]);
        first = 0;
    }
}
