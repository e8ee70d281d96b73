#include "recording/record.h"

#include <bcc/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "session.h"

/* Written out when this full, and at the end of each poll round. */
#define RECORDER_BUFFER (1u << 20)

const char *const record_type_names[RECORD_TYPE_NR] = {
	[RECORD_SAMPLE] = "sample",   [RECORD_FLUSH] = "flush",
	[RECORD_CLOCK] = "clock",     [RECORD_PEER] = "peer",
	[RECORD_PROCESS] = "process", [RECORD_SWEEP] = "sweep",
	[RECORD_PREEXISTING] = "preexisting", [RECORD_END] = "end",
	[RECORD_SOCK] = "sock",       [RECORD_LOCAL] = "local",
};

int recorder_check_path(const char *path)
{
	struct stat st;

	if (!*path) {
		log_error("--record needs a file name");
		return -EINVAL;
	}
	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		log_error("cannot record to %s: %s", path, strerror(errno));
		return -errno;
	}
	if (S_ISLNK(st.st_mode)) {
		log_error("cannot record to %s: a symbolic link (give the file itself)", path);
		return -ELOOP;
	}
	if (!S_ISREG(st.st_mode)) {
		log_error("cannot record to %s: not a regular file", path);
		return -EINVAL;
	}
	return 0;
}

int recorder_open(struct recorder *rec, const char *path)
{
	struct stat st;
	int err;

	memset(rec, 0, sizeof(*rec));
	rec->fd = -1;
	rec->path = path;
	/* O_NONBLOCK: a FIFO put there since the check must not block us. */
	rec->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
		       0600);
	if (rec->fd < 0) {
		err = -errno;
		log_error("cannot record to %s: %s", path,
			  err == -ELOOP ? "a symbolic link" : strerror(-err));
		return err;
	}
	if (fstat(rec->fd, &st) || !S_ISREG(st.st_mode)) {
		log_error("cannot record to %s: not a regular file", path);
		close(rec->fd);
		rec->fd = -1;
		return -EINVAL;
	}
	fcntl(rec->fd, F_SETFL, fcntl(rec->fd, F_GETFL) & ~O_NONBLOCK);
	rec->buf = malloc(RECORDER_BUFFER);
	if (!rec->buf) {
		log_error("out of memory");
		close(rec->fd);
		rec->fd = -1;
		return -ENOMEM;
	}
	return 0;
}

int recorder_flush(struct recorder *rec)
{
	size_t done = 0;

	while (!rec->error && done < rec->used) {
		ssize_t n = write(rec->fd, rec->buf + done, rec->used - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rec->error = n < 0 ? -errno : -EIO;
			break;
		}
		done += n;
		rec->offset += n;
	}
	rec->used = 0;
	return rec->error;
}

static void recorder_put(struct recorder *rec, const void *data, size_t len)
{
	const uint8_t *bytes = data;

	while (len && !rec->error) {
		size_t room = RECORDER_BUFFER - rec->used;
		size_t n = len < room ? len : room;

		memcpy(rec->buf + rec->used, bytes, n);
		rec->used += n;
		bytes += n;
		len -= n;
		if (rec->used == RECORDER_BUFFER)
			recorder_flush(rec);
	}
}

/* One record of two parts (either may be empty). */
static void record_write(struct recorder *rec, uint32_t type, const void *a, size_t a_len,
			 const void *b, size_t b_len)
{
	struct record_tag tag = { .type = type, .len = a_len + b_len };

	if (rec->error || rec->fd < 0)
		return;
	recorder_put(rec, &tag, sizeof(tag));
	recorder_put(rec, a, a_len);
	recorder_put(rec, b, b_len);
}

void recorder_header(struct recorder *rec, const struct session *session, uint32_t data_size,
		     uint32_t flags, const char *version)
{
	struct record_header hdr = {
		.format_version = RECORD_FORMAT_VERSION,
		.byte_order = RECORD_BYTE_ORDER,
		.header_len = RECORD_MAGIC_LEN + sizeof(hdr),
		.flags = flags,
		.mono_to_wall_ns = session->mono_to_wall_ns,
		.data_size = data_size,
		.size_event_header = sizeof(struct st_event_header),
		.size_conn_event = sizeof(struct st_conn_event),
		.size_exit_event = sizeof(struct st_exit_event),
		.size_data_event_header = ST_DATA_EVENT_HEADER_SIZE,
		.size_data_max = ST_DATA_MAX,
		.size_sock = sizeof(struct st_sock),
		.event_kinds = ST_EV_NR,
	};
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	hdr.started_wall_ns = (uint64_t)now.tv_sec * 1000000000ull + now.tv_nsec;
	snprintf(hdr.version, sizeof(hdr.version), "%s", version);
	recorder_put(rec, RECORD_MAGIC, RECORD_MAGIC_LEN);
	recorder_put(rec, &hdr, sizeof(hdr));
}

void recorder_sample(struct recorder *rec, const void *data, int size)
{
	/* session_sample takes such a size as an empty sample */
	if (size < 0 || (uint32_t)size > RECORD_PAYLOAD_MAX)
		size = 0;
	record_write(rec, RECORD_SAMPLE, data, size, NULL, 0);
}

