#define _GNU_SOURCE
/* exchange: reassembly, detection and pairing, fed synthetic data events the
 * way the session feeds real ones. */
#include <stdlib.h>

#include "check.h"
#include "protocols/dns.h"
#include "protocols/http.h"
#include "protocols/exchange.h"

#define MAX_SEEN 16

struct seen {
	struct exchange exchanges[MAX_SEEN];
	struct message requests[MAX_SEEN];
	struct message responses[MAX_SEEN];
	int count;
};

static void exchange_record(void *ctx, const struct event *ev, const struct exchange *exchange)
{
	struct seen *seen = ctx;

	(void)ev;
	if (seen->count == MAX_SEEN)
		return;
	seen->exchanges[seen->count] = *exchange;
	if (exchange->request)
		seen->requests[seen->count] = *exchange->request;
	if (exchange->response)
		seen->responses[seen->count] = *exchange->response;
	seen->count++;
}

/* A data event of a client TCP connection: send = requests. */
static struct event data_event(uint8_t direction, uint64_t pos, const char *text, uint64_t bytes,
			       uint64_t ts)
{
	struct event ev = { 0 };

	ev.kind = ST_EV_DATA;
	ev.pid = 1;
	ev.fd = 3;
	ev.family = 2;
	ev.sock_type = 1;
	ev.sock_flags = ST_SOCK_CLIENT | ST_SOCK_REPORTED;
	ev.direction = direction;
	ev.syscall = direction == ST_DIR_SEND ? ST_SYS_WRITE : ST_SYS_READ;
	ev.pos = pos;
	ev.data = (const uint8_t *)text;
	ev.captured = strlen(text);
	ev.bytes = bytes ? bytes : ev.captured;
	ev.ts_ns = ts;
	snprintf(ev.remote, sizeof(ev.remote), "127.0.0.1:8080");
	return ev;
}

static void feed(struct exchange_tracker *tracker, struct proto_conn **state, struct event ev)
{
	exchange_classify(tracker, state, &ev);
	exchange_on_data(tracker, *state, &ev);
	exchange_flush(tracker, &ev);
}

static void http_keepalive_and_pipelining(void)
{
	struct exchange_tracker tracker;
	struct proto_conn *state = NULL;
	struct seen seen = { 0 };
	const char *get1 = "GET /one HTTP/1.1\r\nHost: h\r\n\r\n";
	const char *get2 = "GET /two HTTP/1.1\r\nHost: h\r\n\r\n";
	/* Two pipelined requests, the first split across two writes. */
	char both[128];

	exchange_tracker_init(&tracker, exchange_record, &seen);
	feed(&tracker, &state, data_event(ST_DIR_SEND, 0, "GET /one HTTP/1.1\r\nHo", 0, 100));
	snprintf(both, sizeof(both), "%s%s", "st: h\r\n\r\n", get2);
	feed(&tracker, &state, data_event(ST_DIR_SEND, 21, both, 0, 110));
	CHECK_INT(seen.count, 0);
	/* First response: a body of 10000 bytes of which 20 were captured. */
	const char *resp1 = "HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n01234567890123456789";
	uint64_t head1 = strlen(resp1) - 20;
	feed(&tracker, &state, data_event(ST_DIR_RECV, 0, resp1, head1 + 4000, 200));
	CHECK_INT(seen.count, 0); /* body not over yet */
	feed(&tracker, &state, data_event(ST_DIR_RECV, head1 + 4000, "", 6000, 300));
	CHECK_INT(seen.count, 1);
	CHECK_STR(PROTOCOL_BODY(&seen.requests[0], struct http_message)->target, "/one");
	CHECK_INT(PROTOCOL_BODY(&seen.responses[0], struct http_message)->status, 200);
	CHECK_INT(seen.exchanges[0].request_ts_ns, 100);
	CHECK_INT(seen.exchanges[0].response_ts_ns, 300);
	CHECK_INT(seen.exchanges[0].request_bytes, strlen(get1));
	CHECK_INT(seen.exchanges[0].response_bytes, head1 + 10000);
	/* Second response right after the first body. */
	const char *resp2 = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
	feed(&tracker, &state, data_event(ST_DIR_RECV, head1 + 10000, resp2, 0, 400));
	CHECK_INT(seen.count, 2);
	CHECK_STR(PROTOCOL_BODY(&seen.requests[1], struct http_message)->target, "/two");
	CHECK_INT(PROTOCOL_BODY(&seen.responses[1], struct http_message)->status, 404);
	CHECK_INT(seen.exchanges[1].request_ts_ns, 110);
	exchange_forget(&tracker, &state);
	CHECK_INT(tracker.memory_used, 0);
	exchange_tracker_free(&tracker);
}

