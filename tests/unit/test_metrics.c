/* The --metrics exposition text: hostile label bytes made valid, escaped
 * UTF-8; the registry's series, histogram, bounds and health as rendered. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "metrics/metrics_registry.h"
#include "metrics/prometheus_text.h"
#include "protocols/protocol.h"

/* Whether text is well-formed UTF-8 (no overlong form, surrogate or code
 * point past U+10FFFF): what a scraper demands of a page. */
static bool utf8_valid(const char *text)
{
	const uint8_t *s = (const uint8_t *)text;

	while (*s) {
		uint32_t cp;
		int need;

		if (*s < 0x80) {
			s++;
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf)
			need = 1, cp = *s & 0x1f;
		else if (*s >= 0xe0 && *s <= 0xef)
			need = 2, cp = *s & 0x0f;
		else if (*s >= 0xf0 && *s <= 0xf4)
			need = 3, cp = *s & 0x07;
		else
			return false;
		for (int i = 1; i <= need; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += need + 1;
	}
	return true;
}

/* One sample line with a hostile label, as the page has it. */
static char *sample_of(const void *bytes, size_t len)
{
	static char label_text[600];
	struct strbuf label;
	char *page = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&page, &size);

	strbuf_init(&label, label_text, sizeof(label_text));
	prom_label_text(&label, bytes, len);
	prom_sample_u64(out, "m", &(struct prom_label){ "endpoint", label_text }, 1, 7);
	fclose(out);
	return page;
}

static void test_hostile_labels(void)
{
	/* a quote, a backslash, a newline, an invalid byte, é */
	static const uint8_t mixed[] = "GET /a\"b\\c\n\xff\xc3\xa9";
	/* overlong "/", a lone continuation byte, a surrogate, a cut sequence */
	static const uint8_t invalid[] = "\xc0\xaf\x80\xed\xa0\x80\xe2\x82";
	static const uint8_t control[] = "\x1b[2J\r\t\x7f";
	char *page;

	page = sample_of(mixed, sizeof(mixed) - 1);
	/* the label's text is GET /a"b\\c\n\xffé: the quote and every
	 * backslash escaped once more for the page */
	CHECK_STR(page, "m{endpoint=\"GET /a\\\"b\\\\\\\\c\\\\n\\\\xff\xc3\xa9\"} 7\n");
	CHECK(utf8_valid(page));
	free(page);
	page = sample_of(invalid, sizeof(invalid) - 1);
	CHECK_STR(page,
		  "m{endpoint=\"\\\\xc0\\\\xaf\\\\x80\\\\xed\\\\xa0\\\\x80\\\\xe2\\\\x82\"} 7\n");
	CHECK(utf8_valid(page));
	free(page);
	page = sample_of(control, sizeof(control) - 1);
	CHECK_STR(page, "m{endpoint=\"\\\\x1b[2J\\\\r\\\\t\\\\x7f\"} 7\n");
	free(page);
	/* every byte value alone: valid UTF-8, one line */
	for (int byte = 1; byte < 256; byte++) {
		uint8_t one = (uint8_t)byte;

		page = sample_of(&one, 1);
		CHECK(utf8_valid(page));
		CHECK(strchr(page, '\n') == page + strlen(page) - 1);
		free(page);
	}
}

static struct request_summary request(const char *endpoint, const char *status, uint64_t latency_ns)
{
	struct request_summary summary = {
		.protocol = protocol_by_name("http"),
		.role = "client",
		.remote = "127.0.0.1:80",
		.outcome = OUTCOME_OK,
		.timed = latency_ns != 0,
		.latency_ns = latency_ns,
		.request_bytes = 10,
		.response_bytes = 100,
	};

	strcpy(summary.endpoint, endpoint);
	strcpy(summary.status, status);
	return summary;
}

static char *render(struct metrics_registry *registry)
{
	char *page = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&page, &size);

	CHECK_INT(metrics_registry_render(registry, out), 0);
	fclose(out);
	return page;
}

static int occurrences(const char *page, const char *line)
{
	int n = 0;

	for (const char *at = page; (at = strstr(at, line)); at++)
		n++;
	return n;
}

#define CHECK_LINE(page, line)                                                                   \
	do {                                                                                     \
		if (occurrences(page, line "\n") != 1) {                                         \
			fprintf(stderr, "%s:%d: not once in the page: %s\n", __FILE__, __LINE__, \
				line);                                                           \
			check_failures++;                                                        \
		}                                                                                \
	} while (0)

