#include "uprobes/tls_probes.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "events/socket_tracer_abi.h"
#include "output/escape.h"
#include "transport/ring_poller.h"
#include "uprobes/elf_image.h"
#include "uprobes/machine_code.h"
#include "uprobes/process_maps.h"
#include "uprobes/uprobe_links.h"

/* Files examined (TLS code or not), by (device, inode, -p process): a
 * power of two. Past it new files are not examined, and counted. */
#define FILES_SEEN_MAX 16384
/* RET instructions of one Go function probed at most (with its entry:
 * one group of the plan). */
#define GO_RETURNS_MAX (UPROBE_GROUP_OFFSETS_MAX - 1)
/* Code of one function read at most, to find its RETs or first call. */
#define FUNCTION_CODE_MAX (256u * 1024)
/* Instructions of a wrapper decoded to find the call it makes. */
#define WRAPPER_INSNS_MAX 24
/* Files that could not be probed reported one by one, before only being
 * counted. */
#define FAILURES_REPORTED 5
/* How soon the thread sees a stop request. */
#define THREAD_POLL_MS 50

/* Debian's multiarch directories, and the TLS libraries in them that later
 * processes load: probed at the start whether or not a process maps them
 * now (no -p only). */
static const char *const library_dirs[] = {
	"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib",
};
static const char *const library_names[] = {
	"libssl.so.3", "libssl.so.1.1", "libgnutls.so.30",
};

/* A file by its inode, and for a candidate (a program, a TLS library by
 * its name) its change time too: an inode number is reused once its file
 * is deleted, and the new file must be examined. Other files are entered
 * by number alone (change time 0): only not to read maps again for them. */
struct file_key {
	uint64_t dev;
	uint64_t ino; /* 0: a free slot */
	uint64_t ctime_ns;
	uint32_t pid; /* with -p, the process the probes are for; else 0 */
};

struct tls_probes {
	const struct probe_set *programs;
	bool verbose;
	bool per_process; /* -p: each probe on its process only */
	struct file_key *seen;
	uint32_t seen_count;
	struct uprobe_links links;
	struct tls_probes_report report;
	struct ring_poller ring;
	bool ring_open;
	pthread_t thread;
	bool thread_started;
	/* What the start probed, for the startup line: the report then, and
	 * the probed files' names, escaped, cut at the buffer's end. */
	struct tls_probes_report at_start;
	char start_names[160];
	struct strbuf start_names_buf;
	atomic_bool stopping;
};

/* A file being probed: the fd it is read and attached through, what the
 * -v lines call it, and its probes. */
struct probe_target {
	int fd;
	int pid; /* -1: every process */
	uint64_t met_ns; /* when its exec, mapping or scan was read */
	char label[512];
	char what[192]; /* what the plan probes, for -v */
	struct uprobe_plan plan;
};

static uint32_t file_key_hash(const struct file_key *key)
{
	uint64_t h = key->ino * 0x9e3779b97f4a7c15ull ^ key->dev * 0xc2b2ae3d27d4eb4full ^
		     key->ctime_ns * 0x165667b19e3779f9ull ^ key->pid;
	return (uint32_t)(h >> 32) & (FILES_SEEN_MAX - 1);
}

static bool file_key_equal(const struct file_key *a, const struct file_key *b)
{
	return a->ino == b->ino && a->dev == b->dev && a->ctime_ns == b->ctime_ns &&
	       a->pid == b->pid;
}

/* A change time as a key's, never 0 (which means "not a candidate"). */
static uint64_t change_time_ns(const struct stat *st)
{
	uint64_t ns = (uint64_t)st->st_ctim.tv_sec * 1000000000u + (uint64_t)st->st_ctim.tv_nsec;

	return ns ? ns : 1;
}

/* Enters key in the table: 1 when new, 0 when seen before, -ENOSPC when
 * the table is full (the file is not examined). */