/* A whole response in one read larger than the capture: the body's skip
 * ends inside the same event, and the exchange is complete at once. */
static void http_response_in_one_truncated_read(void)
{
	struct exchange_tracker tracker;
	struct proto_conn *state = NULL;
	struct seen seen = { 0 };
	const char *resp = "HTTP/1.0 200 OK\r\nContent-Length: 12071\r\n\r\nxxxxxxxx";
	uint64_t head = strlen(resp) - 8;

	exchange_tracker_init(&tracker, exchange_record, &seen);
	feed(&tracker, &state, data_event(ST_DIR_SEND, 0, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 0, 100));
	feed(&tracker, &state, data_event(ST_DIR_RECV, 0, resp, head + 12071, 200));
	CHECK_INT(seen.count, 1);
	CHECK_INT(PROTOCOL_BODY(&seen.responses[0], struct http_message)->status, 200);
	CHECK_INT(seen.exchanges[0].response_bytes, head + 12071);
	CHECK_INT(seen.exchanges[0].response_ts_ns, 200);
	/* The next response starts right after: nothing was lost. */
	feed(&tracker, &state, data_event(ST_DIR_SEND, 27, "GET /b HTTP/1.1\r\nHost: h\r\n\r\n", 0, 300));
	feed(&tracker, &state, data_event(ST_DIR_RECV, head + 12071,
					  "HTTP/1.0 204 No Content\r\n\r\n", 0, 400));
	CHECK_INT(seen.count, 2);
	CHECK_INT(PROTOCOL_BODY(&seen.responses[1], struct http_message)->status, 204);
	CHECK_STR(PROTOCOL_BODY(&seen.requests[1], struct http_message)->target, "/b");
	CHECK_INT(tracker.messages_partial, 0);
	exchange_forget(&tracker, &state);
	exchange_tracker_free(&tracker);
}

static void http_body_excerpt_from_a_later_event(void)
{
	struct exchange_tracker tracker;
	struct proto_conn *state = NULL;
	struct seen seen = { 0 };
	const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";

	exchange_tracker_init(&tracker, exchange_record, &seen);
	feed(&tracker, &state, data_event(ST_DIR_SEND, 0, "GET / HTTP/1.1\r\n\r\n", 0, 1));
	feed(&tracker, &state, data_event(ST_DIR_RECV, 0, head, 0, 2));
	feed(&tracker, &state, data_event(ST_DIR_RECV, strlen(head), "hello", 0, 3));
	CHECK_INT(seen.count, 1);
	CHECK_INT(PROTOCOL_BODY(&seen.responses[0], struct http_message)->body_len, 5);
	CHECK(!memcmp(PROTOCOL_BODY(&seen.responses[0], struct http_message)->body, "hello", 5));
	CHECK_INT(seen.exchanges[0].response_ts_ns, 3);
	exchange_forget(&tracker, &state);
	exchange_tracker_free(&tracker);
}

static void http_until_close_and_unanswered(void)
{
	struct exchange_tracker tracker;
	struct proto_conn *state = NULL;
	struct seen seen = { 0 };
	struct event close_ev = { 0 };

	exchange_tracker_init(&tracker, exchange_record, &seen);
	feed(&tracker, &state, data_event(ST_DIR_SEND, 0, "GET / HTTP/1.0\r\n\r\n", 0, 10));
	feed(&tracker, &state, data_event(ST_DIR_SEND, 18, "GET /b HTTP/1.0\r\n\r\n", 0, 11));
	feed(&tracker, &state, data_event(ST_DIR_RECV, 0, "HTTP/1.0 200 OK\r\n\r\nbody...", 0, 20));
	/* Close-delimited: the uncaptured rest counts too. */
	feed(&tracker, &state, data_event(ST_DIR_RECV, 26, "", 5000, 20));
	CHECK_INT(seen.count, 0);
	close_ev.kind = ST_EV_CLOSE;
	close_ev.ts_ns = 30;
	exchange_on_close(&tracker, &state, &close_ev);
	/* The close ends the first response; the second request got none. */
	CHECK_INT(seen.count, 2);
	CHECK_INT(PROTOCOL_BODY(&seen.responses[0], struct http_message)->status, 200);
	CHECK_INT(seen.exchanges[0].response_ts_ns, 20);
	CHECK_INT(seen.exchanges[0].response_bytes, strlen("HTTP/1.0 200 OK\r\n\r\nbody...") + 5000);
	CHECK_STR(PROTOCOL_BODY(&seen.requests[1], struct http_message)->target, "/b");
	CHECK(seen.exchanges[1].response == NULL);
	CHECK(state == NULL);
	CHECK_INT(tracker.memory_used, 0);
	exchange_tracker_free(&tracker);
}

