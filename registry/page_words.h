/* page_words: the public page's own words in English, French and Dutch (index 0, 1, 2 of
 * each row), and the tables of names it uses; shared by the page and the widget (page.c). */
#ifndef SUBREG_PAGE_WORDS_H
#define SUBREG_PAGE_WORDS_H
#include <cjson/cJSON.h>
#include "buf.h"
#include "entry.h"

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

extern const char *const page_words[T_COUNT][3];
/* Each transfer mechanism in words, and in a short form for the diagram. */
extern const char *const page_mechanisms[MECH_UNKNOWN + 1][3];
extern const char *const page_short_mech[MECH_UNKNOWN + 1][3];
/* "en", "fr", "nl" */
extern const char *const page_langs[3];
/* ": " as each language writes it: French puts a no-break space before the colon. */
extern const char *const page_colon[3];
/* The index of lang in the rows (0 en, 1 fr, 2 nl; 0 for anything else). */
int page_lang_index(const char *lang);
/* Append day (YYYY-MM-DD as a day number) as people write it in language l: "15 December
 * 2026", "1er janvier 2027", "15 december 2026". */
void page_date_text(buf *out, int day, int l);
/* Append a change item's places in language l (an item of a notice's change set: "places",
 * each {"cc", "use"} and maybe "name"): "new place of processing: Netherlands (processed)",
 * joined by "; ". Country names from iso-codes, else the item's name or code. Appends
 * nothing when the item has no places. */
void page_places_text(buf *out, const cJSON *item, int l);
#endif
