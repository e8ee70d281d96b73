#define _GNU_SOURCE
#include "loader/kernel_headers.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "base/log.h"

#define USR_SRC "/usr/src"

/* Room for a header dir plus the relative paths looked up under it. */
#define LONG_PATH (PATH_MAX + 64)

static bool path_exists(const char *dir, const char *relative)
{
	char path[LONG_PATH];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, relative) >= (int)sizeof(path))
		return false;
	return stat(path, &st) == 0;
}

static bool is_source_dir(const char *dir)
{
	return path_exists(dir, "include/linux/kconfig.h");
}

static bool is_build_dir(const char *dir)
{
	return path_exists(dir, "include/generated/autoconf.h");
}

/* Reads the release from include/config/kernel.release or utsrelease.h. */
static void release_read(const char *build_dir, char *out, size_t size)
{
	char path[LONG_PATH];
	char line[256];
	FILE *file;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/include/config/kernel.release", build_dir);
	file = fopen(path, "r");
	if (file) {
		if (fgets(line, sizeof(line), file)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, size, "%.*s", (int)size - 1, line);
		}
		fclose(file);
		return;
	}
	snprintf(path, sizeof(path), "%s/include/generated/utsrelease.h", build_dir);
	file = fopen(path, "r");
	if (!file)
		return;
	while (fgets(line, sizeof(line), file)) {
		char *quote = strchr(line, '"');
		if (strncmp(line, "#define UTS_RELEASE", 19) || !quote)
			continue;
		quote++;
		quote[strcspn(quote, "\"")] = '\0';
		snprintf(out, size, "%.*s", (int)size - 1, quote);
		break;
	}
	fclose(file);
}

/* Debian's arch dir Makefile is one line: "include <common dir>/Makefile". */
static int common_dir_from_makefile(const char *build_dir, char *out)
{
	char path[LONG_PATH];
	char line[PATH_MAX + 16];
	FILE *file;
	int err = -ENOENT;

	snprintf(path, sizeof(path), "%s/Makefile", build_dir);
	file = fopen(path, "r");
	if (!file)
		return -ENOENT;
	while (fgets(line, sizeof(line), file)) {
		char *target;
		char *slash;

		if (strncmp(line, "include ", 8))
			continue;
		target = line + 8;
		target[strcspn(target, "\n")] = '\0';
		slash = strrchr(target, '/');
		if (!slash || strcmp(slash, "/Makefile"))
			continue;
		*slash = '\0';
		if (is_source_dir(target) && realpath(target, out)) {
			err = 0;
			break;
		}
	}
	fclose(file);
	return err;
}

/* A Debian common dir "<prefix>-common" pairs with an arch dir "<prefix>-<flavour>". */
static int build_dir_sibling(const char *source_dir, char *out)
{
	char prefix[PATH_MAX];
	char candidate[LONG_PATH];
	struct dirent **entries;
	const char *base;
	size_t prefix_len;
	int count;
	int err = -ENOENT;

	base = strrchr(source_dir, '/');
	if (!base)
		return -ENOENT;
	base++;
	snprintf(prefix, sizeof(prefix), "%s", base);
	prefix_len = strlen(prefix);
	if (prefix_len < 8 || strcmp(prefix + prefix_len - 7, "-common"))
		return -ENOENT;
	prefix[prefix_len - 6] = '\0'; /* keeps the dash */
	prefix_len -= 6;

	count = scandir(USR_SRC, &entries, NULL, versionsort);
	if (count < 0)
		return -ENOENT;
	for (int i = count - 1; i >= 0; i--) {
		if (err && !strncmp(entries[i]->d_name, prefix, prefix_len) &&
		    strcmp(entries[i]->d_name, base)) {
			snprintf(candidate, sizeof(candidate), "%s/%s", USR_SRC, entries[i]->d_name);
			if (is_build_dir(candidate) && realpath(candidate, out))
				err = 0;
		}
		free(entries[i]);
	}
	free(entries);
	return err;
}

int kernel_headers_resolve(const char *dir, struct kernel_headers *out)
{
	char real[PATH_MAX];
	char build[PATH_MAX + 8];
	char source[PATH_MAX + 8];

	if (!realpath(dir, real))
		return -ENOENT;

	snprintf(build, sizeof(build), "%s/build", real);
	snprintf(source, sizeof(source), "%s/source", real);
	if (is_build_dir(build) && is_source_dir(source)) {
		/* A /lib/modules/<release> dir with the split build/ and source/. */
		if (!realpath(build, out->build_dir) || !realpath(source, out->source_dir))
			return -ENOENT;
	} else if (is_source_dir(real) && is_build_dir(real)) {
		snprintf(out->source_dir, sizeof(out->source_dir), "%s", real);
		snprintf(out->build_dir, sizeof(out->build_dir), "%s", real);
	} else if (is_build_dir(real)) {
		snprintf(out->build_dir, sizeof(out->build_dir), "%s", real);
		if (common_dir_from_makefile(real, out->source_dir))
			return -ENOENT;
	} else if (is_source_dir(real)) {
		snprintf(out->source_dir, sizeof(out->source_dir), "%s", real);
		if (build_dir_sibling(real, out->build_dir))
			return -ENOENT;
	} else {
		return -ENOENT;
	}
	release_read(out->build_dir, out->release, sizeof(out->release));
	return 0;
}