/* An HTTP server answering with sendfile(): the response's bytes go by, none
 * captured, as the first event of that direction (the stream has no buffer
 * yet). The response is there, undecoded, with its size. */
static void http_response_by_sendfile(void)
{
	struct exchange_tracker tracker;
	struct proto_conn *state = NULL;
	struct seen seen = { 0 };
	struct event close_ev = { 0 };
	struct event ev;

	exchange_tracker_init(&tracker, exchange_record, &seen);
	ev = data_event(ST_DIR_RECV, 0, "GET /f HTTP/1.1\r\nHost: h\r\n\r\n", 0, 10);
	ev.sock_flags = ST_SOCK_SERVER | ST_SOCK_REPORTED;
	feed(&tracker, &state, ev);
	ev = data_event(ST_DIR_SEND, 0, "", 12071, 20);
	ev.sock_flags = ST_SOCK_SERVER | ST_SOCK_REPORTED;
	ev.syscall = ST_SYS_SENDFILE;
	feed(&tracker, &state, ev);
	CHECK_INT(seen.count, 0);
	CHECK_INT(tracker.messages_partial, 1);
	close_ev.kind = ST_EV_CLOSE;
	close_ev.ts_ns = 30;
	exchange_on_close(&tracker, &state, &close_ev);
	CHECK_INT(seen.count, 1);
	CHECK_STR(PROTOCOL_BODY(&seen.requests[0], struct http_message)->target, "/f");
	CHECK(seen.exchanges[0].response != NULL);
	CHECK(seen.responses[0].partial && !seen.responses[0].started);
	CHECK_INT(seen.exchanges[0].response_bytes, 12071);
	CHECK_INT(seen.exchanges[0].response_ts_ns, 20);
	CHECK_INT(tracker.memory_used, 0);
	exchange_tracker_free(&tracker);
}

/* A request cut by a gap is partial: it takes every byte until the server
 * speaks, and the response still pairs with it. */
static void gap_makes_a_partial_message_that_still_pairs(void)
{
	struct exchange_tracker tracker;
	struct proto_conn *state = NULL;
	struct seen seen = { 0 };
	const char *next = "GET /next HTTP/1.1\r\n\r\n";

	exchange_tracker_init(&tracker, exchange_record, &seen);
	feed(&tracker, &state, data_event(ST_DIR_SEND, 0, "GET /lost HTTP/1.1\r\n", 0, 1));
	feed(&tracker, &state, data_event(ST_DIR_SEND, 100, next, 0, 2));
	CHECK_INT(seen.count, 0);
	CHECK_INT(tracker.messages_partial, 1);
	feed(&tracker, &state, data_event(ST_DIR_RECV, 0, "HTTP/1.1 204 No Content\r\n\r\n", 0, 3));
	CHECK_INT(seen.count, 1);
	CHECK(seen.exchanges[0].request && seen.requests[0].partial);
	CHECK_INT(seen.exchanges[0].request_bytes, 100 + strlen(next));
	CHECK_INT(seen.exchanges[0].request_ts_ns, 1);
	CHECK_INT(PROTOCOL_BODY(&seen.responses[0], struct http_message)->status, 204);
	/* The client's next request starts afresh and pairs normally. */
	feed(&tracker, &state, data_event(ST_DIR_SEND, 500, "GET /again HTTP/1.1\r\n\r\n", 0, 4));
	feed(&tracker, &state, data_event(ST_DIR_RECV, 27, "HTTP/1.1 204 No Content\r\n\r\n", 0, 5));
	CHECK_INT(seen.count, 2);
	CHECK(!seen.requests[1].partial);
	CHECK_STR(PROTOCOL_BODY(&seen.requests[1], struct http_message)->target, "/again");
	CHECK_INT(tracker.messages_partial, 1);
	exchange_forget(&tracker, &state);
	exchange_tracker_free(&tracker);
}