static int file_seen_enter(struct tls_probes *probes, const struct file_key *key)
{
	uint32_t slot = file_key_hash(key);

	for (uint32_t i = 0; i < FILES_SEEN_MAX; i++, slot = (slot + 1) & (FILES_SEEN_MAX - 1)) {
		struct file_key *at = &probes->seen[slot];

		if (!at->ino) {
			/* three quarters full at most: lookups stay short */
			if (probes->seen_count >= FILES_SEEN_MAX / 4 * 3) {
				__atomic_fetch_add(&probes->report.files_not_examined, 1, __ATOMIC_RELAXED);
				return -ENOSPC;
			}
			*at = *key;
			probes->seen_count++;
			return 1;
		}
		if (file_key_equal(at, key))
			return 0;
	}
	return -ENOSPC;
}

static bool file_seen(const struct tls_probes *probes, const struct file_key *key)
{
	uint32_t slot = file_key_hash(key);

	for (uint32_t i = 0; i < FILES_SEEN_MAX; i++, slot = (slot + 1) & (FILES_SEEN_MAX - 1)) {
		const struct file_key *at = &probes->seen[slot];

		if (!at->ino)
			return false;
		if (file_key_equal(at, key))
			return true;
	}
	return false;
}

/* An entry probe and a return probe (a uretprobe) on fn. */
static int function_attach(struct probe_target *target, const struct elf_function *fn,
			   const char *enter, const char *ret)
{
	int err = uprobe_plan_add(&target->plan, enter, false, fn->file_offset);

	return err ? err : uprobe_plan_add(&target->plan, ret, true, fn->file_offset);
}

/* The handshake and shutdown functions a library has, when it has them:
 * their records are then known as the session's. Returns 0 or a negative
 * errno. */
static int session_calls_attach(struct elf_image *image, struct probe_target *target,
				const char *const *names, int n_names)
{
	for (int i = 0; i < n_names; i++) {
		struct elf_function fn;
		int err;

		if (elf_image_function(image, names[i], &fn))
			continue;
		err = function_attach(target, &fn, "tls_handshake_enter",
				      "tls_handshake_return");
		if (err)
			return err;
	}
	return 0;
}

/* The function a wrapper calls first, if it is one of image's own (not a
 * PLT stub: a library built with -finstrument-functions calls its hook
 * first from every function). */
static int wrapper_callee(struct elf_image *image, const struct elf_function *wrapper,
			  struct elf_function *callee)
{
	uint8_t code[WRAPPER_INSNS_MAX * 15];
	uint64_t target;
	long len = elf_image_code(image, wrapper->vaddr, code,
				  wrapper->size && wrapper->size < sizeof(code) ? wrapper->size
									       : sizeof(code));

	if (len <= 0)
		return -ENOENT;
	if (machine_code_first_call(code, len, wrapper->vaddr, WRAPPER_INSNS_MAX, &target) ||
	    elf_image_in_plt(image, target))
		return -ENOENT;
	/* A stripped library names none of its internal functions: the
	 * callee is its address, in the file's code. */
	callee->vaddr = target;
	callee->size = 0;
	return elf_image_file_offset(image, target, &callee->file_offset) ? -ENOENT : 0;
}

/* OpenSSL (libssl, or a program with it built in). SSL_write and
 * SSL_write_ex both call ssl_write_internal (and the BIO_f_ssl filter
 * does, which the exported functions miss); it has no symbol in a
 * stripped libssl, so it is found as SSL_write_ex's first call and
 * accepted when SSL_write's first call is the same (and likewise for
 * reads), and the write's and the read's differ. Its entry is also cheaper to probe here (a push, emulated,
 * where SSL_write starts with a sub the kernel single-steps). Without
 * it, the four exported functions. The handshake and shutdown as well.
 * Returns 0, -ENOENT when the file has
 * no OpenSSL, or a negative errno. */
