#define _GNU_SOURCE /* memfd_create */
#include "loader/compile_includes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"

/* Where the compile runs: bcc adds it to the include path. */
#define COMPILE_DIR "/"
/* bcc's headers, served from memory. */
#define BCC_VIRTUAL_DIR "/virtual/"

/* clang's driver adds -I / -isystem directories from these. */
static const char *const include_path_variables[] = {
	"CPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH", "OBJC_INCLUDE_PATH",
	"OBJCPLUS_INCLUDE_PATH",
};

int compile_includes_confine(void)
{
	struct stat st;

	if (chdir(COMPILE_DIR) || stat(".", &st)) {
		int err = -errno;
		log_error("cannot move the BPF compile to %s: %s", COMPILE_DIR, strerror(-err));
		return err;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		log_error("%s is writable by users other than root: it would be the BPF compile's "
			  "first include directory", COMPILE_DIR);
		return -EPERM;
	}
	for (size_t i = 0; i < sizeof(include_path_variables) / sizeof(include_path_variables[0]);
	     i++)
		unsetenv(include_path_variables[i]);
	return 0;
}

/* The capture under way: LLVM ends the process with exit(1) on a backend
 * error (the BPF stack limit, say), and its message is in the memory file. */
static struct includes_capture *capture_active;
static const struct kernel_headers *capture_headers;

static void capture_release_at_exit(void)
{
	if (capture_active)
		compile_includes_release(capture_active, capture_headers, false);
}

int compile_includes_capture(struct includes_capture *capture,
			     const struct kernel_headers *headers)
{
	static bool exit_handler_set;

	capture->memfd = memfd_create("bpf-compile-stderr", MFD_CLOEXEC);
	capture->saved_stderr = capture->memfd < 0 ? -1 : fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (capture->saved_stderr < 0 || dup2(capture->memfd, STDERR_FILENO) < 0) {
		int err = -errno;
		if (capture->saved_stderr >= 0)
			close(capture->saved_stderr);
		if (capture->memfd >= 0)
			close(capture->memfd);
		log_error("cannot hold the BPF compile's messages: %s", strerror(-err));
		return err;
	}
	if (!exit_handler_set)
		exit_handler_set = !atexit(capture_release_at_exit);
	capture_active = capture;
	capture_headers = headers;
	return 0;
}

/* A path without a ".." component: it cannot climb out of where it starts. */
static bool path_stays_inside(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return false;
	return true;
}

static bool path_under(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	return !strncmp(path, dir, len) && (path[len] == '\0' || path[len] == '/');
}

/* Absolute: the compile dir, bcc's in-memory headers or the kernel trees.
 * Relative: bcc's own flags, resolved in the kernel source dir where bcc
 * runs clang. */
static bool dir_trusted(const char *dir, const struct kernel_headers *headers)
{
	if (!path_stays_inside(dir))
		return false;
	if (dir[0] != '/')
		return dir[0] != '\0';
	return !strcmp(dir, COMPILE_DIR) || !strncmp(dir, BCC_VIRTUAL_DIR, strlen(BCC_VIRTUAL_DIR)) ||
	       path_under(dir, headers->source_dir) || path_under(dir, headers->build_dir);
}

/* The -v report runs from clang's version line (the driver's, or cc1's for
 * each later frontend run) to "End of search list."; directories are the
 * lines indented by one space after a "search starts here:" line. */
enum report_state { OUTSIDE_REPORT, IN_REPORT, IN_SEARCH_LIST };

static bool report_starts(const char *line)
{
	return strstr(line, "clang version ") || !strncmp(line, "clang -cc1 version ", 19);
}

int include_search_check(const char *text, size_t len, const struct kernel_headers *headers,
			 FILE *diagnostics, FILE *dirs, char *untrusted, size_t untrusted_size)
{
	enum report_state state = OUTSIDE_REPORT;
	bool lists_printed = false;
	bool list_seen = false;
	int err = 0;

	for (size_t start = 0; start < len;) {
		const char *end = memchr(text + start, '\n', len - start);
		size_t line_len = end ? (size_t)(end - (text + start)) : len - start;
		char line[PATH_MAX + 64];

		if (line_len >= sizeof(line)) {
			/* too long for a directory: a diagnostic, passed on whole */
			if (state == OUTSIDE_REPORT) {
				fwrite(text + start, 1, line_len, diagnostics);
				fputc('\n', diagnostics);
			}
			start += line_len + 1;
			continue;
		}
		memcpy(line, text + start, line_len);
		line[line_len] = '\0';
		start += line_len + 1;

		if (state == OUTSIDE_REPORT && report_starts(line)) {
			state = IN_REPORT;
		} else if (state == OUTSIDE_REPORT) {
			fprintf(diagnostics, "%s\n", line);
		} else if (!strcmp(line, "End of search list.")) {
			state = OUTSIDE_REPORT;
			lists_printed = lists_printed || list_seen;
		} else if (strstr(line, "search starts here:")) {
			state = IN_SEARCH_LIST;
		} else if (state == IN_SEARCH_LIST && line[0] == ' ') {
			const char *dir = line + 1;

			list_seen = true;
			if (!err && !dir_trusted(dir, headers)) {
				snprintf(untrusted, untrusted_size, "%s", dir);
				err = -EPERM;
			}
			if (dirs && !lists_printed)
				fprintf(dirs, "BPF compile include directory: %s%s%s\n",
					dir[0] == '/' ? "" : headers->source_dir,
					dir[0] == '/' ? "" : "/", dir);
		}
	}
	if (!list_seen && !err) {
		snprintf(untrusted, untrusted_size, "(clang reported no search list)");
		err = -EPERM;
	}
	return err;
}

int compile_includes_release(struct includes_capture *capture,
			     const struct kernel_headers *headers, bool verbose)
{
	char untrusted[PATH_MAX];
	struct stat st;
	char *text = MAP_FAILED;
	int err;

	capture_active = NULL;
	fflush(stderr);
	dup2(capture->saved_stderr, STDERR_FILENO);
	close(capture->saved_stderr);
	if (fstat(capture->memfd, &st)) {
		err = -errno;
		log_error("cannot read the BPF compile's messages: %s", strerror(-err));
		goto close_memfd;
	}
	if (st.st_size)
		text = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, capture->memfd, 0);
	if (st.st_size && text == MAP_FAILED) {
		err = -errno;
		log_error("cannot read the BPF compile's messages: %s", strerror(-err));
		goto close_memfd;
	}
	err = include_search_check(st.st_size ? text : "", st.st_size, headers, stderr,
				   verbose ? stderr : NULL, untrusted, sizeof(untrusted));
	if (err)
		log_error("the BPF compile searched %s for headers, which socket-tracer does not "
			  "trust: nothing loaded",
			  untrusted);
	if (st.st_size)
		munmap(text, st.st_size);
close_memfd:
	close(capture->memfd);
	return err;
}