/* A response larger than the capture whose framing is lost (its headers
 * cut): the next request ends it, it pairs with its request with every
 * byte counted, and the next exchange is whole. */
static void lost_response_ends_when_the_client_speaks(void)
{
	struct exchange_tracker tracker;
	struct proto_conn *state = NULL;
	struct seen seen = { 0 };
	const char *get = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";

	exchange_tracker_init(&tracker, exchange_record, &seen);
	feed(&tracker, &state, data_event(ST_DIR_SEND, 0, get, 0, 10));
	feed(&tracker, &state, data_event(ST_DIR_RECV, 0, "HTTP/1.1 200 OK\r\nX-Long: aaaa", 170000, 20));
	feed(&tracker, &state, data_event(ST_DIR_RECV, 170000, "", 30000, 30));
	CHECK_INT(seen.count, 0);
	feed(&tracker, &state, data_event(ST_DIR_SEND, strlen(get), get, 0, 40));
	CHECK_INT(seen.count, 1);
	CHECK(seen.responses[0].partial);
	CHECK_INT(seen.exchanges[0].response_bytes, 200000);
	CHECK_INT(seen.exchanges[0].response_ts_ns, 30);
	feed(&tracker, &state, data_event(ST_DIR_RECV, 200000, "HTTP/1.1 204 No Content\r\n\r\n", 0, 50));
	CHECK_INT(seen.count, 2);
	CHECK(!seen.responses[1].partial);
	CHECK_INT(PROTOCOL_BODY(&seen.responses[1], struct http_message)->status, 204);
	CHECK_INT(seen.exchanges[1].request_ts_ns, 40);
	exchange_forget(&tracker, &state);
	exchange_tracker_free(&tracker);
}

/* A server's final answer before the request body (405): it pairs with
 * that request, reported when the request ends. */
static void early_response_pairs_with_the_request_in_progress(void)
{
	struct exchange_tracker tracker;
	struct proto_conn *state = NULL;
	struct seen seen = { 0 };
	const char *post = "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n";
	const char *denied = "HTTP/1.1 405 Not Allowed\r\nContent-Length: 0\r\n\r\n";

	exchange_tracker_init(&tracker, exchange_record, &seen);
	feed(&tracker, &state, data_event(ST_DIR_SEND, 0, post, 0, 10));
	feed(&tracker, &state, data_event(ST_DIR_RECV, 0, denied, 0, 20));
	CHECK_INT(seen.count, 0);
	feed(&tracker, &state, data_event(ST_DIR_SEND, strlen(post), "body", 100000, 30));
	CHECK_INT(seen.count, 1);
	CHECK_STR(PROTOCOL_BODY(&seen.requests[0], struct http_message)->target, "/up");
	CHECK_INT(PROTOCOL_BODY(&seen.responses[0], struct http_message)->status, 405);
	CHECK_INT(seen.exchanges[0].request_bytes, strlen(post) + 100000);
	CHECK_INT(seen.exchanges[0].response_bytes, strlen(denied));
	CHECK_INT(seen.exchanges[0].response_ts_ns, 20);
	exchange_forget(&tracker, &state);
	exchange_tracker_free(&tracker);
}

/* A request line sent a byte per write is recognised once enough of it
 * has come, and parsed from its first byte. */
static void detection_on_piled_up_first_bytes(void)
{
	struct exchange_tracker tracker;
	struct proto_conn *state = NULL;
	struct seen seen = { 0 };
	const char *get = "GET /drip HTTP/1.1\r\nHost: h\r\n\r\n";
	char one[2] = { 0 };
	struct event ev;

	exchange_tracker_init(&tracker, exchange_record, &seen);
	for (size_t i = 0; i < strlen(get); i++) {
		one[0] = get[i];
		ev = data_event(ST_DIR_SEND, i, one, 0, 100 + i);
		feed(&tracker, &state, ev);
	}
	feed(&tracker, &state, data_event(ST_DIR_RECV, 0, "HTTP/1.1 204 No Content\r\n\r\n", 0, 500));
	CHECK_INT(seen.count, 1);
	CHECK_STR(PROTOCOL_BODY(&seen.requests[0], struct http_message)->target, "/drip");
	CHECK_INT(seen.exchanges[0].request_bytes, strlen(get));
	CHECK_INT(seen.exchanges[0].request_ts_ns, 100);
	CHECK_INT(tracker.messages_partial, 0);
	exchange_forget(&tracker, &state);
	exchange_tracker_free(&tracker);
}

