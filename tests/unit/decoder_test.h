/* Runs a decoder on an exact-size heap copy of its input, so that
 * AddressSanitizer reports any read past len; drives it through a stream
 * as the engine does; formats its messages. Shared by the decoder tests. */
#ifndef ST_DECODER_TEST_H
#define ST_DECODER_TEST_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"
#include "protocols/protocol.h"

typedef struct parse_result (*decoder_parse_fn)(const uint8_t *buf, size_t len,
						const struct parse_ctx *ctx, struct message *msg);

/* The per-connection flags of the decoder tests' one connection. */
static uint32_t decoder_test_flags;

static inline struct parse_ctx decoder_ctx(bool from_client, const struct message *request)
{
	return (struct parse_ctx){ .from_client = from_client, .request = request,
				   .conn_flags = &decoder_test_flags };
}
typedef bool (*decoder_detect_fn)(const uint8_t *buf, size_t len, bool from_client);

static inline uint8_t *exact_copy(const void *buf, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	memcpy(copy, buf, len);
	return copy;
}

static inline struct parse_result parse_exact(decoder_parse_fn parse, const void *buf, size_t len,
					      bool from_client, const struct message *request,
					      struct message *msg)
{
	uint8_t *copy = exact_copy(buf, len);
	struct parse_ctx ctx = decoder_ctx(from_client, request);
	struct parse_result result = parse(copy, len, &ctx, msg);

	free(copy);
	return result;
}

static inline bool detect_exact(decoder_detect_fn detect, const void *buf, size_t len,
				bool from_client)
{
	uint8_t *copy = exact_copy(buf, len);
	bool found = detect(copy, len, from_client);

	free(copy);
	return found;
}

static inline bool text_terminated(const char *text, size_t size)
{
	return memchr(text, '\0', size) != NULL;
}

/*
 * Flips every byte of buf with a few masks and parses each result (from an
 * exact-size copy). Whatever the decoder says, it keeps the contract:
 * consumed within len, skip only past a fully consumed buf, INVALID and
 * NEED_MORE consume nothing, anything else (CONTINUE too) makes progress,
 * and texts_check (the decoder's text fields NUL-terminated) holds for
 * every message. Returns how many were INVALID.
 * Needs check.h included first.
 */
static inline int flips_check_decoder(decoder_parse_fn parse, const uint8_t *buf, size_t len,
				      bool from_client, const struct message *request,
				      struct message *msg,
				      void (*texts_check)(const struct message *msg))
{
	static const uint8_t masks[] = { 0x01, 0x20, 0x80, 0xff };
	int invalid = 0;

	for (size_t at = 0; at < len; at++) {
		for (size_t m = 0; m < sizeof(masks); m++) {
			uint8_t *copy = exact_copy(buf, len);
			struct parse_ctx ctx = decoder_ctx(from_client, request);
			struct parse_result result;

			copy[at] ^= masks[m];
			memset(msg->body, 0, sizeof(msg->body));
			result = parse(copy, len, &ctx, msg);
			free(copy);
			CHECK(result.consumed <= len);
			CHECK(!result.skip || result.consumed == len);
			if (result.state == PARSE_INVALID || result.state == PARSE_NEED_MORE) {
				CHECK(!result.consumed && !result.skip);
				invalid += result.state == PARSE_INVALID;
				continue;
			}
			CHECK(result.state == PARSE_COMPLETE || result.state == PARSE_IGNORED ||
			      result.state == PARSE_CONTINUE);
			CHECK(result.consumed || result.skip);
			texts_check(msg);
		}
	}
	return invalid;
}

/* A message's part of a human exchange line, and its JSON keys, as the
 * protocol's formatters write them (each into its own buffer, overwritten
 * by the next call). */
static inline const char *decoder_human(const struct protocol *protocol, const struct message *m,
					bool request, bool show_secrets)
{
	static char line[8192];
	struct output_style style = { .show_secrets = show_secrets };
	struct strbuf out;

	strbuf_init(&out, line, sizeof(line));
	protocol->human_put(&out, m, request, &style);
	return line;
}

static inline const char *decoder_json(const struct protocol *protocol, const struct message *m,
				       bool show_secrets)
{
	static char line[8192];
	struct output_style style = { .json = true, .show_secrets = show_secrets };
	struct strbuf out;

	strbuf_init(&out, line, sizeof(line));
	protocol->json_put(&out, m, &style);
	return line;
}

