#include "loader/bpf_source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "loader/source_rewrite.h"

/* Generated from bpf_programs/ by cmake/embed_files.cmake. */
extern const unsigned char st_embedded_header[];
extern const unsigned long st_embedded_header_len;
extern const unsigned char st_embedded_program[];
extern const unsigned long st_embedded_program_len;

#define EMBEDDED_HEADER_NAME "socket_tracer.h"
#define EMBEDDED_PROGRAM_NAME "socket_tracer.bpf.c"

/* Reads a whole regular file; NUL bytes are refused (they would cut the
 * text). Opened without blocking and checked before any read: a FIFO, a
 * directory or a device would hang the read or feed it garbage. */
static int file_read(const char *path, char **content, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	size_t cap = 1 << 16;
	size_t used = 0;
	struct stat st;
	FILE *file;
	char *buf;

	if (fd < 0) {
		int err = -errno;
		log_error("cannot read BPF program %s: %s", path, strerror(-err));
		return err;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		log_error("cannot read BPF program %s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	file = fdopen(fd, "rb");
	if (!file) {
		int err = -errno;
		log_error("cannot read BPF program %s: %s", path, strerror(-err));
		close(fd);
		return err;
	}
	buf = malloc(cap);
	while (buf) {
		size_t n = fread(buf + used, 1, cap - used, file);
		used += n;
		if (used < cap)
			break;
		cap *= 2;
		char *grown = cap <= (64u << 20) ? realloc(buf, cap) : NULL;
		if (!grown) {
			free(buf);
			buf = NULL;
		} else {
			buf = grown;
		}
	}
	if (!buf || ferror(file)) {
		log_error("cannot read BPF program %s: %s", path,
			  buf ? strerror(errno) : "too large (64 MiB at most)");
		free(buf);
		fclose(file);
		return buf ? -EIO : -EFBIG;
	}
	fclose(file);
	if (memchr(buf, '\0', used)) {
		log_error("BPF program %s is not text (it holds a NUL byte)", path);
		free(buf);
		return -EINVAL;
	}
	*content = buf;
	*len = used;
	return 0;
}

/* Escapes a file name for a #line directive ("\" and '"'). */
static void line_name_escape(const char *name, char *out, size_t size)
{
	size_t used = 0;

	for (; *name && used + 3 < size; name++) {
		if (*name == '"' || *name == '\\')
			out[used++] = '\\';
		out[used++] = *name;
	}
	out[used] = '\0';
}

/* A --bpf file gets a #line marker on every line (bcc's rewriter adds
 * lines, which would shift every number after them); with --debug, the tag
 * goes in front of its bpf_trace_printk formats. The embedded program
 * needs one marker: nobody edits it, and its lines are what --dump-bpf
 * prints. */
static int program_rewrite(const char *name, const char *printk_tag, char **program,
			   size_t *len)
{
	char *tagged = NULL;
	char *marked;

	if (printk_tag) {
		tagged = source_printk_tag(*program, *len, printk_tag, len);
		if (!tagged)
			return -ENOMEM;
	}
	marked = source_line_markers(tagged ? tagged : *program, *len, name, len);
	free(tagged);
	if (!marked)
		return -ENOMEM;
	free(*program);
	*program = marked;
	return 0;
}

int bpf_source_compose(const char *bpf_file, const char *printk_tag, char **text)
{
	char *program = (char *)st_embedded_program;
	size_t program_len = st_embedded_program_len;
	char name[1024];
	char *composed = NULL;
	size_t cap;
	int err;

	line_name_escape(bpf_file ? bpf_file : EMBEDDED_PROGRAM_NAME, name, sizeof(name));
	if (bpf_file) {
		err = file_read(bpf_file, &program, &program_len);
		if (err)
			return err;
		if (program_rewrite(name, printk_tag, &program, &program_len))
			goto out;
	}
	cap = st_embedded_header_len + program_len + sizeof(name) + 128;
	composed = malloc(cap);
	if (composed) {
		int head = snprintf(composed, cap, "#line 1 \"" EMBEDDED_HEADER_NAME "\"\n%s\n",
				    (const char *)st_embedded_header);

		if (!bpf_file)
			head += snprintf(composed + head, cap - head, "#line 1 \"%s\"\n", name);
		memcpy(composed + head, program, program_len);
		composed[head + program_len] = '\0';
	}
out:
	if (bpf_file)
		free(program);
	if (!composed) {
		log_error("out of memory composing the BPF program");
		return -ENOMEM;
	}
	*text = composed;
	return 0;
}

int bpf_source_dump(FILE *out)
{
	if (fwrite(st_embedded_header, 1, st_embedded_header_len, out) != st_embedded_header_len ||
	    fputc('\n', out) == EOF ||
	    fwrite(st_embedded_program, 1, st_embedded_program_len, out) != st_embedded_program_len ||
	    fflush(out))
		return -errno;
	return 0;
}