/* The newest /usr/src/linux-headers-* that resolves. */
static int newest_installed(struct kernel_headers *out)
{
	struct dirent **entries;
	char candidate[LONG_PATH];
	int count;
	int err = -ENOENT;

	count = scandir(USR_SRC, &entries, NULL, versionsort);
	if (count < 0)
		return -ENOENT;
	for (int i = count - 1; i >= 0; i--) {
		const char *name = entries[i]->d_name;
		size_t len = strlen(name);

		if (err && !strncmp(name, "linux-headers-", 14) &&
		    (len < 7 || strcmp(name + len - 7, "-common"))) {
			snprintf(candidate, sizeof(candidate), "%s/%s", USR_SRC, name);
			err = kernel_headers_resolve(candidate, out);
		}
		free(entries[i]);
	}
	free(entries);
	return err;
}

int kernel_headers_find(const char *explicit_dir, struct kernel_headers *out)
{
	struct utsname uts;
	char modules_dir[PATH_MAX];
	const char *env = getenv("BCC_KERNEL_SOURCE");

	memset(out, 0, sizeof(*out));
	uname(&uts);

	if (explicit_dir) {
		out->origin = "--kernel-headers";
		if (kernel_headers_resolve(explicit_dir, out)) {
			log_error("--kernel-headers %s: not a kernel header tree "
				  "(no include/linux/kconfig.h with generated headers)",
				  explicit_dir);
			return -EINVAL;
		}
		return 0;
	}
	if (env && *env) {
		out->origin = "BCC_KERNEL_SOURCE";
		if (kernel_headers_resolve(env, out)) {
			log_error("BCC_KERNEL_SOURCE=%s: not a kernel header tree", env);
			return -EINVAL;
		}
		return 0;
	}
	/* /lib/modules/<release> holds build/ and maybe source/ (Debian's split). */
	snprintf(modules_dir, sizeof(modules_dir), "/lib/modules/%s", uts.release);
	out->origin = "/lib/modules";
	if (!kernel_headers_resolve(modules_dir, out))
		return 0;
	strncat(modules_dir, "/build", sizeof(modules_dir) - strlen(modules_dir) - 1);
	if (!kernel_headers_resolve(modules_dir, out))
		return 0;
	out->origin = USR_SRC;
	if (!newest_installed(out))
		return 0;
	log_error("no kernel headers found for kernel %s: install linux-headers-amd64 "
		  "(apt-get install linux-headers-amd64) or pass --kernel-headers DIR",
		  uts.release);
	return -ENOENT;
}

static const char *kernel_arch(void)
{
	static struct utsname uts;

	uname(&uts);
	if (!strcmp(uts.machine, "x86_64") || (uts.machine[0] == 'i' && !strcmp(uts.machine + 2, "86")))
		return "x86";
	if (!strcmp(uts.machine, "aarch64"))
		return "arm64";
	if (!strncmp(uts.machine, "arm", 3))
		return "arm";
	if (!strncmp(uts.machine, "ppc", 3))
		return "powerpc";
	if (!strcmp(uts.machine, "s390x"))
		return "s390";
	return uts.machine;
}

int kernel_headers_cflags(const struct kernel_headers *headers,
			  char flags[][KERNEL_HEADERS_CFLAG_LEN], int max)
{
	static const char *const generated[] = {
		"arch/%s/include/generated/uapi",
		"arch/%s/include/generated",
		"include",
		"include/generated/uapi",
	};
	const char *arch = kernel_arch();
	int n = 0;

	setenv("BCC_KERNEL_SOURCE", headers->source_dir, 1);
	if (!strcmp(headers->source_dir, headers->build_dir))
		return 0;
	for (size_t i = 0; i < sizeof(generated) / sizeof(generated[0]) && n < max; i++) {
		char relative[64];

		snprintf(relative, sizeof(relative), generated[i], arch);
		snprintf(flags[n++], KERNEL_HEADERS_CFLAG_LEN, "-I%s/%s", headers->build_dir, relative);
	}
	return n;
}
