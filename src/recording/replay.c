#include "recording/replay.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "events/format.h"
#include "base/log.h"
#include "outputs/outputs.h"
#include "transport/perf_poller.h"
#include "recording/record.h"
#include "session.h"

/* Bytes of header a reader accepts (later versions may append fields). */
#define REPLAY_HEADER_MAX 4096

/* The recording, read record by record. The session's questions (the
 * clock, a peer, a process) are answered by the next record when it is
 * that answer; otherwise this build asks what the recording build did
 * not, and the question gets the live default (no peer, alive, the last
 * clock): counted, and said once at the end. */
struct replay_reader {
	FILE *in;
	const char *name;
	uint64_t offset;     /* of the next byte to read */
	uint64_t rec_offset; /* of the current record's tag */
	struct record_tag tag;
	uint8_t *payload;    /* RECORD_PAYLOAD_MAX */
	bool have;           /* a record is loaded and not yet taken */
	bool eof;            /* the file ended at a record boundary */
	bool failed;         /* one line said why; nothing more is read */
	uint64_t last_clock;
	uint64_t unanswered; /* questions the recording had no answer for */
	uint64_t unused;     /* answers no question took */
	bool skip_local;     /* no -w: its answers (RECORD_LOCAL) are passed over */
};

static void reader_fail(struct replay_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void reader_fail(struct replay_reader *r, const char *fmt, ...)
{
	char message[256];
	va_list ap;

	if (r->failed)
		return;
	r->failed = true;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	log_error("%s: %s", r->name, message);
}

/* Reads len bytes; returns how many came (less: the end, or an error). */
static size_t reader_read(struct replay_reader *r, void *buf, size_t len)
{
	size_t n = len ? fread(buf, 1, len, r->in) : 0;

	r->offset += n;
	if (n < len && ferror(r->in))
		reader_fail(r, "cannot read at offset %" PRIu64 ": %s", r->offset, strerror(errno));
	return n;
}

static bool text_ok(const uint8_t *text, size_t len)
{
	/* format_sockaddr's text: escaped, printable ASCII only */
	for (size_t i = 0; i < len; i++)
		if (text[i] < 0x20 || text[i] > 0x7e)
			return false;
	return true;
}

/* Checks a record's payload against its type. */
static bool record_valid(struct replay_reader *r)
{
	uint32_t len = r->tag.len;
	const char *what = record_type_names[r->tag.type];
	const char *why = NULL;

	switch (r->tag.type) {
	case RECORD_SAMPLE:
		return true;
	case RECORD_FLUSH:
	case RECORD_SWEEP:
		if (len)
			why = "not empty";
		break;
	case RECORD_CLOCK:
		if (len != sizeof(uint64_t))
			why = "not 8 bytes";
		break;
	case RECORD_PROCESS:
		if (len != sizeof(struct record_process))
			why = "of the wrong size";
		break;
	case RECORD_SOCK:
		if (len != sizeof(struct record_sock))
			why = "of the wrong size";
		break;
	case RECORD_PEER:
	case RECORD_LOCAL:
	case RECORD_PREEXISTING: {
		size_t fixed = r->tag.type != RECORD_PREEXISTING ? sizeof(struct record_peer)
								 : sizeof(struct record_preexisting);
		if (len < fixed)
			why = "too short";
		else if (len - fixed > ADDR_TEXT_MAX - 1)
			why = "with an address text too long";
		else if (!text_ok(r->payload + fixed, len - fixed))
			why = "with an address text that is not printable";
		break;
	}
	case RECORD_END: {
		struct record_end end;

		if (len < sizeof(end)) {
			why = "too short";
			break;
		}
		memcpy(&end, r->payload, sizeof(end));
		if (end.cpu_count > CPUS_MAX ||
		    len != sizeof(end) + end.cpu_count * sizeof(struct record_cpu_lost)) {
			why = "of the wrong size for its CPUs";
			break;
		}
		for (uint32_t i = 0; i < end.cpu_count; i++) {
			struct record_cpu_lost cpu;

			memcpy(&cpu, r->payload + sizeof(end) + i * sizeof(cpu), sizeof(cpu));
			if (cpu.cpu >= CPUS_MAX)
				why = "naming a CPU out of range";
		}
		break;
	}
	}
	if (why)
		reader_fail(r, "corrupt at offset %" PRIu64 ": %s record of %" PRIu32 " bytes %s",
			    r->rec_offset, what, len, why);
	return !why;
}

/* Loads the next record unless one is loaded. Returns it, or NULL at the
 * end (r->eof) or after a failure. */
static const struct record_tag *reader_load(struct replay_reader *r)
{
	size_t n;

	if (r->have)
		return &r->tag;
	if (r->failed || r->eof)
		return NULL;
	r->rec_offset = r->offset;
	n = reader_read(r, &r->tag, sizeof(r->tag));
	if (r->failed)
		return NULL;
	if (!n) {
		r->eof = true;
		return NULL;
	}
	if (n < sizeof(r->tag)) {
		reader_fail(r, "truncated at offset %" PRIu64 ": a record's tag cut short",
			    r->rec_offset);
		return NULL;
	}
	if (!r->tag.type || r->tag.type >= RECORD_TYPE_NR) {
		reader_fail(r, "corrupt at offset %" PRIu64 ": unknown record type %" PRIu32,
			    r->rec_offset, r->tag.type);
		return NULL;
	}
	if (r->tag.len > RECORD_PAYLOAD_MAX) {
		reader_fail(r,
			    "corrupt at offset %" PRIu64 ": %s record of %" PRIu32
			    " bytes (at most %u)",
			    r->rec_offset, record_type_names[r->tag.type], r->tag.len,
			    RECORD_PAYLOAD_MAX);
		return NULL;
	}
	n = reader_read(r, r->payload, r->tag.len);
	if (r->failed)
		return NULL;
	if (n < r->tag.len) {
		reader_fail(r,
			    "truncated at offset %" PRIu64 ": %s record of %" PRIu32
			    " bytes, %zu there",
			    r->rec_offset, record_type_names[r->tag.type], r->tag.len, n);
		return NULL;
	}
	if (!record_valid(r))
		return NULL;
	r->have = true;
	return &r->tag;
}

static void reader_take(struct replay_reader *r)
{
	r->have = false;
}

/* reader_load, past the answers to -w's questions when this replay asks
 * none: they sit among the others' answers, where -w asked. */
static const struct record_tag *reader_peek(struct replay_reader *r)
{
	const struct record_tag *tag;

	while ((tag = reader_load(r)) && tag->type == RECORD_LOCAL && r->skip_local)
		reader_take(r);
	return tag;
}

/* The hooks: the session's questions answered from the recording. */
static struct replay_reader *peer_reader; /* socket_peer takes no context */

static uint64_t replayed_now(void *ctx)
{
	struct replay_reader *r = ctx;
	const struct record_tag *tag = reader_peek(r);

	if (tag && tag->type == RECORD_CLOCK) {
		memcpy(&r->last_clock, r->payload, sizeof(r->last_clock));
		reader_take(r);
	} else if (!r->failed) {
		r->unanswered++;
	}
	return r->last_clock;
}

static bool replayed_process_gone(void *ctx, uint32_t pid)
{
	struct replay_reader *r = ctx;
	const struct record_tag *tag = reader_peek(r);
	struct record_process answer;

	if (tag && tag->type == RECORD_PROCESS) {
		memcpy(&answer, r->payload, sizeof(answer));
		if (answer.pid == pid) {
			reader_take(r);
			return answer.gone;
		}
	}
	if (!r->failed)
		r->unanswered++;
	return false;
}

static int replayed_sock_take(void *ctx, uint64_t key, struct st_sock *sock)
{
	struct replay_reader *r = ctx;
	const struct record_tag *tag = reader_peek(r);
	struct record_sock answer;

	if (tag && tag->type == RECORD_SOCK) {
		memcpy(&answer, r->payload, sizeof(answer));
		if (answer.key == key) {
			reader_take(r);
			if (answer.result)
				return answer.result < 0 ? answer.result : -ENOENT;
			*sock = answer.sock;
			return 0;
		}
	}
	if (!r->failed)
		r->unanswered++;
	return -ENOENT;
}

/* The next record, when it answers this address question: 1 (its result
 * in *result, its text in text), else 0. */
static int address_replay(uint32_t type_of_record, uint32_t pid, int32_t fd, int family,
			  int type, char *text, size_t size, int *result)
{
	struct replay_reader *r = peer_reader;
	const struct record_tag *tag = reader_peek(r);
	struct record_peer answer;

	if (tag && tag->type == type_of_record) {
		memcpy(&answer, r->payload, sizeof(answer));
		if (answer.pid == pid && answer.fd == fd && answer.family == family &&
		    answer.type == type) {
			size_t len = tag->len - sizeof(answer);

			reader_take(r);
			*result = answer.result > 0 ? -EIO : answer.result;
			if (!*result && !size)
				*result = -ENOSPC;
			if (*result)
				return 1;
			if (len > size - 1)
				len = size - 1;
			memcpy(text, r->payload + sizeof(answer), len);
			text[len] = '\0';
			return 1;
		}
	}
	return 0;
}

static int replayed_socket_peer(uint32_t pid, int32_t fd, int family, int type, char *text,
				size_t size)
{
	int result;

	if (address_replay(RECORD_PEER, pid, fd, family, type, text, size, &result))
		return result;
	if (!peer_reader->failed)
		peer_reader->unanswered++;
	return -ENOTCONN;
}

/* -w's question: a recording made without -w has no answers, and -w's
 * stand-in then takes their place (not a replay out of step). */
static int replayed_socket_local(uint32_t pid, int32_t fd, int family, int type, char *text,
				 size_t size)
{
	int result;

	if (address_replay(RECORD_LOCAL, pid, fd, family, type, text, size, &result))
		return result;
	return -ENOENT;
}

/* The header: magic, layout, and the struct sizes the samples were made
 * with. Returns false after one line saying what does not match. */
static bool header_read(struct replay_reader *r, struct record_header *hdr)
{
	char magic[RECORD_MAGIC_LEN];
	uint8_t raw[REPLAY_HEADER_MAX];
	size_t n = reader_read(r, magic, sizeof(magic));
	size_t fixed = 3 * sizeof(uint32_t); /* format_version, byte_order, header_len */

	if (r->failed)
		return false;
	if (n < sizeof(magic) || memcmp(magic, RECORD_MAGIC, sizeof(magic))) {
		reader_fail(r, "not a socket-tracer recording (no %s magic at offset 0)",
			    RECORD_MAGIC);
		return false;
	}
	memset(hdr, 0, sizeof(*hdr));
	if (reader_read(r, raw, fixed) < fixed) {
		if (!r->failed)
			reader_fail(r, "truncated at offset %" PRIu64 ": the header cut short",
				    r->offset);
		return false;
	}
	memcpy(hdr, raw, fixed);
	if (hdr->byte_order != RECORD_BYTE_ORDER) {
		reader_fail(r, "recorded on a machine of another byte order");
		return false;
	}
	if (hdr->format_version != RECORD_FORMAT_VERSION) {
		reader_fail(r, "recording format version %" PRIu32 ", this socket-tracer reads %d",
			    hdr->format_version, RECORD_FORMAT_VERSION);
		return false;
	}
	if (hdr->header_len < RECORD_MAGIC_LEN + sizeof(*hdr) ||
	    hdr->header_len > REPLAY_HEADER_MAX) {
		reader_fail(r, "corrupt at offset %d: header length %" PRIu32, RECORD_MAGIC_LEN + 8,
			    hdr->header_len);
		return false;
	}
	n = hdr->header_len - RECORD_MAGIC_LEN - fixed;
	if (reader_read(r, raw + fixed, n) < n) {
		if (!r->failed)
			reader_fail(r, "truncated at offset %" PRIu64 ": the header cut short",
				    r->offset);
		return false;
	}
	memcpy(hdr, raw, sizeof(*hdr));
	hdr->version[sizeof(hdr->version) - 1] = '\0';
	for (char *c = hdr->version; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';

	const struct {
		const char *what;
		uint32_t recorded, ours;
	} sizes[] = {
		{ "struct st_event_header", hdr->size_event_header, sizeof(struct st_event_header) },
		{ "struct st_conn_event", hdr->size_conn_event, sizeof(struct st_conn_event) },
		{ "struct st_exit_event", hdr->size_exit_event, sizeof(struct st_exit_event) },
		{ "struct st_data_event's header", hdr->size_data_event_header,
		  ST_DATA_EVENT_HEADER_SIZE },
		{ "ST_DATA_MAX", hdr->size_data_max, ST_DATA_MAX },
		{ "struct st_sock", hdr->size_sock, sizeof(struct st_sock) },
	};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (sizes[i].recorded != sizes[i].ours) {
			reader_fail(r,
				    "recorded by socket-tracer %s with %s of %" PRIu32
				    " bytes; this one's is %" PRIu32
				    ": replay it with the version that recorded it",
				    hdr->version, sizes[i].what, sizes[i].recorded, sizes[i].ours);
			return false;
		}
	}
	if (hdr->data_size > ST_DATA_MAX) {
		reader_fail(r, "corrupt at offset %zu: data size %" PRIu32 " (at most %d)",
			    RECORD_MAGIC_LEN + offsetof(struct record_header, data_size),
			    hdr->data_size, ST_DATA_MAX);
		return false;
	}
	return true;
}

static void header_report(const struct replay_reader *r, const struct record_header *hdr,
			  bool verbose)
{
	char started[64] = "?";
	time_t seconds = hdr->started_wall_ns / 1000000000ull;
	struct tm tm;

	if (localtime_r(&seconds, &tm))
		strftime(started, sizeof(started), "%Y-%m-%d %H:%M:%S %z", &tm);
	fprintf(stderr, "socket-tracer: replaying %s (socket-tracer %s, %s)\n", r->name,
		hdr->version, started);
	if (verbose)
		fprintf(stderr,
			"socket-tracer: recording format %" PRIu32 ", %s, data size %" PRIu32
			"%s%s, clock offset %" PRId64 " ns\n",
			hdr->format_version,
			hdr->flags & RECORD_FLAG_RING_BUFFER ? "ring buffer" : "perf buffers",
			hdr->data_size, hdr->flags & RECORD_FLAG_NO_DATA ? ", no data" : "",
			hdr->flags & RECORD_FLAG_FILTERED ? ", filtered by -p/-c" : "",
			hdr->mono_to_wall_ns);
}

/* The losses the trace counted, for the summary as it printed it. */
static void end_read(const struct replay_reader *r, struct record_end *end,
		     struct perf_poller *poller)
{
	memcpy(end, r->payload, sizeof(*end));
	poller->count = end->cpu_count;
	poller->lost_total = end->lost_total;
	for (uint32_t i = 0; i < end->cpu_count; i++) {
		struct record_cpu_lost cpu;

		memcpy(&cpu, r->payload + sizeof(*end) + i * sizeof(cpu), sizeof(cpu));
		poller->cookies[i].cpu = cpu.cpu;
		poller->lost_by_cpu[cpu.cpu] = cpu.lost;
	}
}

/* One record at the top level: what the live trace did at that point. */
static void record_replay(struct replay_reader *r, struct session *session)
{
	const uint8_t *payload = r->payload;

	switch (r->tag.type) {
	case RECORD_SAMPLE:
		session_sample(session, payload, (int)r->tag.len);
		break;
	case RECORD_FLUSH:
		session_flush(session, false);
		break;
	case RECORD_SWEEP:
		session_sweep_exited(session);
		break;
	case RECORD_PREEXISTING: {
		struct record_preexisting entry;
		char remote[ADDR_TEXT_MAX];
		size_t len = r->tag.len - sizeof(entry);

		memcpy(&entry, payload, sizeof(entry));
		memcpy(remote, payload + sizeof(entry), len);
		remote[len] = '\0';
		conn_table_set_remote(&session->conns, entry.pid, entry.fd, remote);
		break;
	}
	default: /* an answer to a question this build did not ask */
		r->unused++;
		break;
	}
}

int replay_stream(FILE *in, const char *name, const struct options *opts, int out_fd,
		  const volatile sig_atomic_t *stop, bool summary)
{
	static struct perf_poller poller; /* CPUS_MAX arrays: not on the stack */
	uint64_t submit_failures[ST_SUBMIT_NR] = { 0 };
	uint64_t table_full[ST_FULL_NR] = { 0 };
	struct replay_reader r = { .in = in, .name = name, .skip_local = !opts->write_file };
	struct record_header hdr;
	struct record_end end;
	struct session session;
	struct outputs *outputs = NULL;
	bool ended = false;
	int status = 1;

	memset(&poller, 0, sizeof(poller));
	r.payload = malloc(RECORD_PAYLOAD_MAX);
	if (!r.payload) {
		log_error("out of memory");
		return 1;
	}
	if (!header_read(&r, &hdr))
		goto free_payload;
	if (session_init(&session, opts, out_fd)) {
		log_error("out of memory");
		goto free_payload;
	}
	if (stop)
		writer_stop_on(&session.out, stop);
	if (outputs_open(opts, &session, &outputs))
		goto free_session;
	session.mono_to_wall_ns = hdr.mono_to_wall_ns;
	session.now_ns = replayed_now;
	session.process_gone = replayed_process_gone;
	session.sock_take = replayed_sock_take;
	session.inputs_ctx = &r;
	session.socket_peer = replayed_socket_peer;
	session.socket_local = replayed_socket_local;
	peer_reader = &r;
	if (summary)
		header_report(&r, &hdr, opts->verbose);

	if (!opts->json)
		session_print_header(&session);
	while (!session.done && !(stop && *stop) && reader_peek(&r)) {
		reader_take(&r);
		if (r.tag.type == RECORD_END) {
			end_read(&r, &end, &poller);
			memcpy(submit_failures, end.submit_failures, sizeof(submit_failures));
			memcpy(table_full, end.table_full, sizeof(table_full));
			ended = true;
			break;
		}
		record_replay(&r, &session);
	}
	if (ended) {
		uint8_t byte;

		if (reader_read(&r, &byte, 1))
			reader_fail(&r, "corrupt at offset %" PRIu64 ": bytes after the end record",
				    r.offset - 1);
	} else if (r.eof) {
		reader_fail(&r,
			    "truncated at offset %" PRIu64
			    ": no end record (the trace did not stop cleanly)",
			    r.offset);
	}
	session_flush_last(&session);
	if (outputs_close(outputs))
		r.failed = true;
	outputs = NULL;
	if (r.unanswered || r.unused)
		log_error("%s: replay out of step with the recording (%" PRIu64
			  " questions unanswered, %" PRIu64
			  " answers unused): this build handles the events otherwise than "
			  "socket-tracer %s did; record again",
			  name, r.unanswered, r.unused, hdr.version);
	if (summary)
		session_summary(&session, &poller, -1, submit_failures, table_full);
	status = r.failed || session.out_error ? 1 : 0;
free_session:
	outputs_free(outputs);
	session_free(&session);
	peer_reader = NULL;
free_payload:
	free(r.payload);
	return status;
}

int replay_run(const struct options *opts, const volatile sig_atomic_t *stop)
{
	FILE *in = fopen(opts->replay_file, "re");
	int status;

	if (!in) {
		log_error("cannot read %s: %s", opts->replay_file, strerror(errno));
		return 1;
	}
	status = replay_stream(in, opts->replay_file, opts, STDOUT_FILENO, stop, true);
	fclose(in);
	return status;
}
