/* subreg token: API tokens for the server (add, list, revoke). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "../server/auth.h"
#include "../registry/entry.h"
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: subreg token add NAME --role customer|reader|editor [--customer ID] [--state DIR]\n"
    "       subreg token list [--state DIR]\n"
    "       subreg token revoke NAME [--state DIR]\n"
    "\n"
    "Manage the API tokens of `subreg serve` (same --state, default " DEFAULT_STATE ").\n"
    "add prints the new token once, alone on the last line; only its SHA-256 is stored.\n"
    "A running server accepts new tokens and drops revoked ones at once.\n"
    "  customer: the customer view (?view=customer): entity addresses, the full chain of\n"
    "            sub-processors, whether a DPA exists; never DPA references, TIAs, notes.\n"
    "            With --customer ID (customers/ID.xml): also GET /v1/customers/ID, that\n"
    "            customer's own terms, vendors, upcoming changes and objections, and no other's\n"
    "  reader: the internal view, stored XML, compliance findings\n"
    "  editor: reader, plus PUT/DELETE of entries and POST /v1/validate\n";

static void print_token(const char *name, const char *role, void *ctx)
{
    (void)ctx;
    printf("%s\t%s\n", name, role);
}

int cmd_token(int argc, char **argv)
{
    const char *state = DEFAULT_STATE, *role = NULL, *verb, *name = NULL, *customer_id = NULL;
    char tok[80];
    sr_err err = {{0}};
    int c, rc;

    {
        const cli_opt opts[] = {CLI_STR("state", &state), CLI_STR("role", &role), CLI_STR("customer", &customer_id),
                               CLI_END};
        if ((c = cli_options("token", usage, argc, argv, opts)) != CLI_GO)
            return c;
    }
    if (optind >= argc) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    verb = argv[optind++];
    if (optind < argc)
        name = argv[optind++];
    if (optind != argc) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(verb, "list") == 0 && !name) {
        if (auth_list(state, print_token, NULL, &err) != 0)
            return cli_fail("token", "%s", err.msg);
        return EXIT_OK;
    }
    if (!name || !auth_name_valid(name))
        return cli_fail("token", "give a NAME of 1 to 64 characters of A-Z a-z 0-9 . _ -");
    if (strcmp(verb, "add") == 0) {
        auth_role r = role && strcmp(role, "editor") == 0     ? ROLE_EDITOR
                      : role && strcmp(role, "reader") == 0   ? ROLE_READER
                      : role && strcmp(role, "customer") == 0 ? ROLE_CUSTOMER
                                                              : ROLE_NONE;
        if (r == ROLE_NONE)
            return cli_fail("token", "add needs --role customer, --role reader or --role editor");
        if (customer_id && (r != ROLE_CUSTOMER || !entry_id_valid(customer_id)))
            return cli_fail("token", r != ROLE_CUSTOMER ? "--customer goes with --role customer"
                                                        : "--customer: give a customer id (a-z, 0-9 and '-')");
        if (cli_mkdirs(state) != 0)
            return cli_fail("token", "cannot create %s: %s", state, strerror(errno));
        if (auth_add(state, name, r, customer_id, tok, &err) != 0)
            return cli_fail("token", "%s", err.msg);
        printf("Token for %s (%s%s%s); it is shown only now:\n%s\n", name, auth_role_name(r),
               customer_id ? " of " : "", customer_id ? customer_id : "", tok);
        return EXIT_OK;
    }
    if (strcmp(verb, "revoke") == 0) {
        rc = auth_revoke(state, name, &err);
        if (rc < 0)
            return cli_fail("token", "%s", err.msg);
        if (rc == SR_NOTFOUND)
            return cli_fail("token", "no token named %s", name);
        printf("Revoked %s.\n", name);
        return EXIT_OK;
    }
    fputs(usage, stderr);
    return EXIT_USAGE;
}
