/* feed: the Atom feed (RFC 4287) of a registry's public list: the announced sub-processors
 * and changes not in force yet, then the newest 50 changes of the history (public words
 * only), with absolute links and ids that are valid IRIs. */
#ifndef SUBREG_FEED_H
#define SUBREG_FEED_H
#include <stddef.h>
#include "buf.h"
#include "index.h"
#include "registry.h"

/* Append the feed of reg to out. base: the absolute URL of the server (--public-url), without
 * a trailing "/" ("" gives relative links). feed_id: the registry's first commit (the feed's
 * lasting id). ch[0..n): its changes, newest first (index_changes; refused ones dropped).
 * today: what is upcoming is counted from it. Returns 0, or -1 when out of memory. */
int feed_render(const registry *reg, const char *base, const char *feed_id, const index_change *ch, size_t n,
                int today, buf *out);
#endif
