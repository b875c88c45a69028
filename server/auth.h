/* auth: API tokens. Stored in STATE/tokens (mode 0600, outside the git repository) as
 * "NAME ROLE SHA256(TOKEN)" lines; the token itself is shown once, at creation. A running
 * server re-reads the file when it changes, so new and revoked tokens take effect at once.
 * Token comparison is in constant time. */
#ifndef SUBREG_AUTH_H
#define SUBREG_AUTH_H
#include <stddef.h>
#include "../registry/diag.h"

/* Roles, each allowed what the ones before it are: a customer (a controller's DPO: the
 * customer view), a reader (everything, read only), an editor (writes). */
typedef enum { ROLE_NONE = 0, ROLE_CUSTOMER = 1, ROLE_READER = 2, ROLE_EDITOR = 3 } auth_role;

typedef struct auth auth;

/* Open the token store of state_dir (the file may not exist yet). NULL when out of memory. */
auth *auth_open(const char *state_dir);
void auth_close(auth *a);
/* The role of the bearer token (NUL-terminated), with its name copied to name (size n) and,
 * for a customer token bound to one customer, that customer's id to customer (size cn; ""
 * otherwise). ROLE_NONE when unknown. Re-reads the file when it changed. Thread-safe. */
auth_role auth_check(auth *a, const char *token, char *name, size_t n, char *customer, size_t cn);
/* Create a token for name with role (a customer token bound to customer, an id of
 * customers/<id>.xml, when it is not NULL); the new token (NUL-terminated, 67 bytes) goes to
 * token_out. Refuses a name already present. Returns 0 or -1 with err set. */
int auth_add(const char *state_dir, const char *name, auth_role role, const char *customer,
             char token_out[80], sr_err *err);
/* Remove name's token. Returns 0, SR_NOTFOUND when there is no such name, -1 with err set. */
int auth_revoke(const char *state_dir, const char *name, sr_err *err);
/* Call fn for each (name, role); a bound customer token's role is "customer:ID". Returns 0
 * or -1 with err set. */
int auth_list(const char *state_dir, void (*fn)(const char *name, const char *role, void *ctx),
              void *ctx, sr_err *err);
const char *auth_role_name(auth_role r);
/* 1 when name is a valid token name: [A-Za-z0-9._-]{1,64}. */
int auth_name_valid(const char *name);
#endif
