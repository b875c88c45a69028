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
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: subreg new ID [--registry DIR] [--stdout]\n"
    "\n"
    "Write DIR/subprocessors/ID.xml (DIR: the registry's checkout, default .) from a commented\n"
    "template: announced today, effective after the registry's notice period. Replace every\n"
    "value in capitals (and the country codes XX), then `subreg validate DIR`.\n"
    "\n"
    "  --registry DIR  the checkout (its registry.xml gives the notice period)\n"
    "  --stdout        print the template instead of writing the file\n"
    "  -h, --help      this help\n";

static const char template_text[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- A new sub-processor. Replace every value in CAPITALS and every XX; docs/format.md says\n"
    "     what each element means. Then run subreg validate in the checkout. -->\n"
    "<subprocessor xmlns=\"urn:subreg:1\" id=\"%s\">\n"
    "  <name>VENDOR LEGAL NAME</name>\n"
    "  <!-- the contracting entity: its country (ISO code) and address (internal) -->\n"
    "  <entity country=\"XX\">VENDOR ADDRESS</entity>\n"
    "  <website>https://VENDOR.EXAMPLE</website>\n"
    "  <purpose>WHAT THE VENDOR DOES WITH THE DATA, IN ONE SENTENCE</purpose>\n"
    "  <categories>\n"
    "    <!-- one per data category: ids declared in registry.xml's <categories> -->\n"
    "    <category>contact-data</category>\n"
    "  </categories>\n"
    "  <!-- processor: your customers' data (you act for them); controller: your own data -->\n"
    "  <flow>processor</flow>\n"
    "  <status>planned</status>\n"
    "  <!-- customers get %d days of notice: effective is announced + %d days -->\n"
    "  <announced>%s</announced>\n"
    "  <effective>%s</effective>\n"
    "  <!-- the signed data processing agreement; keep it dated no later than effective -->\n"
    "  <dpa signed=\"%s\" reference=\"CONTRACT FILE OR NUMBER\"/>\n"
    "  <locations>\n"
    "    <!-- every country where data is stored, processed, or accessed remotely -->\n"
    "    <location country=\"XX\" use=\"storage\"/>\n"
    "  </locations>\n"
    "  <!-- outside the EEA, a <transfers> element with one <transfer> per country, e.g.\n"
    "  <transfers>\n"
    "    <transfer country=\"US\" mechanism=\"scc\" clauses=\"2021/914\" module=\"3\" signed=\"YYYY-MM-DD\" tia=\"YYYY-MM-DD\"/>\n"
    "  </transfers>\n"
    "  -->\n"
    "  <internal>NOTES FOR THE LEGAL TEAM (never published)</internal>\n"
    "</subprocessor>\n";

int cmd_new(int argc, char **argv)
{
    static const struct option opts[] = {{"registry", required_argument, NULL, 'r'},
                                         {"stdout", no_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *dir = ".", *id;
    char path[4200], a[11], e[11], body[4096];
    int c, to_stdout = 0, notice = 14, today = date_today(), fd, n;
    source *src = NULL;
    registry *r = NULL;
    diag_list d = {0};
    sr_err err = {{0}};

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': dir = optarg; break;
        case 'o': to_stdout = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: fputs(usage, stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    id = argv[optind];
    if (!entry_id_valid(id))
        return cli_fail("new", "\"%s\" is not a valid id: 1 to 63 characters of a-z, 0-9 and '-'", id);
    if (source_open(dir, NULL, &src, &err) == 0 && registry_load_base(src, cli_schemas(), &r, &d, &err) == 0 &&
        r->settings.notice_days > 0)
        notice = r->settings.notice_days;
    registry_free(r);
    source_close(src);
    diag_list_free(&d);
    date_format(today, a);
    date_format(today + notice, e);
    n = snprintf(body, sizeof(body), template_text, id, notice, notice, a, e, a);
    if (to_stdout) {
        fwrite(body, 1, (size_t)n, stdout);
        return EXIT_OK;
    }
    snprintf(path, sizeof(path), "%s/subprocessors", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/subprocessors/%s.xml", dir, id);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0)
        return cli_fail("new", "%s: %s", path, errno == EEXIST ? "exists already: edit it instead" : strerror(errno));
    if (write(fd, body, (size_t)n) != n || close(fd) != 0)
        return cli_fail("new", "cannot write %s: %s", path, strerror(errno));
    printf("%s: fill in the values in CAPITALS and the XX country codes, then run `subreg validate %s`\n",
           path, dir);
    return EXIT_OK;
}