/* The request's endpoint and the exchange's outcome, as --stats and
 * --metrics ask for them (src/stats/request_summary.c): in buffers of the
 * same sizes, the endpoint overwritten by the next call. */
static inline const char *decoder_endpoint(const struct protocol *protocol,
					   const struct message *request)
{
	static char endpoint[ENDPOINT_MAX];
	struct strbuf out;

	strbuf_init(&out, endpoint, sizeof(endpoint));
	protocol->endpoint_put(&out, request);
	return endpoint;
}

static inline enum outcome decoder_outcome(const struct protocol *protocol,
					   const struct message *request,
					   const struct message *response,
					   char status[STATUS_CLASS_MAX])
{
	memset(status, 0, STATUS_CLASS_MAX);
	return protocol->outcome_of(request, response, status);
}

/* --- a small engine ---
 *
 * One direction of a connection fed to a decoder the way the engine
 * (src/protocols/exchange.c) feeds it: a message read piece by piece with
 * PARSE_CONTINUE, the skipped bytes it holds or that arrive later passed
 * to the descriptor's skipped(), ctx->seen after PARSE_NEED_MORE, a
 * server's requests answered in order, a message finished where its skip
 * ends. Every byte is consumed, skipped or left over: tests compare the
 * sums. Needs check.h included first.
 */

#define DECODER_RUN_KEPT 64    /* messages a run keeps */
#define DECODER_RUN_SECRETS 16 /* credential marks a run keeps */
#define DECODER_RUN_BUFFER (1u << 21)

/* How a stream is cut into the reads that carry it. */
enum split {
	SPLIT_WHOLE,  /* one read */
	SPLIT_BYTES,  /* a byte at a time */
	SPLIT_RANDOM, /* reads of 1..random_max bytes, from a seed */
	SPLIT_SMALL,  /* reads of 1..16 bytes, from a seed */
	SPLIT_LIST,   /* the sizes in writes (as a peer wrote them), then the rest */
};

struct decoder_run {
	/* Set by decoder_run_init; a test may change them before the stream. */
	const struct protocol *protocol;
	bool from_client;
	const struct message *requests; /* server side: those waiting, in order */
	unsigned n_requests, next_request;
	uint32_t flags;	      /* the connection's flags, unless conn_flags points elsewhere */
	uint32_t *conn_flags; /* ctx->conn_flags: &flags, or one both directions share */
	void *conn_state;     /* ctx->conn_state */
	/* Each call on an exact-size heap copy of the bytes held, so that
	 * AddressSanitizer sees a read past len (a copy per call: small streams). */
	bool exact;
	size_t read_max;   /* the most bytes one read carries; 0: no limit */
	size_t random_max; /* SPLIT_RANDOM's largest read: 4096 */
	/* Of each read only the first capture bytes are captured (0: all); the
	 * rest must be bytes a skip covers, or the run counts a loss and stops. */
	size_t capture;
	const size_t *writes; /* SPLIT_LIST's read sizes */
	unsigned n_writes;
	/* What came out. */
	unsigned completes, ignored, unsolicited, alone, invalid, stuck, lost, calls;
	uint64_t consumed, skipped, left; /* bytes: consumed, skipped, never used */
	uint64_t offered_new;		  /* sum over calls of len - seen */
	uint64_t secret_at[DECODER_RUN_SECRETS], secret_len[DECODER_RUN_SECRETS];
	unsigned n_secrets;
	uint64_t base; /* stream position of buf[0] in the call */
	struct parse_result kept_result[DECODER_RUN_KEPT]; /* the call that ended each */
	uint64_t kept_bytes[DECODER_RUN_KEPT];		   /* each message's size on the wire */
	/* Last, so that decoder_run_init need not clear a quarter MiB: only
	 * the first decoder_run_kept() count. */
	struct message kept[DECODER_RUN_KEPT];
};

/* How many messages kept[] holds. */
static inline unsigned decoder_run_kept(const struct decoder_run *run)
{
	return run->completes < DECODER_RUN_KEPT ? run->completes : DECODER_RUN_KEPT;
}

/* ctx->secret: the marks, as stream positions. */
static inline void decoder_run_secret(const struct parse_ctx *ctx, size_t offset, size_t len)
{
	struct decoder_run *run = ctx->engine;

	if (run->n_secrets < DECODER_RUN_SECRETS) {
		run->secret_at[run->n_secrets] = run->base + offset;
		run->secret_len[run->n_secrets++] = len;
	}
}

