/* subreg new: a new entry from a commented template, with today's dates. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../registry/date.h"
#include "../registry/entry.h"
#include "../registry/registry.h"
#include "../registry/source.h"
#include "../registry/template.h"
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: subreg new ID [--registry DIR] [--stdout]\n"
    "       subreg new --customer ID [--registry DIR] [--stdout]\n"
    "\n"
    "Write DIR/subprocessors/ID.xml (DIR: the registry's checkout, default .) from a commented\n"
    "template: announced today, effective after the registry's notice period. Replace every\n"
    "value in capitals (and the country codes XX), then `subreg check --registry DIR`.\n"
    "With --customer: DIR/customers/ID.xml instead, a customer whose data you process under\n"
    "its DPA (notice period, objection window, excluded countries, accepted mechanisms,\n"
    "contacts); never published.\n"
    "\n"
    "  --customer      start a customer's file instead of a sub-processor's\n"
    "  --registry DIR  the checkout (its registry.xml gives the notice period)\n"
    "  --stdout        print the template instead of writing the file\n"
    "  -h, --help      this help\n";

int cmd_new(int argc, char **argv)
{
    const char *dir = ".", *id;
    char path[4200], a[11], e[11];
    buf body;
    ssize_t n;
    int c, to_stdout = 0, is_customer = 0, notice = 14, today = date_today(), fd;
    source *src = NULL;
    registry *r = NULL;
    diag_list d = {0};
    sr_err err = {{0}};

    {
        const cli_opt opts[] = {CLI_STR("registry", &dir), CLI_FLAG("stdout", &to_stdout),
                                CLI_FLAG("customer", &is_customer), CLI_END};
        if ((c = cli_options("new", usage, argc, argv, opts)) != CLI_GO)
            return c;
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    id = argv[optind];
    if (!entry_id_valid(id))
        return cli_fail("new", "\"%s\" is not a valid id: 1 to 63 characters of a-z, 0-9 and '-'", id);
    snprintf(path, sizeof(path), "%s/registry.xml", dir);
    if (access(path, F_OK) != 0 && !to_stdout)
        return cli_fail("new", "%s is not a registry checkout (no registry.xml there): run `subreg new` in "
                               "your clone of the registry, or name it with --registry DIR",
                        strcmp(dir, ".") == 0 ? "the current directory" : dir);
    if (source_open(dir, NULL, &src, &err) == 0 && registry_load_base(src, cli_schemas(), &r, &d, &err) == 0 &&
        r->settings.notice_days > 0)
        notice = r->settings.notice_days;
    registry_free(r);
    source_close(src);
    diag_list_free(&d);
    date_format(today, a);
    date_format(today + notice + 1, e); /* notice-days whole days after today */
    buf_init(&body, 0);
    if ((is_customer ? template_customer_render(id, notice, a, &body) : template_render(id, notice, a, e, &body)) != 0) {
        buf_free(&body);
        return cli_fail("new", "out of memory");
    }
    n = (ssize_t)body.len;
    if (to_stdout) {
        fwrite(body.p, 1, body.len, stdout);
        buf_free(&body);
        return EXIT_OK;
    }
    snprintf(path, sizeof(path), "%s/%s", dir, is_customer ? "customers" : "subprocessors");
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/%s/%s.xml", dir, is_customer ? "customers" : "subprocessors", id);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        buf_free(&body);
        return cli_fail("new", "%s: %s", path, errno == EEXIST ? "exists already: edit it instead" : strerror(errno));
    }
    if (write(fd, body.p, body.len) != n || close(fd) != 0) {
        buf_free(&body);
        return cli_fail("new", "cannot write %s: %s", path, strerror(errno));
    }
    buf_free(&body);
    if (is_customer)
        printf("%s: fill in the values in CAPITALS and the customer's terms, then run `subreg check "
               "--registry %s` (its terms apply to every sub-processor that processes its data)\n",
               path, dir);
    else
        printf("%s: fill in the values in CAPITALS and the XX country codes, then run `subreg check "
               "--registry %s` (every rule as of today, and the notice your change owes)\n",
               path, dir);
    return EXIT_OK;
}
