#include "transport/printk_reader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "events/format.h"
#include "loader/tracefs.h"
#include "output/escape.h"
#include "transport/printk_line.h"

#define INSTANCES_DIR TRACEFS_DIR "/instances"
#define INSTANCE_PREFIX "socket-tracer-"
#define PRINTK_EVENT "events/bpf_trace/bpf_trace_printk"
/* Per CPU: room for thousands of lines between two drains (100 ms apart),
 * a fifth of the kernel's default, which every CPU would pay. */
#define BUFFER_KB "256"
/* Reads per drain: bounded, so a program printing without pause cannot
 * keep the event loop from its events. */
#define DRAIN_READS_MAX 64

void printk_tag_make(char tag[PRINTK_TAG_SIZE])
{
	uint32_t random = 0;

	if (getrandom(&random, sizeof(random), GRND_NONBLOCK) != sizeof(random))
		random = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	snprintf(tag, PRINTK_TAG_SIZE, "st%08" PRIx32 " ", random);
}

/* Writes text to a file of the instance. Returns 0 or a negative errno. */
static int instance_write(const char *instance, const char *file, const char *text)
{
	char path[512];
	size_t len = strlen(text);
	ssize_t wrote;
	int fd;
	int err = 0;

	snprintf(path, sizeof(path), INSTANCES_DIR "/%s/%s", instance, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	wrote = write(fd, text, len);
	if (wrote < 0)
		err = -errno;
	else if ((size_t)wrote != len)
		err = -EIO;
	close(fd);
	return err;
}

static int instance_remove(const char *instance)
{
	char path[512];

	snprintf(path, sizeof(path), INSTANCES_DIR "/%s", instance);
	return rmdir(path) ? -errno : 0;
}

/* Instances a socket-tracer left when it was killed (SIGKILL leaves no
 * chance to remove one): each keeps a buffer per CPU. */
static void stale_instances_remove(void)
{
	DIR *dir = opendir(INSTANCES_DIR);
	struct dirent *entry;

	if (!dir)
		return;
	while ((entry = readdir(dir))) {
		const char *pid_text = entry->d_name + strlen(INSTANCE_PREFIX);
		char *end;
		long pid;

		if (strncmp(entry->d_name, INSTANCE_PREFIX, strlen(INSTANCE_PREFIX)))
			continue;
		pid = strtol(pid_text, &end, 10);
		if (*end || pid <= 0 || pid == getpid() || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		instance_remove(entry->d_name);
	}
	closedir(dir);
}

int printk_reader_open(struct printk_reader *reader, const char *tag, int64_t mono_to_wall_ns,
		       bool verbose)
{
	char path[512];
	char filter[64];
	int err;

	memset(reader, 0, sizeof(*reader));
	reader->fd = -1;
	if (access(TRACEFS_DIR "/" PRINTK_EVENT "/enable", F_OK)) {
		log_error("--debug needs the bpf_trace:bpf_trace_printk trace event (Linux 5.9 on)");
		return -ENOENT;
	}
	snprintf(reader->tag, sizeof(reader->tag), "%s", tag);
	reader->mono_to_wall_ns = mono_to_wall_ns;
	stale_instances_remove();
	snprintf(reader->instance, sizeof(reader->instance), INSTANCE_PREFIX "%d", (int)getpid());
	snprintf(path, sizeof(path), INSTANCES_DIR "/%s", reader->instance);
	if (mkdir(path, 0700) && errno != EEXIST) {
		err = -errno;
		log_error("--debug: cannot create the trace instance %s: %s", path, strerror(-err));
		reader->instance[0] = '\0';
		return err;
	}
	/* The trace's times on the clock of the events' (CLOCK_MONOTONIC). */
	err = instance_write(reader->instance, "trace_clock", "mono");
	if (!err)
		err = instance_write(reader->instance, "buffer_size_kb", BUFFER_KB);
	if (err) {
		log_error("--debug: cannot set up the trace instance %s: %s", path, strerror(-err));
		goto remove;
	}
	/* Only our lines enter our buffer, so another program's flood cannot
	 * push ours out; the parse checks the tag again either way. */
	snprintf(filter, sizeof(filter), "bpf_string ~ \"%s*\"", reader->tag);
	err = instance_write(reader->instance, PRINTK_EVENT "/filter", filter);
	if (err && verbose)
		fprintf(stderr, "--debug: the kernel refused the filter '%s' (%s): other programs' "
			"lines are left out here\n", filter, strerror(-err));
	err = instance_write(reader->instance, PRINTK_EVENT "/enable", "1");
	if (err) {
		log_error("--debug: cannot enable bpf_trace_printk in %s: %s", path, strerror(-err));
		goto remove;
	}
	snprintf(path, sizeof(path), INSTANCES_DIR "/%s/trace_pipe", reader->instance);
	reader->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (reader->fd < 0) {
		err = -errno;
		log_error("--debug: cannot open %s: %s", path, strerror(-err));
		goto remove;
	}
	if (verbose)
		fprintf(stderr, "--debug: reading %s, lines tagged '%.10s'\n", path, reader->tag);
	return 0;

remove:
	instance_remove(reader->instance);
	reader->instance[0] = '\0';
	return err;
}

static void debug_line_print(struct printk_reader *reader, const char *text, size_t len)
{
	char storage[PRINTK_READER_LINE_MAX * 4 + 64];
	char when[32];
	struct strbuf line;

	format_time_local((uint64_t)((int64_t)reader->last_ts_ns + reader->mono_to_wall_ns), when,
			  sizeof(when));
	strbuf_init(&line, storage, sizeof(storage));
	strbuf_printf(&line, "debug: %s %" PRIu32 ": ", when, reader->last_tid);
	escape_text(&line, (const uint8_t *)text, len, len);
	strbuf_putc(&line, '\n');
	fwrite(line.text, 1, line.len, stderr);
	reader->shown++;
}

static void line_handle(struct printk_reader *reader, const char *text, size_t len)
{
	struct printk_line parsed;

	printk_line_parse(text, len, reader->tag, &parsed);
	switch (parsed.kind) {
	case PRINTK_LINE_OURS:
		reader->last_ours = true;
		reader->last_tid = parsed.tid;
		reader->last_ts_ns = parsed.ts_ns;
		debug_line_print(reader, parsed.text, parsed.text_len);
		return;
	case PRINTK_LINE_LOST:
		/* said once a second: a flood drops lines on every page read */
		reader->lost += parsed.lost;
		reader->last_ours = false;
		return;
	case PRINTK_LINE_FOREIGN:
		reader->foreign++;
		reader->last_ours = false;
		return;
	case PRINTK_LINE_UNPARSED:
		/* The event's own line end follows a format's "\n": an empty
		 * line. Other text is the rest of a format holding "\n". */
		if (len && reader->last_ours)
			debug_line_print(reader, text, len);
		return;
	}
}

/* Hands every whole line of pending on, keeps the unfinished end. */
static void lines_split(struct printk_reader *reader)
{
	size_t start = 0;

	for (;;) {
		char *nl = memchr(reader->pending + start, '\n', reader->pending_len - start);

		if (!nl)
			break;
		line_handle(reader, reader->pending + start, (size_t)(nl - reader->pending) - start);
		start = (size_t)(nl - reader->pending) + 1;
	}
	if (reader->pending_len - start >= PRINTK_READER_LINE_MAX) {
		/* longer than any line the kernel writes: taken as it is */
		line_handle(reader, reader->pending + start, reader->pending_len - start);
		start = reader->pending_len;
	}
	memmove(reader->pending, reader->pending + start, reader->pending_len - start);
	reader->pending_len -= start;
}

static void lost_report(struct printk_reader *reader)
{
	if (reader->lost == reader->lost_reported)
		return;
	log_error("--debug: the kernel dropped %" PRIu64 " trace lines (its buffer was full; %" PRIu64
		  " so far)", reader->lost - reader->lost_reported, reader->lost);
	reader->lost_reported = reader->lost;
	reader->reported_at_ns = clock_monotonic_ns();
}

void printk_reader_drain(struct printk_reader *reader)
{
	if (reader->fd < 0) /* no --debug, or its reading failed */
		return;
	for (int i = 0; reader->fd >= 0 && i < DRAIN_READS_MAX; i++) {
		ssize_t n = read(reader->fd, reader->pending + reader->pending_len,
				 sizeof(reader->pending) - reader->pending_len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			log_error("--debug: reading the trace stopped: %s",
				  n ? strerror(errno) : "end of file");
			close(reader->fd);
			reader->fd = -1;
			break;
		}
		reader->pending_len += (size_t)n;
		lines_split(reader);
	}
	if (clock_monotonic_ns() - reader->reported_at_ns >= 1000000000ull)
		lost_report(reader);
}

void printk_reader_close(struct printk_reader *reader)
{
	int err;

	if (!reader->instance[0])
		return;
	printk_reader_drain(reader);
	lost_report(reader);
	if (reader->fd >= 0)
		close(reader->fd);
	reader->fd = -1;
	/* tracefs refuses to remove an instance while its files are open */
	err = instance_remove(reader->instance);
	if (err)
		log_error("--debug: cannot remove the trace instance %s/%s: %s", INSTANCES_DIR,
			  reader->instance, strerror(-err));
	reader->instance[0] = '\0';
	if (reader->lost)
		log_error("--debug: %" PRIu64 " trace lines lost in all", reader->lost);
}
