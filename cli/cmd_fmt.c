/* subreg fmt: rewrite registry files in the one canonical layout. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../registry/buf.h"
#include "../registry/fmt.h"
#include "../registry/source.h"
#include "../registry/xmldoc.h"
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: subreg fmt [--check] FILE|DIR...\n"
    "\n"
    "Rewrite registry files in the one canonical layout: two-space indentation, attributes in\n"
    "a fixed order (id, name, country, ... first), text trimmed, comments kept. A DIR means its\n"
    "*.xml files and those of DIR/subprocessors and DIR/customers. Running it twice changes nothing; what a file\n"
    "says never changes (checked on every file). Prints the files it rewrote.\n"
    "\n"
    "  --check     rewrite nothing; list the files not in the layout and exit 1 if any (CI)\n"
    "  -h, --help  this help\n"
    "\n"
    "Exit status: 0 all formatted; 1 --check found files to format, or a file is not\n"
    "well-formed XML (left as it is); 2 usage or I/O error.\n";

/* Write data to path through a temporary file in the same directory, keeping path's mode.
 * Returns 0, or -1 with errno set. */
static int replace_file(const char *path, const char *data, size_t len, mode_t mode)
{
    char tmp[4200];
    int fd, rc = -1, saved;
    size_t off = 0;

    if (snprintf(tmp, sizeof(tmp), "%s.fmt-XXXXXX", path) >= (int)sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkstemp(tmp);
    if (fd < 0)
        return -1;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            goto out;
        }
        off += (size_t)w;
    }
    if (fchmod(fd, mode & 07777) != 0 || fsync(fd) != 0)
        goto out;
    if (close(fd) != 0) {
        fd = -1;
        goto out;
    }
    fd = -1;
    rc = rename(tmp, path);
out:
    saved = errno;
    if (fd >= 0)
        close(fd);
    if (rc != 0)
        unlink(tmp);
    errno = saved;
    return rc;
}

/* Format one file. Returns 0 (unchanged or rewritten), 1 (not in the layout under --check,
 * or not formattable: printed), 2 (I/O error: printed). */
static int fmt_file(const char *path, int check)
{
    char *data = NULL;
    size_t len = 0;
    sr_err err = {{0}};
    diag_list d = {0};
    buf out;
    struct stat st;
    int rc = 2, r;

    buf_init(&out, 0);
    if (stat(path, &st) != 0) {
        cli_fail("fmt", "%s: %s", path, strerror(errno));
        goto out;
    }
    if (source_read_path(path, XMLDOC_MAX_BYTES, &data, &len, &err) != 0) {
        cli_fail("fmt", "%s", err.msg);
        goto out;
    }
    r = fmt_document(data, len, path, &out, &d);
    if (r == -2) {
        cli_fail("fmt", "out of memory formatting %s", path);
        goto out;
    }
    if (r != 0) {
        cli_print_diags(stderr, &d);
        rc = 1;
        goto out;
    }
    if (out.len == len && memcmp(out.p, data, len) == 0) {
        rc = 0;
    } else if (check) {
        printf("%s\n", path);
        rc = 1;
    } else if (replace_file(path, out.p, out.len, st.st_mode) != 0) {
        cli_fail("fmt", "cannot rewrite %s: %s", path, strerror(errno));
    } else {
        printf("%s\n", path);
        rc = 0;
    }
out:
    free(data);
    buf_free(&out);
    diag_list_free(&d);
    return rc;
}

/* Format the *.xml files of dir, dir/subprocessors and dir/customers, sorted (source_list: the same
 * files `subreg validate DIR` reads). Returns the worst fmt_file result. */
static int fmt_dir(const char *dir, int check)
{
    static const char *const subdirs[] = {".", "subprocessors", "customers"};
    source *src = NULL;
    sr_err err = {{0}};
    char **names = NULL, path[8192];
    size_t n = 0, i, k;
    int rc = 0;

    if (source_open(dir, NULL, &src, &err) != 0)
        return cli_fail("fmt", "%s", err.msg);
    if (source_revision(src)) {
        rc = cli_fail("fmt", "%s is a bare git repository: fmt rewrites the files of a checkout", dir);
        goto out;
    }
    for (k = 0; k < sizeof(subdirs) / sizeof(subdirs[0]) && rc < 2; k++) {
        if (source_list(src, subdirs[k], &names, &n, &err) != 0) {
            rc = cli_fail("fmt", "%s", err.msg);
            goto out;
        }
        for (i = 0; i < n; i++) {
            int r;
            if (k == 0)
                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
            else
                snprintf(path, sizeof(path), "%s/%s/%s", dir, subdirs[k], names[i]);
            r = fmt_file(path, check);
            rc = r > rc ? r : rc;
        }
        source_names_free(names, n);
        names = NULL;
    }
out:
    source_close(src);
    return rc;
}

int cmd_fmt(int argc, char **argv)
{
    int c, check = 0, rc = 0, i;

    {
        const cli_opt opts[] = {CLI_FLAG("check", &check), CLI_END};
        if ((c = cli_options("fmt", usage, argc, argv, opts)) != CLI_GO)
            return c;
    }
    if (optind == argc) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    for (i = optind; i < argc; i++) {
        struct stat st;
        int r;
        if (stat(argv[i], &st) != 0) {
            r = cli_fail("fmt", "%s: %s", argv[i], strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            r = fmt_dir(argv[i], check);
        } else {
            r = fmt_file(argv[i], check);
        }
        if (r > rc)
            rc = r;
    }
    if (check && rc == 1)
        fprintf(stderr, "subreg fmt: the files above are not in the canonical layout: run `subreg fmt` "
                        "on them (or on the registry's directory) and commit the result\n");
    return rc;
}