void recorder_flush_round(struct recorder *rec, const struct session *session)
{
	if (!session->batch_count) {
		rec->quiet_round = true; /* nor the clock this flush reads */
		return;
	}
	record_write(rec, RECORD_FLUSH, NULL, 0, NULL, 0);
	/* a trace cut short (kill -9) leaves a recording of the rounds done */
	recorder_flush(rec);
}

void recorder_sweep(struct recorder *rec)
{
	record_write(rec, RECORD_SWEEP, NULL, 0, NULL, 0);
}

static int conn_by_id(const void *a, const void *b)
{
	const struct conn *x = *(const struct conn *const *)a, *y = *(const struct conn *const *)b;

	return x->sock->id < y->sock->id ? -1 : x->sock->id > y->sock->id;
}

void recorder_preexisting(struct recorder *rec, const struct session *session)
{
	const struct conn_table *table = &session->conns;
	const struct conn **conns;
	uint32_t n = 0;

	if (!table->count)
		return;
	conns = malloc(table->count * sizeof(*conns));
	if (!conns) {
		rec->error = -ENOMEM;
		return;
	}
	for (uint32_t i = 0; i < CONN_TABLE_CAPACITY && n < table->count; i++)
		if (table->slots[i].used)
			conns[n++] = &table->slots[i];
	/* conn_table_set_remote in this order gives them the same ids */
	qsort(conns, n, sizeof(*conns), conn_by_id);
	for (uint32_t i = 0; i < n; i++) {
		struct record_preexisting entry = { .pid = conns[i]->pid, .fd = conns[i]->fd };
		const char *remote = conns[i]->sock->remote;

		record_write(rec, RECORD_PREEXISTING, &entry, sizeof(entry), remote,
			     strnlen(remote, sizeof(conns[i]->sock->remote)));
	}
	free(conns);
}

void recorder_end(struct recorder *rec, const struct record_end *end,
		  const struct record_cpu_lost *cpus)
{
	record_write(rec, RECORD_END, end, sizeof(*end), cpus, end->cpu_count * sizeof(*cpus));
}

/* The hooks, live: each answer recorded as it is given. socket_peer takes
 * no context, so its recorder is this file's (one per process). */
static struct recorder *peer_recorder;

static uint64_t recorded_now(void *ctx)
{
	struct recorder *rec = ctx;
	uint64_t now = clock_monotonic_ns();

	if (rec->quiet_round)
		rec->quiet_round = false;
	else
		record_write(rec, RECORD_CLOCK, &now, sizeof(now), NULL, 0);
	return now;
}

static bool recorded_process_gone(void *ctx, uint32_t pid)
{
	struct record_process answer = { .pid = pid };

	answer.gone = kill(pid, 0) && errno == ESRCH;
	record_write(ctx, RECORD_PROCESS, &answer, sizeof(answer), NULL, 0);
	return answer.gone;
}

static int recorded_sock_take(void *ctx, uint64_t key, struct st_sock *sock)
{
	struct recorder *rec = ctx;
	struct record_sock answer = { .key = key };

	if (rec->socks_fd >= 0) {
		__u64 map_key = key;

		if (bpf_lookup_elem(rec->socks_fd, &map_key, &answer.sock))
			answer.result = -ENOENT;
		else
			bpf_delete_elem(rec->socks_fd, &map_key);
	}
	if (answer.result)
		memset(&answer.sock, 0, sizeof(answer.sock));
	else
		*sock = answer.sock;
	record_write(rec, RECORD_SOCK, &answer, sizeof(answer), NULL, 0);
	return answer.result;
}

/* An address question's answer, as it is given. */
static int address_record(uint32_t type_of_record,
			  int (*ask)(uint32_t, int32_t, int, int, char *, size_t), uint32_t pid,
			  int32_t fd, int family, int type, char *text, size_t size)
{
	struct record_peer answer = { .pid = pid, .fd = fd, .family = family, .type = type };

	answer.result = ask(pid, fd, family, type, text, size);
	record_write(peer_recorder, type_of_record, &answer, sizeof(answer), text,
		     answer.result ? 0 : strnlen(text, size));
	return answer.result;
}

static int recorded_socket_peer(uint32_t pid, int32_t fd, int family, int type, char *text,
				size_t size)
{
	return address_record(RECORD_PEER, peer_recorder->socket_peer, pid, fd, family, type,
			      text, size);
}

static int recorded_socket_local(uint32_t pid, int32_t fd, int family, int type, char *text,
				 size_t size)
{
	return address_record(RECORD_LOCAL, peer_recorder->socket_local, pid, fd, family, type,
			      text, size);
}

void record_session_hooks(struct recorder *rec, struct session *session)
{
	session->now_ns = recorded_now;
	session->process_gone = recorded_process_gone;
	session->sock_take = recorded_sock_take;
	session->inputs_ctx = rec;
	rec->socks_fd = session->socks_fd;
	peer_recorder = rec;
	if (session->socket_peer) {
		rec->socket_peer = session->socket_peer;
		session->socket_peer = recorded_socket_peer;
	}
	if (session->socket_local) {
		rec->socket_local = session->socket_local;
		session->socket_local = recorded_socket_local;
	}
}

int recorder_close(struct recorder *rec)
{
	int err;

	if (rec->fd < 0)
		return rec->error;
	recorder_flush(rec);
	if (close(rec->fd) && !rec->error)
		rec->error = -errno;
	rec->fd = -1;
	free(rec->buf);
	rec->buf = NULL;
	err = rec->error;
	return err;
}