/* Credentials the parser marks are masked in the bytes of the event that
 * carries them, and only there. */
static void secrets_masked_in_the_event_bytes(void)
{
	struct exchange_tracker tracker;
	struct proto_conn *state = NULL;
	struct seen seen = { 0 };
	const char *get = "GET / HTTP/1.1\r\nAuthorization: Basic dXNlcjpwdw==\r\nHost: h\r\n\r\n";
	static uint8_t scratch[ST_DATA_MAX];
	const uint8_t *shown;
	struct event ev;

	exchange_tracker_init(&tracker, exchange_record, &seen);
	ev = data_event(ST_DIR_SEND, 0, get, 0, 10);
	feed(&tracker, &state, ev);
	shown = exchange_masked(state, &ev, scratch);
	CHECK(shown == scratch);
	CHECK(!memcmp(shown, "GET / HTTP/1.1\r\nAuthorization: ", 31));
	CHECK(!memcmp(shown + 31, "******************\r\n", 20)); /* the value, all of it */
	CHECK(memmem(shown, ev.captured, "dXNlcjpwdw==", 12) == NULL);
	CHECK(!memcmp(shown + ev.captured - 11, "Host: h\r\n\r\n", 11));
	/* The response's bytes hold no credential: shown as they are. */
	ev = data_event(ST_DIR_RECV, 0, "HTTP/1.1 204 No Content\r\n\r\n", 0, 20);
	feed(&tracker, &state, ev);
	CHECK(exchange_masked(state, &ev, scratch) == ev.data);
	exchange_forget(&tracker, &state);
	exchange_tracker_free(&tracker);
}

/* Pipelining is bounded by memory, not by a count. */
static void deep_pipeline_pairs_every_request(void)
{
	struct exchange_tracker tracker;
	struct proto_conn *state = NULL;
	static struct seen seen;
	const char *get = "GET /p HTTP/1.1\r\nHost: h\r\n\r\n";
	const char *ok = "HTTP/1.1 204 No Content\r\n\r\n";
	int paired = 0;

	memset(&seen, 0, sizeof(seen));
	exchange_tracker_init(&tracker, exchange_record, &seen);
	for (int i = 0; i < 200; i++)
		feed(&tracker, &state, data_event(ST_DIR_SEND, i * strlen(get), get, 0, 10 + i));
	for (int i = 0; i < 200; i++) {
		seen.count = 0;
		feed(&tracker, &state, data_event(ST_DIR_RECV, i * strlen(ok), ok, 0, 1000 + i));
		paired += seen.count == 1 && seen.exchanges[0].request &&
			  seen.exchanges[0].request_ts_ns == (uint64_t)(10 + i);
	}
	CHECK_INT(paired, 200);
	CHECK_INT(tracker.requests_dropped, 0);
	exchange_forget(&tracker, &state);
	CHECK_INT(tracker.memory_used, 0);
	exchange_tracker_free(&tracker);
}

static void unknown_protocol_gives_up(void)
{
	struct exchange_tracker tracker;
	struct proto_conn *state = NULL;
	struct seen seen = { 0 };
	static char noise[DETECT_BYTES_MAX + 1];

	exchange_tracker_init(&tracker, exchange_record, &seen);
	memset(noise, 'z', sizeof(noise) - 1);
	struct event ev = data_event(ST_DIR_SEND, 0, noise, 0, 1);
	exchange_classify(&tracker, &state, &ev);
	CHECK_INT(ev.protocol, 0);
	ev = data_event(ST_DIR_SEND, DETECT_BYTES_MAX, "GET / HTTP/1.1\r\n\r\n", 0, 2);
	exchange_classify(&tracker, &state, &ev);
	CHECK_INT(ev.protocol, 0); /* gave up: not detected mid-stream */
	exchange_forget(&tracker, &state);
	exchange_tracker_free(&tracker);
}