static inline void decoder_run_init(struct decoder_run *run, const struct protocol *protocol,
				    bool from_client, const struct message *requests,
				    unsigned n_requests)
{
	memset(run, 0, offsetof(struct decoder_run, kept));
	run->protocol = protocol;
	run->from_client = from_client;
	run->requests = requests;
	run->n_requests = n_requests;
	run->conn_flags = &run->flags;
	run->random_max = 4096;
}

static inline unsigned decoder_lcg(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 8) & 0xffffff;
}

/* The next read's size, of the left bytes. */
static inline size_t decoder_run_read_size(const struct decoder_run *run, enum split split,
					   unsigned *seed, unsigned *write, size_t left)
{
	size_t n;

	if (split == SPLIT_WHOLE)
		n = left;
	else if (split == SPLIT_BYTES)
		n = 1;
	else if (split == SPLIT_SMALL)
		n = 1 + decoder_lcg(seed) % 16;
	else if (split == SPLIT_LIST)
		n = *write < run->n_writes ? run->writes[(*write)++] : left;
	else
		n = 1 + decoder_lcg(seed) % run->random_max;

	if (run->read_max && n > run->read_max)
		n = run->read_max;
	return n < left ? n : left;
}

static inline struct parse_result decoder_run_parse(struct decoder_run *run, const uint8_t *buf,
						    size_t len, size_t seen, uint64_t pos,
						    struct message *msg)
{
	const struct message *request = !run->from_client && run->next_request < run->n_requests
						? &run->requests[run->next_request]
						: NULL;
	struct parse_ctx ctx = {
		.from_client = run->from_client,
		.stream = true,
		.request = request,
		.seen = seen,
		.conn_flags = run->conn_flags,
		.conn_state = run->conn_state,
		.secret = decoder_run_secret,
		.engine = run,
		.pos = pos,
	};
	uint8_t *copy = run->exact ? exact_copy(buf, len) : NULL;
	struct parse_result r;

	run->base = pos;
	run->calls++;
	run->offered_new += len - seen;
	r = run->protocol->parse(copy ? copy : buf, len, &ctx, msg);
	free(copy);
	return r;
}

/* A message ended (r is the call that ended it): kept, the next request
 * due, msg's body zeroed for the next. */
static inline void decoder_run_finish(struct decoder_run *run, struct message *msg,
				      const struct parse_result *r, uint64_t bytes)
{
	if (r->state == PARSE_IGNORED) {
		run->ignored++;
	} else {
		if (run->completes < DECODER_RUN_KEPT) {
			run->kept[run->completes] = *msg;
			run->kept_result[run->completes] = *r;
			run->kept_bytes[run->completes] = bytes;
		}
		run->completes++;
		run->alone += r->role == ROLE_ALONE;
		if (r->unsolicited)
			run->unsolicited++;
		else if (!run->from_client && run->next_request < run->n_requests)
			run->next_request++;
	}
	memset(msg->body, 0, sizeof(msg->body));
}

/* Feeds total bytes of one direction, cut as split says, through the
 * run's protocol; stops at the first PARSE_INVALID, a call that makes no
 * progress (stuck) or a loss. */
static inline void decoder_run_stream(struct decoder_run *run, const uint8_t *data, size_t total,
				      enum split split, unsigned seed)
{
	static uint8_t buf[DECODER_RUN_BUFFER];
	static struct message msg;
	void (*skipped)(struct message *, void *, const uint8_t *, size_t, uint64_t) =
		run->protocol->skipped;
	size_t len = 0, seen = 0, fed = 0;
	unsigned write = 0;
	uint64_t skip = 0, pos = 0, message_bytes = 0;
	bool finish_at_skip = false;
	struct parse_result finish = { 0 };

