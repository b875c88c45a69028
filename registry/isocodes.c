#include "isocodes.h"
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "source.h"

#define NLANG 3 /* en, fr, nl */
static const char *const langs[NLANG] = {"en", "fr", "nl"};

/* One country: its code and its name in each language (NULL when unknown). */
typedef struct iso_country {
    char cc[3];
    const char *name[NLANG];
} iso_country;

static iso_country *countries;
static size_t ncountries;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* The whole file at path (malloc'd, NUL-terminated) and its length; NULL when unreadable. */
static char *slurp(const char *path, size_t *len)
{
    char *data = NULL;
    sr_err err = {{0}};

    if (source_read_path(path, 64u << 20, &data, len, &err) != 0)
        return NULL;
    return data;
}

static uint32_t u32(const unsigned char *p, int swap)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return swap ? __builtin_bswap32(v) : v;
}

/* The translation of msgid in the gettext catalogue mo (len bytes), or NULL. Every offset is
 * checked against the file: a damaged catalogue translates nothing. */
static const char *mo_lookup(const unsigned char *mo, size_t len, const char *msgid)
{
    uint32_t magic, n, orig, trans, i;
    int swap;

    if (len < 28)
        return NULL;
    memcpy(&magic, mo, 4);
    if (magic != 0x950412deu && magic != 0xde120495u)
        return NULL;
    swap = magic == 0xde120495u;
    n = u32(mo + 8, swap);
    orig = u32(mo + 12, swap);
    trans = u32(mo + 16, swap);
    if (orig > len || trans > len || n > (len - orig) / 8 || n > (len - trans) / 8)
        return NULL;
    for (i = 0; i < n; i++) {
        uint32_t ol = u32(mo + orig + 8 * i, swap), oo = u32(mo + orig + 8 * i + 4, swap);
        uint32_t tl, to;
        if (oo > len || ol >= len - oo || mo[oo + ol] != '\0' || strcmp((const char *)mo + oo, msgid) != 0)
            continue;
        tl = u32(mo + trans + 8 * i, swap);
        to = u32(mo + trans + 8 * i + 4, swap);
        if (to > len || tl >= len - to || mo[to + tl] != '\0' || tl == 0)
            return NULL;
        return (const char *)mo + to;
    }
    return NULL;
}

/* Read the package once: codes and English names, then each catalogue's translations. */
static void load(void)
{
    size_t len = 0, mlen[NLANG] = {0}, i, k;
    char *json = slurp(ISOCODES_JSON, &len), *mo[NLANG] = {NULL}, path[300];
    cJSON *root = json ? cJSON_Parse(json) : NULL, *arr = cJSON_GetObjectItemCaseSensitive(root, "3166-1"), *it;

    free(json);
    if (!cJSON_IsArray(arr) || !(countries = calloc((size_t)cJSON_GetArraySize(arr), sizeof(*countries))))
        goto out;
    for (k = 1; k < NLANG; k++) {
        snprintf(path, sizeof(path), "%s/%s/LC_MESSAGES/iso_3166-1.mo", ISOCODES_LOCALE, langs[k]);
        mo[k] = slurp(path, &mlen[k]);
    }
    cJSON_ArrayForEach(it, arr) {
        const cJSON *a2 = cJSON_GetObjectItemCaseSensitive(it, "alpha_2");
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
        const cJSON *common = cJSON_GetObjectItemCaseSensitive(it, "common_name");
        const char *name = cJSON_IsString(common) ? common->valuestring : cJSON_IsString(nm) ? nm->valuestring : NULL;
        iso_country *c = &countries[ncountries];
        if (!cJSON_IsString(a2) || strlen(a2->valuestring) != 2 || !name)
            continue;
        memcpy(c->cc, a2->valuestring, 3);
        c->name[0] = strdup(name);
        for (k = 1; k < NLANG; k++) {
            const char *t = mo[k] ? mo_lookup((const unsigned char *)mo[k], mlen[k], name) : NULL;
            c->name[k] = t ? strdup(t) : NULL;
        }
        ncountries++;
    }
    for (i = 0; i < NLANG; i++)
        free(mo[i]);
out:
    cJSON_Delete(root);
}

const char *isocodes_country(const char *cc, const char *lang)
{
    size_t i, l;

    pthread_once(&once, load);
    for (l = 0; l < NLANG && (!lang || strcmp(lang, langs[l]) != 0); l++)
        ;
    if (!cc || l == NLANG)
        return NULL;
    for (i = 0; i < ncountries; i++)
        if (strcmp(countries[i].cc, cc) == 0)
            return countries[i].name[l];
    return NULL;
}