static int openssl_attach(struct elf_image *image, struct probe_target *target)
{
	static const char *const session_calls[] = { "SSL_do_handshake", "SSL_shutdown" };
	struct elf_function write, read, write_ex, read_ex;
	struct elf_function write_inner, read_inner, check;
	bool have_ex, inner;
	int err;

	if (elf_image_function(image, "SSL_write", &write) ||
	    elf_image_function(image, "SSL_read", &read))
		return -ENOENT;
	have_ex = !elf_image_function(image, "SSL_write_ex", &write_ex) &&
		  !elf_image_function(image, "SSL_read_ex", &read_ex);
	inner = have_ex && !wrapper_callee(image, &write_ex, &write_inner) &&
		!wrapper_callee(image, &read_ex, &read_inner) &&
		!wrapper_callee(image, &write, &check) && check.vaddr == write_inner.vaddr &&
		!wrapper_callee(image, &read, &check) && check.vaddr == read_inner.vaddr &&
		write_inner.vaddr != read_inner.vaddr;
	if (inner) {
		err = function_attach(target, &write_inner, "openssl_write_ex_enter",
				      "openssl_return");
		if (!err)
			err = function_attach(target, &read_inner, "openssl_read_ex_enter",
					      "openssl_return");
		snprintf(target->what, sizeof(target->what),
			 "openssl: the internal write and read (at 0x%" PRIx64 ", 0x%" PRIx64
			 ") under SSL_write/SSL_read and their _ex",
			 write_inner.file_offset, read_inner.file_offset);
	} else {
		err = function_attach(target, &write, "openssl_write_enter",
				      "openssl_return");
		if (!err)
			err = function_attach(target, &read, "openssl_read_enter",
					      "openssl_return");
		if (!err && have_ex)
			err = function_attach(target, &write_ex, "openssl_write_ex_enter",
					      "openssl_return");
		if (!err && have_ex)
			err = function_attach(target, &read_ex, "openssl_read_ex_enter",
					      "openssl_return");
		snprintf(target->what, sizeof(target->what), "openssl: %s",
			 have_ex ? "SSL_write, SSL_read, SSL_write_ex, SSL_read_ex"
				 : "SSL_write, SSL_read");
	}
	if (!err)
		err = session_calls_attach(image, target, session_calls, 2);
	if (err) {
		target->plan.count = 0;
		return err;
	}
	return 0;
}

/* GnuTLS: gnutls_record_send is a jump to gnutls_record_send2, so the
 * latter alone sees every send once. */
static int gnutls_attach(struct elf_image *image, struct probe_target *target)
{
	static const char *const session_calls[] = { "gnutls_handshake", "gnutls_bye" };
	struct elf_function send, recv;
	bool send2;
	int err;

	if (elf_image_function(image, "gnutls_record_recv", &recv))
		return -ENOENT;
	send2 = !elf_image_function(image, "gnutls_record_send2", &send);
	if (!send2 && elf_image_function(image, "gnutls_record_send", &send))
		return -ENOENT;
	err = function_attach(target, &send, "gnutls_send_enter", "gnutls_return");
	if (!err)
		err = function_attach(target, &recv, "gnutls_recv_enter", "gnutls_return");
	if (!err)
		err = session_calls_attach(image, target, session_calls, 2);
	if (err) {
		target->plan.count = 0;
		return err;
	}
	snprintf(target->what, sizeof(target->what), "%s",
		 send2 ? "gnutls: gnutls_record_send2, gnutls_record_recv"
			    : "gnutls: gnutls_record_send, gnutls_record_recv");
	return 0;
}

/* One Go function: a uprobe at its entry and one at each of its RETs. */
static int go_function_attach(struct elf_image *image, struct probe_target *target,
			      const char *name, const char *enter, int *returns)
{
	uint32_t offsets[GO_RETURNS_MAX];
	struct elf_function fn;
	uint8_t *code;
	long len;
	int n, err;

	if (elf_image_function(image, name, &fn))
		return -ENOENT;
	if (!fn.size || fn.size > FUNCTION_CODE_MAX)
		return -EFBIG;
	code = malloc(fn.size);
	if (!code)
		return -ENOMEM;
	len = elf_image_code(image, fn.vaddr, code, fn.size);
	n = len > 0 ? machine_code_returns(code, len, fn.vaddr, offsets, GO_RETURNS_MAX) : -EIO;
	free(code);
	if (n <= 0)
		return n ? n : -ENOENT;
	err = uprobe_plan_add(&target->plan, enter, false, fn.file_offset);
	for (int i = 0; i < n && !err; i++)
		err = uprobe_plan_add(&target->plan, "go_return", false, fn.file_offset + offsets[i]);
	*returns = n;
	return err;
}