/* dig's query for example.com A (id 0x1234) and an answer 93.184.216.34. */
static const uint8_t dns_query[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 'e',  'x',  'a',  'm',  'p',  'l',  'e',  0x03, 'c',  'o',  'm',
	0x00, 0x00, 0x01, 0x00, 0x01,
};
static const uint8_t dns_answer[] = {
	0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x07, 'e',  'x',  'a',  'm',  'p',  'l',  'e',  0x03, 'c',  'o',  'm',
	0x00, 0x00, 0x01, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00,
	0x00, 0x0e, 0x10, 0x00, 0x04, 93,   184,  216,  34,
};

static void dns_paired_by_id(void)
{
	struct exchange_tracker tracker;
	struct proto_conn *state = NULL;
	struct seen seen = { 0 };
	struct event ev = { 0 };

	exchange_tracker_init(&tracker, exchange_record, &seen);
	ev.kind = ST_EV_DATA;
	ev.family = 2;
	ev.sock_type = 2; /* SOCK_DGRAM */
	ev.sock_flags = ST_SOCK_REPORTED;
	ev.direction = ST_DIR_SEND;
	ev.syscall = ST_SYS_SENDTO;
	ev.data = dns_query;
	ev.captured = ev.bytes = sizeof(dns_query);
	ev.ts_ns = 1000;
	snprintf(ev.remote, sizeof(ev.remote), "127.0.0.1:53");
	exchange_classify(&tracker, &state, &ev);
	CHECK_INT(ev.protocol, protocol_number(&dns_protocol));
	exchange_on_data(&tracker, state, &ev);
	ev.direction = ST_DIR_RECV;
	ev.syscall = ST_SYS_RECVFROM;
	ev.data = dns_answer;
	ev.captured = ev.bytes = sizeof(dns_answer);
	ev.ts_ns = 1500;
	exchange_classify(&tracker, &state, &ev);
	exchange_on_data(&tracker, state, &ev);
	exchange_flush(&tracker, &ev);
	CHECK_INT(seen.count, 1);
	CHECK_STR(PROTOCOL_BODY(&seen.requests[0], struct dns_message)->name, "example.com");
	CHECK_STR(PROTOCOL_BODY(&seen.responses[0], struct dns_message)->answers[0], "93.184.216.34");
	CHECK_INT(seen.exchanges[0].response_ts_ns - seen.exchanges[0].request_ts_ns, 500);
	exchange_forget(&tracker, &state);
	exchange_tracker_free(&tracker);
}

/* A DNS server reading a TCP query's length, then the message: the
 * length's two bytes start the stream, and the query pairs. */
static void dns_over_tcp_length_read_apart(void)
{
	struct exchange_tracker tracker;
	struct proto_conn *state = NULL;
	struct seen seen = { 0 };
	uint8_t length[2] = { 0, sizeof(dns_query) };
	uint8_t answer[2 + sizeof(dns_answer)] = { 0, sizeof(dns_answer) };
	struct event ev;

	memcpy(answer + 2, dns_answer, sizeof(dns_answer));
	exchange_tracker_init(&tracker, exchange_record, &seen);
	ev = data_event(ST_DIR_RECV, 0, "", 0, 10);
	ev.sock_flags = ST_SOCK_SERVER | ST_SOCK_REPORTED;
	snprintf(ev.remote, sizeof(ev.remote), "127.0.0.1:40000");
	ev.data = length;
	ev.captured = ev.bytes = 1;
	feed(&tracker, &state, ev);
	ev.pos = 1;
	ev.data = length + 1;
	feed(&tracker, &state, ev);
	ev.pos = 2;
	ev.data = dns_query;
	ev.captured = ev.bytes = sizeof(dns_query);
	ev.ts_ns = 11;
	feed(&tracker, &state, ev);
	ev.direction = ST_DIR_SEND;
	ev.pos = 0;
	ev.data = answer;
	ev.captured = ev.bytes = sizeof(answer);
	ev.ts_ns = 20;
	feed(&tracker, &state, ev);
	CHECK_INT(seen.count, 1);
	CHECK(seen.exchanges[0].request && seen.exchanges[0].response);
	CHECK_STR(PROTOCOL_BODY(&seen.requests[0], struct dns_message)->name, "example.com");
	CHECK_INT(seen.exchanges[0].request_bytes, 2 + sizeof(dns_query));
	CHECK_INT(seen.exchanges[0].response_bytes, sizeof(answer));
	CHECK_INT(seen.exchanges[0].request_ts_ns, 10);
	exchange_forget(&tracker, &state);
	exchange_tracker_free(&tracker);
}