static void test_requests_and_bounds(void)
{
	struct metrics_registry *registry;
	struct request_summary r;
	char *page;

	CHECK_INT(metrics_registry_open(2, &registry), 0);
	r = request("GET /a", "2xx", 300000); /* 300 us */
	metrics_registry_request(registry, &r);
	r = request("GET /a", "4xx", 2000000); /* 2 ms */
	metrics_registry_request(registry, &r);
	r = request("GET /a", "", 0); /* no response */
	metrics_registry_request(registry, &r);
	r = request("GET /b", "2xx", 20000000000u); /* 20 s: past the last bucket */
	metrics_registry_request(registry, &r);
	/* past the bound of 2: "(other)", twice */
	r = request("GET /c", "2xx", 60000);
	metrics_registry_request(registry, &r);
	r = request("GET /d", "5xx", 60000);
	metrics_registry_request(registry, &r);
	/* statuses past the room of one endpoint's */
	for (int i = 0; i < 10; i++) {
		char status[8];

		snprintf(status, sizeof(status), "s%d", i);
		r = request("GET /b", status, 0);
		metrics_registry_request(registry, &r);
	}
	page = render(registry);
	CHECK(utf8_valid(page));
	CHECK_INT(occurrences(page, "# TYPE socket_tracer_requests_total counter\n"), 1);
	CHECK_INT(occurrences(page, "# TYPE socket_tracer_request_duration_seconds histogram\n"),
		  1);
	CHECK_LINE(page, "socket_tracer_requests_total{protocol=\"http\",role=\"client\","
			 "endpoint=\"GET /a\",status=\"2xx\"} 1");
	CHECK_LINE(page, "socket_tracer_requests_total{protocol=\"http\",role=\"client\","
			 "endpoint=\"GET /a\",status=\"4xx\"} 1");
	CHECK_LINE(page, "socket_tracer_requests_total{protocol=\"http\",role=\"client\","
			 "endpoint=\"GET /a\",status=\"(none)\"} 1");
	CHECK_LINE(page, "socket_tracer_requests_total{protocol=\"http\",role=\"client\","
			 "endpoint=\"(other)\",status=\"2xx\"} 1");
	CHECK_LINE(page, "socket_tracer_requests_total{protocol=\"http\",role=\"client\","
			 "endpoint=\"(other)\",status=\"5xx\"} 1");
	/* GET /b: 2xx, s0..s5, then the rest (s6..s9) as "(other)" */
	CHECK_LINE(page, "socket_tracer_requests_total{protocol=\"http\",role=\"client\","
			 "endpoint=\"GET /b\",status=\"s5\"} 1");
	CHECK_LINE(page, "socket_tracer_requests_total{protocol=\"http\",role=\"client\","
			 "endpoint=\"GET /b\",status=\"(other)\"} 4");
	CHECK_INT(occurrences(page, "endpoint=\"GET /b\",status=\"s6\""), 0);
	/* the histogram: cumulative, the timed requests only */
	CHECK_LINE(page, "socket_tracer_request_duration_seconds_bucket{protocol=\"http\","
			 "role=\"client\",endpoint=\"GET /a\",le=\"0.00025\"} 0");
	CHECK_LINE(page, "socket_tracer_request_duration_seconds_bucket{protocol=\"http\","
			 "role=\"client\",endpoint=\"GET /a\",le=\"0.0005\"} 1");
	CHECK_LINE(page, "socket_tracer_request_duration_seconds_bucket{protocol=\"http\","
			 "role=\"client\",endpoint=\"GET /a\",le=\"0.0025\"} 2");
	CHECK_LINE(page, "socket_tracer_request_duration_seconds_bucket{protocol=\"http\","
			 "role=\"client\",endpoint=\"GET /a\",le=\"+Inf\"} 2");
	CHECK_LINE(page, "socket_tracer_request_duration_seconds_sum{protocol=\"http\","
			 "role=\"client\",endpoint=\"GET /a\"} 0.002300000");
	CHECK_LINE(page, "socket_tracer_request_duration_seconds_count{protocol=\"http\","
			 "role=\"client\",endpoint=\"GET /a\"} 2");
	CHECK_LINE(page, "socket_tracer_request_duration_seconds_bucket{protocol=\"http\","
			 "role=\"client\",endpoint=\"GET /b\",le=\"10\"} 0");
	CHECK_LINE(page, "socket_tracer_request_duration_seconds_bucket{protocol=\"http\","
			 "role=\"client\",endpoint=\"GET /b\",le=\"+Inf\"} 1");
	CHECK_LINE(page, "socket_tracer_request_bytes_total{protocol=\"http\",role=\"client\","
			 "endpoint=\"GET /a\"} 30");
	CHECK_LINE(page, "socket_tracer_response_bytes_total{protocol=\"http\",role=\"client\","
			 "endpoint=\"GET /b\"} 1100");
	CHECK_LINE(page, "socket_tracer_series{family=\"requests\"} 3");
	CHECK_LINE(page, "socket_tracer_series_overflowed_total{family=\"requests\"} 2");
	free(page);
	metrics_registry_close(registry);
}