	memset(&msg, 0, sizeof(msg));
	msg.protocol = run->protocol;
	while (fed < total && !run->invalid && !run->stuck && !run->lost) {
		size_t chunk = decoder_run_read_size(run, split, &seed, &write, total - fed);
		size_t uncaptured = 0;
		const uint8_t *in = data + fed;

		fed += chunk;
		if (run->capture && chunk > run->capture) {
			uncaptured = chunk - run->capture;
			chunk = run->capture;
		}
		/* The captured bytes, then the rest. */
		for (int part = 0; part < 2 && !run->invalid && !run->stuck; part++) {
			size_t n = part ? uncaptured : chunk;

			if (skip) {
				size_t s = skip < n ? (size_t)skip : n;

				if (s && skipped)
					skipped(&msg, run->conn_state, in, part ? 0 : s,
						part ? s : 0);
				in += s;
				n -= s;
				skip -= s;
				pos += s;
				if (!skip && finish_at_skip) {
					finish_at_skip = false;
					decoder_run_finish(run, &msg, &finish, message_bytes);
					message_bytes = 0;
				}
			}
			if (part) {
				run->lost += n != 0;
				break;
			}
			if (len + n > sizeof(buf)) {
				run->stuck++;
				break;
			}
			memcpy(buf + len, in, n);
			len += n;
			in += n;
			while (len && !skip) {
				struct parse_result r =
					decoder_run_parse(run, buf, len, seen, pos, &msg);
				size_t held;

				CHECK(r.consumed <= len);
				if (r.state == PARSE_NEED_MORE) {
					CHECK(!r.consumed && !r.skip);
					seen = len;
					break;
				}
				if (r.state == PARSE_INVALID) {
					run->invalid++;
					break;
				}
				seen = 0;
				if (r.state == PARSE_CONTINUE && !r.consumed && !r.skip) {
					run->stuck++;
					break;
				}
				CHECK(!r.skip || r.consumed == len);
				memmove(buf, buf + r.consumed, len - r.consumed);
				len -= r.consumed;
				pos += r.consumed;
				run->consumed += r.consumed;
				run->skipped += r.skip;
				message_bytes += r.consumed + r.skip;
				skip = r.skip;
				/* What the buffer already holds of the skipped part. */
				held = skip < len ? (size_t)skip : len;
				if (held && skipped)
					skipped(&msg, run->conn_state, buf, held, 0);
				memmove(buf, buf + held, len - held);
				len -= held;
				pos += held;
				skip -= held;
				if (r.state == PARSE_CONTINUE)
					continue;
				if (skip) {
					finish_at_skip = true;
					finish = r;
					break;
				}
				decoder_run_finish(run, &msg, &r, message_bytes);
				message_bytes = 0;
			}
		}
	}
	run->left = len + skip;
}

/* The whole stream was used, every byte once, in n messages (ignored
 * ones too). */
static inline void decoder_run_check_all(const struct decoder_run *run, size_t total,
					 unsigned messages)
{
	CHECK_INT(run->invalid, 0);
	CHECK_INT(run->stuck, 0);
	CHECK_INT(run->lost, 0);
	CHECK_INT(run->left, 0);
	CHECK_INT(run->consumed + run->skipped, total);
	CHECK_INT(run->completes + run->ignored, messages);
}

/* --- a buffered model of the engine ---
 *
 * Bytes fed as they arrive, over any number of calls: held in a buffer,
 * the parser called on it until it needs more, consumed bytes dropped,
 * skipped bytes passed over as they come, a message ended at once when the
 * call that ends it returns (even when its skip goes on). PARSE_INVALID
 * drops what is held and the stream goes on. Needs check.h included first.
 */

#define DECODER_SIM_BUF (1 << 17)
#define DECODER_SIM_OUT 8     /* messages a sim keeps */
#define DECODER_SIM_SECRETS 8 /* credential marks a sim keeps */

struct decoder_sim_out {
	struct message msg;
	uint64_t bytes;
	enum message_role role;
	bool unsolicited;
	enum stream_after after;
};

struct decoder_sim {
	/* Set by decoder_sim_start; a test may change them before feeding. */
	const struct protocol *protocol;
	void *conn_state; /* ctx->conn_state */
	size_t hold_max;  /* PARSE_NEED_MORE with this many bytes held fails; 0: any */
	bool from_client;
	const struct message *request;
	uint8_t buf[DECODER_SIM_BUF];
	size_t len;
	uint64_t skip; /* stream bytes still to pass over */
	struct message msg;
	bool in_message;
	uint64_t bytes; /* of the message so far */
	struct decoder_sim_out out[DECODER_SIM_OUT];
	unsigned n_out; /* PARSE_COMPLETE messages */
	unsigned n_ignored;
	unsigned n_invalid;
	/* Work: calls made, bytes given to calls that answered NEED_MORE,
	 * bytes consumed; the most bytes held at once. */
	uint64_t calls, need_more_bytes, consumed;
	size_t max_len;
	/* Secrets marked, as stream offsets. */
	uint64_t secret_at[DECODER_SIM_SECRETS], secret_len[DECODER_SIM_SECRETS];
	unsigned n_secrets;
	uint64_t base; /* stream offset of buf[0] */
};