/* Go's crypto/tls, found by name in .symtab or, stripped, .gopclntab. */
static int go_attach(struct elf_image *image, struct probe_target *target)
{
	int write_returns = 0, read_returns = 0;
	int err;

	if (!elf_image_is_go(image))
		return -ENOENT;
	if (!elf_image_go_register_abi(image))
		return -ENOTSUP; /* the probes read Go 1.17+'s register arguments */
	err = go_function_attach(image, target, "crypto/tls.(*Conn).Write",
				 "go_write_enter", &write_returns);
	if (!err)
		err = go_function_attach(image, target, "crypto/tls.(*Conn).Read",
					 "go_read_enter", &read_returns);
	if (err) {
		target->plan.count = 0;
		return err;
	}
	snprintf(target->what, sizeof(target->what),
		 "go crypto/tls: (*Conn).Write (entry, %d returns), (*Conn).Read (entry, %d returns)",
		 write_returns, read_returns);
	return 0;
}

/* A label's file name ("libssl.so.3" of "/usr/lib/.../libssl.so.3 (every
 * process)"), once, into the startup line's list. */
static void start_name_add(struct tls_probes *probes, const char *label)
{
	size_t len = strcspn(label, " ");
	const char *base = label;
	char name[64];

	for (size_t i = 0; i < len; i++)
		if (label[i] == '/')
			base = label + i + 1;
	snprintf(name, sizeof(name), "%.*s", (int)(label + len - base), base);
	if (strstr(probes->start_names, name))
		return;
	if (probes->start_names_buf.len)
		strbuf_puts(&probes->start_names_buf, ", ");
	strbuf_puts(&probes->start_names_buf, name);
}

/* Examines one file and probes the TLS code in it, if any. */
static void file_probe(struct tls_probes *probes, struct probe_target *target)
{
	struct elf_image *image;
	int err;

	if (elf_image_open(target->fd, &image))
		return;
	target->plan.count = 0;
	err = openssl_attach(image, target);
	if (err == -ENOENT)
		err = gnutls_attach(image, target);
	if (err == -ENOENT)
		err = go_attach(image, target);
	elf_image_close(image);
	if (!err) {
		int attached = uprobe_links_attach(&probes->links, probes->programs, &target->plan,
						   target->fd, target->pid);

		err = attached < 0 ? attached : 0;
		if (attached > 0)
			__atomic_fetch_add(&probes->report.probes_attached, attached, __ATOMIC_RELAXED);
	}
	if (!err) {
		__atomic_fetch_add(&probes->report.files_probed, 1, __ATOMIC_RELAXED);
		if (!probes->thread_started)
			start_name_add(probes, target->label);
		if (probes->verbose)
			fprintf(stderr, "TLS probes: %s in %s, %.1f ms after it was met\n",
				target->what, target->label,
				(clock_monotonic_ns() - target->met_ns) / 1e6);
	} else if (err != -ENOENT) {
		/* Any user can make files fail (truncating them under us): a
		 * few lines, then the summary's count. */
		if (__atomic_fetch_add(&probes->report.attach_failures, 1, __ATOMIC_RELAXED) <
		    FAILURES_REPORTED)
			log_error("cannot probe the TLS functions in %s: %s%s", target->label,
				  err == -EILSEQ ? "its code does not decode" : strerror(-err),
				  probes->report.attach_failures == FAILURES_REPORTED
					  ? " (further failures only counted)"
					  : "");
	}
}

static void label_set(struct probe_target *target, const char *path, int pid)
{
	struct strbuf out;

	strbuf_init(&out, target->label, sizeof(target->label));
	escape_cstr(&out, path);
	if (pid > 0)
		strbuf_printf(&out, " (process %d)", pid);
	else
		strbuf_puts(&out, " (every process)");
}

/* A file name at most worth examining in a process's maps: its program,
 * or a TLS library by its name. */
static bool tls_library_name(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strncmp(base, "libssl.so", 9) || !strncmp(base, "libgnutls.so", 12);
}

static bool candidate_file(const struct maps_entry *entry, dev_t exe_dev, ino_t exe_ino)
{
	return (makedev(entry->dev_major, entry->dev_minor) == exe_dev &&
		entry->inode == exe_ino) ||
	       tls_library_name(entry->path);
}

/* Opens a file worth examining (a system library, or a mapping through
 * /proc/PID/map_files: the file mapped, in the process's mount namespace;
 * it must still be inode ino then) and probes it unless it was met before,
 * by its own numbers and change time, as every way of meeting it (an exec,
 * a mapping's fd) has them. name is what -v calls it; pid 0: for every
 * process, else for that one only. */