/* Two pipelined requests whose first reply loses its framing (its headers
 * cut) and swallows the second's: when the client speaks again, the
 * second request is closed off as answered inside the partial reply, and
 * the next request pairs with the next reply. */
static void pipelined_requests_behind_a_lost_reply(void)
{
	struct exchange_tracker tracker;
	struct proto_conn *state = NULL;
	struct seen seen = { 0 };
	const char *both = "GET /big HTTP/1.1\r\nHost: h\r\n\r\nGET /small HTTP/1.1\r\nHost: h\r\n\r\n";
	const char *next = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";

	exchange_tracker_init(&tracker, exchange_record, &seen);
	feed(&tracker, &state, data_event(ST_DIR_SEND, 0, both, 0, 10));
	feed(&tracker, &state, data_event(ST_DIR_RECV, 0, "HTTP/1.1 200 OK\r\nX-Long: aaaa", 300200, 20));
	CHECK_INT(seen.count, 0);
	feed(&tracker, &state, data_event(ST_DIR_SEND, strlen(both), next, 0, 30));
	CHECK_INT(seen.count, 2);
	CHECK_STR(PROTOCOL_BODY(&seen.requests[0], struct http_message)->target, "/big");
	CHECK(seen.responses[0].partial);
	CHECK_INT(seen.exchanges[0].response_bytes, 300200);
	CHECK_STR(PROTOCOL_BODY(&seen.requests[1], struct http_message)->target, "/small");
	CHECK(!seen.exchanges[1].response && seen.exchanges[1].answered_before);
	CHECK_INT(tracker.requests_answered_unseen, 1);
	feed(&tracker, &state, data_event(ST_DIR_RECV, 300200, "HTTP/1.1 204 No Content\r\n\r\n", 0, 40));
	CHECK_INT(seen.count, 3);
	CHECK_STR(PROTOCOL_BODY(&seen.requests[2], struct http_message)->target, "/next");
	CHECK_INT(PROTOCOL_BODY(&seen.responses[2], struct http_message)->status, 204);
	exchange_forget(&tracker, &state);
	exchange_tracker_free(&tracker);
}

/* Credentials in bytes no parser took are masked too: a request the HTTP
 * parser refuses (a control byte in an earlier field), and a connection
 * no protocol recognised (a WebDAV method). */
static void secrets_masked_where_nothing_parsed(void)
{
	static const char refused[] = "GET / HTTP/1.1\r\nX-C: a\001b\r\nCookie: id=SECRET1\r\n\r\n";
	static const char unknown[] = "PROPFIND /dav HTTP/1.1\r\nAuthorization : Basic SECRET2\r\n\r\n";
	static uint8_t scratch[ST_DATA_MAX];
	const char *cases[] = { refused, unknown };

	for (int i = 0; i < 2; i++) {
		struct exchange_tracker tracker;
		struct proto_conn *state = NULL;
		struct seen seen = { 0 };
		struct event ev = data_event(ST_DIR_SEND, 0, cases[i], 0, 10);
		const uint8_t *shown;

		exchange_tracker_init(&tracker, exchange_record, &seen);
		feed(&tracker, &state, ev);
		shown = exchange_masked(state, &ev, scratch);
		CHECK(memmem(shown, ev.captured, "SECRET", 6) == NULL);
		CHECK(memmem(shown, ev.captured, i ? "Authorization : ****" : "Cookie: ****", i ? 20 : 12) != NULL);
		exchange_forget(&tracker, &state);
		exchange_tracker_free(&tracker);
	}
}

int main(void)
{
	http_keepalive_and_pipelining();
	http_response_in_one_truncated_read();
	http_body_excerpt_from_a_later_event();
	http_until_close_and_unanswered();
	http_response_by_sendfile();
	gap_makes_a_partial_message_that_still_pairs();
	lost_response_ends_when_the_client_speaks();
	early_response_pairs_with_the_request_in_progress();
	deep_pipeline_pairs_every_request();
	detection_on_piled_up_first_bytes();
	secrets_masked_in_the_event_bytes();
	unknown_protocol_gives_up();
	dns_paired_by_id();
	dns_over_tcp_length_read_apart();
	pipelined_requests_behind_a_lost_reply();
	secrets_masked_where_nothing_parsed();
	return check_report("test_exchange");
}
