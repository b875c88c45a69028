/* version: the program's version, as `git describe` said when it was built (a release tag
 * such as 1.2.0, or 0.0.0-dev.HASH before the first tag). Defined in build/gen/version.c,
 * which the Makefile rewrites only when the version changes: one object rebuilds, not all. */
#ifndef SUBREG_VERSION_H
#define SUBREG_VERSION_H
extern const char subreg_version[];
#endif