static inline void decoder_sim_secret(const struct parse_ctx *ctx, size_t offset, size_t len)
{
	struct decoder_sim *s = ctx->engine;

	if (s->n_secrets < DECODER_SIM_SECRETS) {
		s->secret_at[s->n_secrets] = s->base + offset;
		s->secret_len[s->n_secrets] = len;
	}
	s->n_secrets++;
}

static inline void decoder_sim_start(struct decoder_sim *s, const struct protocol *protocol,
				     void *conn_state, bool from_client,
				     const struct message *request)
{
	memset(s, 0, sizeof(*s));
	s->protocol = protocol;
	s->conn_state = conn_state;
	s->from_client = from_client;
	s->request = request;
}

static inline void decoder_sim_drop(struct decoder_sim *s, size_t n)
{
	memmove(s->buf, s->buf + n, s->len - n);
	s->len -= n;
	s->base += n;
}

static inline void decoder_sim_run(struct decoder_sim *s)
{
	while (s->len && !s->skip) {
		struct parse_ctx ctx = decoder_ctx(s->from_client, s->request);
		struct parse_result r;
		size_t held;

		ctx.secret = decoder_sim_secret;
		ctx.engine = s;
		ctx.conn_state = s->conn_state;
		s->msg.protocol = s->protocol;
		s->calls++;
		r = s->protocol->parse(s->buf, s->len, &ctx, &s->msg);
		if (r.state == PARSE_NEED_MORE) {
			CHECK(!r.consumed && !r.skip);
			CHECK(!s->hold_max || s->len < s->hold_max);
			s->need_more_bytes += s->len;
			return;
		}
		if (r.state == PARSE_INVALID) {
			s->n_invalid++;
			s->base += s->len;
			s->len = 0;
			memset(&s->msg, 0, sizeof(s->msg));
			s->in_message = false;
			return;
		}
		CHECK(r.consumed <= s->len);
		CHECK(r.consumed > 0);
		s->in_message = true;
		s->consumed += r.consumed;
		s->bytes += r.consumed + r.skip;
		decoder_sim_drop(s, r.consumed);
		held = r.skip < s->len ? (size_t)r.skip : s->len;
		decoder_sim_drop(s, held);
		s->skip = r.skip - held;
		if (r.state == PARSE_CONTINUE)
			continue;
		if (r.state == PARSE_COMPLETE) {
			if (s->n_out < DECODER_SIM_OUT) {
				struct decoder_sim_out *o = &s->out[s->n_out];

				o->msg = s->msg;
				o->bytes = s->bytes;
				o->role = r.role;
				o->unsolicited = r.unsolicited;
				o->after = r.after;
			}
			s->n_out++;
		} else {
			s->n_ignored++;
		}
		/* The engine finishes a message whose skip goes on when the skip
		 * ends; for these checks, at once. */
		memset(&s->msg, 0, sizeof(s->msg));
		s->in_message = false;
		s->bytes = 0;
	}
}

/* Bytes arrive. */
static inline void decoder_sim_feed(struct decoder_sim *s, const uint8_t *bytes, size_t n)
{
	while (n) {
		if (s->skip) {
			size_t take = s->skip < n ? (size_t)s->skip : n;

			s->skip -= take;
			s->base += take;
			bytes += take;
			n -= take;
			continue;
		}
		size_t take = n < DECODER_SIM_BUF - s->len ? n : DECODER_SIM_BUF - s->len;

		CHECK(take > 0);
		if (!take)
			return;
		memcpy(s->buf + s->len, bytes, take);
		s->len += take;
		if (s->len > s->max_len)
			s->max_len = s->len;
		bytes += take;
		n -= take;
		decoder_sim_run(s);
	}
}

/* All of buf, in pieces of piece bytes (0: random sizes from seed). */
static inline void decoder_sim_feed_all(struct decoder_sim *s, const uint8_t *buf, size_t len,
					size_t piece, unsigned seed)
{
	size_t at = 0;

	srand(seed);
	while (at < len) {
		size_t n = piece ? piece : 1 + (size_t)rand() % 700;

		if (n > len - at)
			n = len - at;
		decoder_sim_feed(s, buf + at, n);
		at += n;
	}
}

#endif
