/* isocodes: country names in the visitor's language from Debian's iso-codes package, read
 * directly (its JSON for the codes and English names, its gettext catalogues for the
 * translations): no locale needs installing. When the files are absent, callers fall back
 * to the reference data's English names. */
#ifndef SUBREG_ISOCODES_H
#define SUBREG_ISOCODES_H

/* Where the package puts its files (Debian 12). */
#define ISOCODES_JSON "/usr/share/iso-codes/json/iso_3166-1.json"
#define ISOCODES_LOCALE "/usr/share/locale"

/* The name of country cc (ISO 3166-1 alpha-2, upper case) in lang ("fr", "nl"; "en" gives
 * the package's English common name), or NULL when the package, the code or the translation
 * is missing. Loaded on first use, once per process (thread-safe); the strings live until
 * the process ends. */
const char *isocodes_country(const char *cc, const char *lang);
#endif
