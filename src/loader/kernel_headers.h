/* Finding kernel headers for bcc's compile of the BPF program. */
#ifndef ST_KERNEL_HEADERS_H
#define ST_KERNEL_HEADERS_H

#include <limits.h>

/*
 * A usable header tree. Debian splits one tree in two: an arch dir with the
 * generated headers and config (linux-headers-X-amd64) and a common dir with
 * the sources (linux-headers-X-common). A full tree has both in one dir.
 */
struct kernel_headers {
	char source_dir[PATH_MAX]; /* has include/linux/kconfig.h */
	char build_dir[PATH_MAX];  /* has include/generated/autoconf.h */
	char release[128];         /* their kernel release, "" if unknown */
	const char *origin;        /* which rule chose them */
};

/*
 * Chooses headers, in order: explicit_dir (--kernel-headers),
 * $BCC_KERNEL_SOURCE, /lib/modules/$(uname -r)/build, the newest
 * /usr/src/linux-headers-*. Returns 0, -ENOENT when none is usable (after
 * printing what to install), or -EINVAL for an explicit dir that is not one.
 */
int kernel_headers_find(const char *explicit_dir, struct kernel_headers *out);

/* Resolves one dir (a full tree, a Debian arch or common dir, or a
 * /lib/modules/X dir with build/ and source/). Returns 0 or -ENOENT. */
int kernel_headers_resolve(const char *dir, struct kernel_headers *out);

/*
 * Points bcc at the headers: sets BCC_KERNEL_SOURCE to the source dir and
 * writes into flags (capacity max) the -I options for the build dir's
 * generated headers. Returns the number of flags written.
 */
#define KERNEL_HEADERS_CFLAG_LEN (PATH_MAX + 96)
int kernel_headers_cflags(const struct kernel_headers *headers,
			  char flags[][KERNEL_HEADERS_CFLAG_LEN], int max);

#endif
