/* guard: what may be committed. The format's "What blocks a write": schema errors, registry
 * errors, and error findings (not waived) of the changed entries as of the day of the write.
 * Findings elsewhere never block. One implementation for the API's writes and the push hook.
 * Warnings are returned in the diagnostics but never block. */
#ifndef SUBREG_GUARD_H
#define SUBREG_GUARD_H
#include <stddef.h>
#include "diag.h"
#include "entry.h"
#include "schema.h"
#include "store.h"

struct registry;

#define GUARD_BLOCKED SR_BLOCKED /* return code: the change breaks the rules; d says why */

/* Parse data (len bytes) as subprocessors/<id>.xml: XML, schema, and the entry read from it,
 * once, for the checks and commits that follow. id NULL: the file is named from the
 * document's own id when it is valid ("body" otherwise). Findings go to d. Returns 0 with
 * *out (one reference: entry_free), GUARD_BLOCKED when the XML is unusable (*out NULL, d
 * says why), or -1 (err set). An entry with schema errors is returned: the guard still
 * reports the rest and blocks it. */
int guard_parse(const schemas *xs, const char *id, const char *data, size_t len, entry **out,
                diag_list *d, sr_err *err);

/* Check putting the parsed entry e (guard_parse) as subprocessors/<id>.xml onto the registry
 * of snapshot snap, as of day. known (may be NULL) is the registry already loaded at that
 * revision: with it, checks across entries (one entry per hosting provider) read no other
 * file, and the entry's version there is not parsed again. e is normalised in place (country
 * codes); the guard takes no ownership. d holds e's findings from guard_parse on and nothing
 * else: an error among them (a schema error) blocks too. Returns 0 (may be committed),
 * GUARD_BLOCKED, or -1 (err set). */
int guard_check_entry(const schemas *xs, store_snap *snap, const char *id, entry *e, int day,
                      const struct registry *known, diag_list *d, sr_err *err);

/* One change of an entry: e parsed from data by guard_parse, or e NULL to remove the file;
 * or, with customer = 1, of customers/<id>.xml (data: its new text; e NULL). */
typedef struct guard_change {
    const char *id;
    int customer;
    entry *e;
    const char *data;
    size_t len;
    const store_author *who;
    const char *message;
    int day;
} guard_change;

/* Check the text data (len bytes) as customers/<id>.xml on the registry of snapshot snap: the
 * schema and the customer's date-free checks (its id, its countries). Its terms block no
 * write of its own: the entries they touch are refused when they change (the guard's rule:
 * findings elsewhere never block). Findings to d. Returns 0, GUARD_BLOCKED or -1. */
int guard_check_customer(const schemas *xs, store_snap *snap, const char *id, const char *data,
                         size_t len, diag_list *d, sr_err *err);
/* Check (guard_check_entry, or guard_check_customer for a customer's file), then commit the change on top of expected_parent (NULL or "" =
 * the current tip) with compare-and-swap. Returns 0 with the commit id and the new blob id
 * ("" on removal; also set in c->e->blob), GUARD_BLOCKED (nothing written), STORE_CONFLICT
 * (main moved from expected_parent: nothing written), STORE_LOCKED (main's lock is held by
 * another writer: nothing written to main), STORE_NOTFOUND (removal of an entry that does
 * not exist, or no change at all), STORE_REJECTED or STORE_OFFLINE (the upstream's publish
 * step), or -1. known: as in guard_check_entry (used only when it is the registry at the
 * parent). */
int guard_commit(store *s, const schemas *xs, const char *expected_parent, const guard_change *c,
                 const struct registry *known, diag_list *d, char commit_out[STORE_OID_HEX],
                 char blob_out[STORE_OID_HEX], sr_err *err);
/* guard_parse (when data is not NULL), then guard_commit: one call for a caller that has the
 * text only. Returns as guard_commit. */
int guard_write(store *s, const schemas *xs, const char *expected_parent, const char *id,
                const char *data, size_t len, const store_author *who, const char *message,
                int day, const struct registry *known, diag_list *d,
                char commit_out[STORE_OID_HEX], char blob_out[STORE_OID_HEX], sr_err *err);

/* The material changes of every entry of neu against its version in base, the registry at
 * the revision the change lands on (rules_check_change, with neu's waivers applied), and
 * every open objection of base's customers still in neu's (resolved, never removed): what
 * `check --base` and `diff` add to the rules of neu, and what the push guard and the API
 * decide for the entries they write. Entries whose git blob is the same are skipped; base
 * NULL adds nothing. */
void guard_check_changes(const struct registry *base, const struct registry *neu, int day, diag_list *d);
/* Check a pushed update of a ref from base (the commit the changes are counted from; NULL or
 * "" = the whole tree is new) to new_id: the whole tree at new_id loads without schema or
 * registry errors and has the shape the registry can represent (guard_check_shape), the
 * entries changed since base have no error findings as of day, and no open objection of a
 * customer's file was removed (resolved, never removed). every_commit = 1 checks each
 * commit between base and new_id the same way, but for the dated rules (main: a bad
 * intermediate commit would show in history and at ?at=); their diagnostics name the commit
 * ("1a2b3c4d:registry.xml"). Returns 0, GUARD_BLOCKED, or -1. */
int guard_check_push(store *s, const schemas *xs, const char *base, const char *new_id, int day,
                     int every_commit, diag_list *d, sr_err *err);
/* Each commit after base (exclusive; NULL or "": from the root) up to tip (exclusive) that
 * fails the schema, registry or shape checks, passed to fn: the intermediate commits of a
 * range whose tip is valid, which a follower must never serve (?at=, history). Returns 0 or
 * -1 (err set). */
int guard_each_invalid_commit(store *s, const schemas *xs, const char *base, const char *tip,
                              void (*fn)(void *ctx, const char *id), void *ctx, sr_err *err);
/* What the registry can represent, in the tree of snap: under subprocessors/ only regular,
 * non-executable <id>.xml files; registry.xml and reference/ likewise (reference/ holds
 * *.xml files only); no symbolic links or submodules anywhere; other files (a README,
 * contracts) up to max_bytes, measured from the object's header. Problems go to d as
 * "registry" errors whose file is prefix + the path. Returns 0 or -1 (err set). */
int guard_check_shape(store_snap *snap, const char *prefix, size_t max_bytes, diag_list *d,
                      sr_err *err);
#endif