static void candidate_probe(struct tls_probes *probes, const char *path, uint64_t ino,
			    const char *name, uint32_t pid, uint64_t met_ns)
{
	struct probe_target target = { .met_ns = met_ns, .pid = pid ? (int)pid : -1 };
	struct stat st;

	target.fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (target.fd < 0)
		return;
	if (!fstat(target.fd, &st) && S_ISREG(st.st_mode) && (!ino || st.st_ino == ino)) {
		struct file_key key = {
			.dev = st.st_dev, .ino = st.st_ino, .ctime_ns = change_time_ns(&st), .pid = pid,
		};

		if (file_seen_enter(probes, &key) == 1) {
			label_set(&target, name, target.pid);
			file_probe(probes, &target);
		}
	}
	close(target.fd);
}

/* Every executable file mapping of pid not seen before is entered; the
 * candidates among them are examined, through /proc/PID/map_files (the
 * mapped file itself, in the process's mount namespace). */
static void process_maps_probe(struct tls_probes *probes, uint32_t pid, uint64_t met_ns)
{
	char path[64], line[PROCESS_MAPS_PATH_MAX + 128];
	uint32_t for_pid = probes->per_process ? pid : 0;
	struct maps_entry entry;
	struct stat exe = { 0 };
	FILE *maps;

	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	if (stat(path, &exe))
		return; /* gone, or a kernel thread */
	snprintf(path, sizeof(path), "/proc/%u/maps", pid);
	maps = fopen(path, "re");
	if (!maps)
		return;
	while (fgets(line, sizeof(line), maps)) {
		line[strcspn(line, "\n")] = '\0';
		if (process_maps_parse(line, &entry) || !entry.executable || !entry.inode)
			continue;
		if (!candidate_file(&entry, exe.st_dev, exe.st_ino)) {
			struct file_key key = {
				.dev = makedev(entry.dev_major, entry.dev_minor),
				.ino = entry.inode,
				.pid = for_pid,
			};
			file_seen_enter(probes, &key);
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%u/map_files/%" PRIx64 "-%" PRIx64, pid,
			 entry.start, entry.end);
		candidate_probe(probes, path, entry.inode, entry.path, for_pid, met_ns);
	}
	fclose(maps);
}

/* An exec (fd -1) or executable mapping of fd: the process's maps are read
 * only when the file is new. */
static void process_event_probe(struct tls_probes *probes, uint32_t pid, int32_t fd,
				uint64_t met_ns)
{
	char path[64];
	struct stat st;

	if (fd >= 0)
		snprintf(path, sizeof(path), "/proc/%u/fd/%d", pid, fd);
	else
		snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	if (!stat(path, &st)) {
		struct file_key key = {
			.dev = st.st_dev, .ino = st.st_ino, .pid = probes->per_process ? pid : 0,
		};
		char name[PROCESS_MAPS_PATH_MAX];
		ssize_t len = fd >= 0 ? readlink(path, name, sizeof(name) - 1) : -1;

		if (len >= 0)
			name[len] = '\0';
		/* A program, or a library named like a TLS one: by its change
		 * time too, as the maps scan enters it. */
		if (fd < 0 || (len >= 0 && tls_library_name(name)))
			key.ctime_ns = change_time_ns(&st);
		if (file_seen(probes, &key))
			return;
	}
	process_maps_probe(probes, pid, met_ns);
}

static void exec_event_received(void *ctx, const void *data, int size)
{
	struct tls_probes *probes = ctx;
	struct st_exec_event ev;

	if (size < (int)sizeof(ev))
		return;
	memcpy(&ev, data, sizeof(ev));
	if (ev.hdr.kind != ST_EV_EXEC)
		return;
	process_event_probe(probes, ev.hdr.pid, ev.hdr.fd, ev.hdr.ts_ns);
}

static void *exec_thread(void *arg)
{
	struct tls_probes *probes = arg;

	while (!atomic_load(&probes->stopping))
		if (ring_poller_poll(&probes->ring, THREAD_POLL_MS)) {
			log_error("TLS: programs started from now on are not probed");
			break;
		}
	return NULL;
}