static struct event close_event(uint32_t sock_flags, const char *remote, uint64_t sent,
				uint64_t recv)
{
	struct event ev = {
		.kind = ST_EV_CLOSE,
		.family = AF_INET,
		.sock_flags = sock_flags,
		.protocol = protocol_number(protocol_by_name("http")),
		.bytes_sent = sent,
		.bytes_recv = recv,
	};

	strcpy(ev.remote, remote);
	return ev;
}

static void test_connections_and_health(void)
{
	struct metrics_health health = { .lost_samples = 5, .tracepoints_attached = 40 };
	struct metrics_registry *registry;
	struct event ev;
	char *page;

	CHECK_INT(metrics_registry_open(10, &registry), 0);
	/* a server's clients by address: two ports, one series */
	ev = close_event(ST_SOCK_SERVER, "10.0.0.7:40001", 100, 10);
	metrics_registry_connection(registry, &ev);
	ev = close_event(ST_SOCK_SERVER, "10.0.0.7:40002", 200, 20);
	metrics_registry_connection(registry, &ev);
	/* a client's server with its port */
	ev = close_event(ST_SOCK_CLIENT, "10.0.0.8:80", 1, 2);
	metrics_registry_connection(registry, &ev);
	health.events_by_kind[ST_EV_DATA] = 12;
	health.table_full[ST_FULL_SOCKS] = 3;
	metrics_registry_health(registry, &health);
	page = render(registry);
	CHECK_LINE(page, "socket_tracer_connections_total{protocol=\"http\",role=\"server\","
			 "remote=\"10.0.0.7\"} 2");
	CHECK_LINE(page, "socket_tracer_connection_sent_bytes_total{protocol=\"http\","
			 "role=\"server\",remote=\"10.0.0.7\"} 300");
	CHECK_LINE(page, "socket_tracer_connection_received_bytes_total{protocol=\"http\","
			 "role=\"client\",remote=\"10.0.0.8:80\"} 2");
	CHECK_LINE(page, "socket_tracer_events_total{kind=\"data\"} 12");
	CHECK_LINE(page, "socket_tracer_lost_samples_total{cause=\"buffer_full\"} 5");
	CHECK_LINE(page, "socket_tracer_untraced_sockets_total 3");
	CHECK_LINE(page, "socket_tracer_probes_attached{kind=\"tracepoint\"} 40");
	CHECK_INT(occurrences(page, "\nsocket_tracer_cpu_seconds_total "), 1);
	free(page);
	metrics_registry_close(registry);
}

/* Many endpoints of every protocol and role: the bound holds, each pair
 * gets its "(other)", and every observation past the bound is counted. */
static void test_bound_under_many(void)
{
	static const char *const roles[] = { "client", "server", "unknown" };
	struct metrics_registry *registry;
	uint64_t observations = 0;
	char line[128];
	char *page;

	CHECK_INT(metrics_registry_open(500, &registry), 0);
	for (unsigned p = 0; p < protocol_count; p++) {
		for (int r = 0; r < 3; r++) {
			for (int e = 0; e < 100; e++) {
				struct request_summary summary = request("", "ok", 1000);

				summary.protocol = protocol_registry[p];
				summary.role = roles[r];
				snprintf(summary.endpoint, sizeof(summary.endpoint), "e%d", e);
				metrics_registry_request(registry, &summary);
				observations++;
			}
		}
	}
	page = render(registry);
	snprintf(line, sizeof(line), "socket_tracer_series{family=\"requests\"} %u\n",
		 500 + (protocol_count * 3 - 5));
	/* 500 fill the first five pairs; each later pair has only "(other)" */
	CHECK_INT(occurrences(page, line), 1);
	snprintf(line, sizeof(line),
		 "socket_tracer_series_overflowed_total{family=\"requests\"} %llu\n",
		 (unsigned long long)(observations - 500));
	CHECK_INT(occurrences(page, line), 1);
	snprintf(line, sizeof(line),
		 "socket_tracer_requests_total{protocol=\"%s\",role=\"unknown\","
		 "endpoint=\"(other)\",status=\"ok\"} 100\n",
		 protocol_registry[protocol_count - 1]->name);
	CHECK_INT(occurrences(page, line), 1);
	free(page);
	metrics_registry_close(registry);
}

int main(void)
{
	test_hostile_labels();
	test_requests_and_bounds();
	test_connections_and_health();
	test_bound_under_many();
	return check_report("test_metrics");
}
