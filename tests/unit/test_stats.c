/* --stats' parts: the histogram's percentiles keep their stated error,
 * its drawing counts every value, and the table stays bounded, folding a
 * server's clients by host. */
#include <stdlib.h>
#include <sys/socket.h>

#include "check.h"
#include "protocols/http.h"
#include "stats/endpoint_stats.h"
#include "stats/latency_histogram.h"

static int u64_order(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Values spread over six orders of magnitude: each quantile is within
 * 1/32 of the exact one, the ends exact. */
static void quantiles_check(void)
{
	enum { N = 20000 };
	static uint64_t values[N];
	static struct latency_histogram histogram;
	static const double qs[] = { 0.01, 0.25, 0.5, 0.9, 0.99, 0.999 };
	uint64_t seed = 88172645463325252ull;

	for (int i = 0; i < N; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		values[i] = 1000 + seed % 1000 * (1ull << (seed >> 40) % 20);
		latency_histogram_add(&histogram, values[i]);
	}
	qsort(values, N, sizeof(values[0]), u64_order);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		uint64_t exact = values[(size_t)(qs[i] * N + 0.999999) - 1];
		uint64_t got = latency_histogram_quantile(&histogram, qs[i]);
		double error = ((double)got - (double)exact) / (double)exact;

		if (error < -1.0 / 32 || error > 1.0 / 32)
			fprintf(stderr, "q %.3f: %llu for %llu\n", qs[i], (unsigned long long)got,
				(unsigned long long)exact);
		CHECK(error >= -1.0 / 32 && error <= 1.0 / 32);
	}
	CHECK_INT(latency_histogram_quantile(&histogram, 1.0), values[N - 1]);
	CHECK_INT(histogram.min_ns, values[0]);
	CHECK_INT(histogram.count, N);

	/* the drawing's counts add up to all of them */
	static char text[16384];
	struct strbuf out;
	uint64_t drawn = 0;

	strbuf_init(&out, text, sizeof(text));
	latency_histogram_draw(&out, &histogram, "");
	CHECK(!out.truncated);
	for (const char *line = strchr(text, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
		unsigned long long from, to, count;

		CHECK(sscanf(line, "%llu -> %llu : %llu", &from, &to, &count) == 3);
		drawn += count;
	}
	CHECK_INT(drawn, N);
}

static void extremes_check(void)
{
	struct latency_histogram histogram = { 0 };

	CHECK_INT(latency_histogram_quantile(&histogram, 0.5), 0);
	latency_histogram_add(&histogram, UINT64_MAX);
	latency_histogram_add(&histogram, 0);
	CHECK_INT(latency_histogram_quantile(&histogram, 0.5), 0);
	CHECK(latency_histogram_quantile(&histogram, 1.0) == UINT64_MAX);
}

static struct request_summary request_make(const char *role, const char *remote,
					   const char *endpoint, enum outcome outcome)
{
	struct request_summary request = {
		.protocol = &http_protocol,
		.name = "http",
		.role = role,
		.remote = remote,
		.family = remote[0] == '/' ? AF_UNIX : remote[0] == '[' ? AF_INET6 : AF_INET,
		.outcome = outcome,
		.timed = outcome != OUTCOME_NONE,
		.latency_ns = 1000,
	};

	snprintf(request.endpoint, sizeof(request.endpoint), "%s", endpoint);
	return request;
}

static void table_check(void)
{
	struct endpoint_stats stats;
	char endpoint[32];

	CHECK_INT(endpoint_stats_init(&stats), 0);
	/* a server's clients, each from its own port: one row by host */
	for (int port = 40000; port < 40010; port++) {
		char remote[32];

		snprintf(remote, sizeof(remote), "[::1]:%d", port);
		struct request_summary request =
			request_make("server", remote, "GET /", port % 2 ? OUTCOME_CLIENT_ERROR
								     : OUTCOME_SERVER_ERROR);
		endpoint_stats_add(&stats, &request);
	}
	CHECK_INT(stats.count, 1);
	CHECK_STR(stats.rows[0].remote, "[::1]");
	CHECK_INT(stats.rows[0].count, 10);
	CHECK_INT(stats.rows[0].client_errors, 5);
	CHECK_INT(stats.rows[0].server_errors, 5);
	CHECK_INT(stats.rows[0].errors, 10);
	/* a client keeps the server's port; a unix path stays whole */
	struct request_summary client = request_make("client", "127.0.0.1:80", "GET /", OUTCOME_OK);
	struct request_summary local = request_make("server", "/run/x.sock", "GET /", OUTCOME_NONE);

	endpoint_stats_add(&stats, &client);
	endpoint_stats_add(&stats, &local);
	CHECK_STR(stats.rows[1].remote, "127.0.0.1:80");
	CHECK_STR(stats.rows[2].remote, "/run/x.sock");
	CHECK_INT(stats.rows[2].no_response, 1);
	CHECK_INT(stats.rows[2].latency.count, 0);
	/* past STATS_ROWS_MAX keys, one overflow row takes the rest */
	for (int i = 0; i < STATS_ROWS_MAX + 100; i++) {
		snprintf(endpoint, sizeof(endpoint), "GET /%d", i);
		struct request_summary request =
			request_make("client", "127.0.0.1:80", endpoint, OUTCOME_OK);
		endpoint_stats_add(&stats, &request);
	}
	CHECK_INT(stats.count, STATS_ROWS_MAX);
	CHECK_INT(stats.overflow.count, 103);
	CHECK_INT(stats.requests, 10 + 2 + STATS_ROWS_MAX + 100);
	endpoint_stats_free(&stats);
}

int main(void)
{
	quantiles_check();
	extremes_check();
	table_check();
	return check_report("test_stats");
}