/* The system's TLS libraries, for the processes that load them later. */
static void system_libraries_probe(struct tls_probes *probes)
{
	for (size_t d = 0; d < sizeof(library_dirs) / sizeof(library_dirs[0]); d++)
		for (size_t n = 0; n < sizeof(library_names) / sizeof(library_names[0]); n++) {
			char path[256];

			snprintf(path, sizeof(path), "%s/%s", library_dirs[d], library_names[n]);
			candidate_probe(probes, path, 0, path, 0, clock_monotonic_ns());
		}
}

static void all_processes_probe(struct tls_probes *probes)
{
	DIR *proc = opendir("/proc");
	struct dirent *entry;

	if (!proc)
		return;
	while ((entry = readdir(proc))) {
		char *end;
		unsigned long pid = strtoul(entry->d_name, &end, 10);

		if (*end || !pid || pid > UINT32_MAX)
			continue;
		process_maps_probe(probes, (uint32_t)pid, clock_monotonic_ns());
	}
	closedir(proc);
}

int tls_probes_start(const struct probe_set *programs, int exec_events_fd,
		     const struct options *opts, struct tls_probes **out)
{
	struct tls_probes *probes = calloc(1, sizeof(*probes));
	uint64_t started_ns;
	int err;

	*out = NULL;
	if (!probes || !(probes->seen = calloc(FILES_SEEN_MAX, sizeof(*probes->seen)))) {
		free(probes);
		log_error("out of memory for the TLS probes");
		return -ENOMEM;
	}
	probes->programs = programs;
	strbuf_init(&probes->start_names_buf, probes->start_names, sizeof(probes->start_names));
	probes->verbose = opts->verbose;
	probes->per_process = opts->n_pids > 0;
	atomic_init(&probes->stopping, false);
	/* The ring first: a file mapped while the scan runs is told there. */
	err = ring_poller_open(&probes->ring, exec_events_fd, exec_event_received, probes);
	if (err) {
		free(probes->seen);
		free(probes);
		return err;
	}
	probes->ring_open = true;
	started_ns = clock_monotonic_ns();
	if (probes->per_process) {
		for (int i = 0; i < opts->n_pids; i++)
			process_maps_probe(probes, opts->pids[i], clock_monotonic_ns());
	} else {
		system_libraries_probe(probes);
		all_processes_probe(probes);
	}
	if (probes->verbose)
		fprintf(stderr, "TLS probing at the start: %" PRIu64 " files, %.1f ms\n",
			probes->report.files_probed, (clock_monotonic_ns() - started_ns) / 1e6);
	probes->at_start = probes->report;
	err = pthread_create(&probes->thread, NULL, exec_thread, probes);
	if (err) {
		log_error("cannot start the thread that probes new programs: %s", strerror(err));
		tls_probes_stop(probes, NULL);
		return -err;
	}
	probes->thread_started = true;
	*out = probes;
	return 0;
}

void tls_probes_describe_start(const struct tls_probes *probes, struct strbuf *out)
{
	strbuf_printf(out, "TLS in %" PRIu64 " file%s (%" PRIu64 " uprobes)%s%s",
		      probes->at_start.files_probed, probes->at_start.files_probed == 1 ? "" : "s",
		      probes->at_start.probes_attached, probes->start_names[0] ? ": " : "",
		      probes->start_names);
}

void tls_probes_report_now(const struct tls_probes *probes, struct tls_probes_report *report)
{
	report->files_probed = __atomic_load_n(&probes->report.files_probed, __ATOMIC_RELAXED);
	report->probes_attached = __atomic_load_n(&probes->report.probes_attached, __ATOMIC_RELAXED);
	report->attach_failures = __atomic_load_n(&probes->report.attach_failures, __ATOMIC_RELAXED);
	report->files_not_examined =
		__atomic_load_n(&probes->report.files_not_examined, __ATOMIC_RELAXED);
}

void tls_probes_stop(struct tls_probes *probes, struct tls_probes_report *report)
{
	if (!probes)
		return;
	atomic_store(&probes->stopping, true);
	if (probes->thread_started)
		pthread_join(probes->thread, NULL);
	if (report)
		*report = probes->report;
	uprobe_links_close(&probes->links);
	if (probes->ring_open)
		ring_poller_close(&probes->ring);
	free(probes->seen);
	free(probes);
}
