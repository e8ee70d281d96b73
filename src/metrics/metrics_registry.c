#include "metrics/metrics_registry.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "metrics/prometheus_text.h"
#include "protocols/protocol.h"

/* A label value's room: an endpoint (ENDPOINT_MAX bytes) each byte of
 * which may become \xNN; longer ones are cut. */
#define LABEL_MAX (4 * ENDPOINT_MAX)
#define STATUS_LABEL_MAX (4 * STATUS_CLASS_MAX)
/* Status classes kept per endpoint, the last one "(other)" once full:
 * protocols have a few ("2xx", "4xx", "NXDOMAIN"). */
#define STATUSES_MAX 8
/* The status of a request no response answered. */
#define STATUS_NONE "(none)"

/* Latency buckets, 1-2.5-5 steps from 10 us to 10 s: a server answers on
 * the loopback in tens of microseconds, a slow query takes seconds. The le
 * labels are written out so that they read as Prometheus clients write
 * them. */
static const struct {
	uint64_t ns;
	const char *le;
} buckets[] = {
	{ 10000, "1e-05" },	{ 25000, "2.5e-05" },	{ 50000, "5e-05" },
	{ 100000, "0.0001" },	{ 250000, "0.00025" },	{ 500000, "0.0005" },
	{ 1000000, "0.001" },	{ 2500000, "0.0025" },	{ 5000000, "0.005" },
	{ 10000000, "0.01" },	{ 25000000, "0.025" },	{ 50000000, "0.05" },
	{ 100000000, "0.1" },	{ 250000000, "0.25" },	{ 500000000, "0.5" },
	{ 1000000000, "1" },	{ 2500000000u, "2.5" }, { 5000000000u, "5" },
	{ 10000000000u, "10" },
};
#define BUCKETS_NR (sizeof(buckets) / sizeof(buckets[0]))

enum role { ROLE_CLIENT, ROLE_SERVER, ROLE_UNKNOWN, ROLE_NR };
static const char *const role_names[ROLE_NR] = {
	[ROLE_CLIENT] = "client",
	[ROLE_SERVER] = "server",
	[ROLE_UNKNOWN] = "unknown",
};

struct series_key {
	uint8_t protocol;     /* protocol_number, 0 none */
	uint8_t role;	      /* enum role */
	char text[LABEL_MAX]; /* endpoint or remote, a valid label value */
};

/* A family's label sets, in the order first seen, found by hash. */
struct series_index {
	struct series_key *keys;
	uint32_t *slots; /* a key's index + 1; 0 free */
	uint32_t slot_mask;
	uint32_t count;
	uint32_t room;	     /* bound, and an "(other)" series per protocol and role */
	uint32_t bound;	     /* keys not "(other)" at most */
	uint32_t bounded;    /* keys not "(other)" */
	uint64_t overflowed; /* observations sent to "(other)" for want of room */
};

struct request_series {
	char status[STATUSES_MAX][STATUS_LABEL_MAX];
	uint64_t by_status[STATUSES_MAX];
	uint32_t statuses;
	uint64_t in_bucket[BUCKETS_NR + 1]; /* not cumulative; the last: above 10 s */
	uint64_t timed;
	uint64_t latency_ns_sum;
	uint64_t request_bytes;
	uint64_t response_bytes;
};

struct conn_series {
	uint64_t connections;
	uint64_t bytes_sent;
	uint64_t bytes_recv;
};

struct metrics_registry {
	pthread_mutex_t lock;
	struct series_index requests_index;
	struct request_series *requests;
	struct series_index conns_index;
	struct conn_series *conns;
	struct metrics_health health;
};

static uint32_t key_hash(const struct series_key *key)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	h = (h ^ key->protocol) * 16777619u;
	h = (h ^ key->role) * 16777619u;
	for (const char *c = key->text; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	return h;
}

static bool key_equal(const struct series_key *a, const struct series_key *b)
{
	return a->protocol == b->protocol && a->role == b->role && !strcmp(a->text, b->text);
}

static int series_index_init(struct series_index *index, uint32_t bound)
{
	uint32_t slots = 1;

	memset(index, 0, sizeof(*index));
	index->bound = bound;
	index->room = bound + (protocol_count + 1) * ROLE_NR;
	while (slots < 2 * index->room)
		slots <<= 1;
	index->slot_mask = slots - 1;
	index->keys = calloc(index->room, sizeof(*index->keys));
	index->slots = calloc(slots, sizeof(*index->slots));
	return index->keys && index->slots ? 0 : -ENOMEM;
}

static void series_index_free(struct series_index *index)
{
	free(index->keys);
	free(index->slots);
}

/* The index of key's series, entered when new; a new key past the bound
 * becomes its protocol and role's "(other)". */
static uint32_t series_index_find(struct series_index *index, struct series_key *key)
{
	bool other = !strcmp(key->text, METRICS_OTHER);
	uint32_t slot = key_hash(key) & index->slot_mask;

	for (;; slot = (slot + 1) & index->slot_mask) {
		uint32_t at = index->slots[slot];

		if (!at)
			break;
		if (key_equal(&index->keys[at - 1], key))
			return at - 1;
	}
	if (!other && index->bounded == index->bound) {
		index->overflowed++;
		strcpy(key->text, METRICS_OTHER);
		return series_index_find(index, key);
	}
	/* room counts every "(other)" there can be: the bound holds the rest */
	index->keys[index->count] = *key;
	index->slots[slot] = ++index->count;
	if (!other)
		index->bounded++;
	return index->count - 1;
}

static enum role role_of(const char *name)
{
	for (int i = 0; i < ROLE_NR; i++)
		if (!strcmp(role_names[i], name))
			return i;
	return ROLE_UNKNOWN;
}

int metrics_registry_open(uint32_t series_max, struct metrics_registry **out)
{
	struct metrics_registry *registry = calloc(1, sizeof(*registry));

	*out = NULL;
	if (!registry)
		return -ENOMEM;
	pthread_mutex_init(&registry->lock, NULL);
	if (series_index_init(&registry->requests_index, series_max) ||
	    series_index_init(&registry->conns_index, series_max))
		goto fail;
	registry->requests = calloc(registry->requests_index.room, sizeof(*registry->requests));
	registry->conns = calloc(registry->conns_index.room, sizeof(*registry->conns));
	if (!registry->requests || !registry->conns)
		goto fail;
	*out = registry;
	return 0;
fail:
	metrics_registry_close(registry);
	return -ENOMEM;
}

void metrics_registry_close(struct metrics_registry *registry)
{
	if (!registry)
		return;
	series_index_free(&registry->requests_index);
	series_index_free(&registry->conns_index);
	free(registry->requests);
	free(registry->conns);
	pthread_mutex_destroy(&registry->lock);
	free(registry);
}

/* The slot of a status label; past the room for them, "(other)"'s (the
 * last slot can only be taken by it). */
static uint32_t status_slot(struct request_series *series, char *text)
{
	for (uint32_t i = 0; i < series->statuses; i++)
		if (!strcmp(series->status[i], text))
			return i;
	if (series->statuses >= STATUSES_MAX - 1 && strcmp(text, METRICS_OTHER)) {
		strcpy(text, METRICS_OTHER);
		return status_slot(series, text);
	}
	strcpy(series->status[series->statuses], text);
	return series->statuses++;
}

static void latency_count(struct request_series *series, uint64_t ns)
{
	size_t b = 0;

	while (b < BUCKETS_NR && ns > buckets[b].ns)
		b++;
	series->in_bucket[b]++;
	series->timed++;
	series->latency_ns_sum += ns;
}

void metrics_registry_request(struct metrics_registry *registry,
			      const struct request_summary *summary)
{
	struct series_key key = { .protocol = protocol_number(summary->protocol),
				  .role = role_of(summary->role) };
	char status[STATUS_LABEL_MAX];
	struct strbuf label;
	struct request_series *series;

	strbuf_init(&label, key.text, sizeof(key.text));
	prom_label_text(&label, (const uint8_t *)summary->endpoint,
			strnlen(summary->endpoint, sizeof(summary->endpoint)));
	strbuf_init(&label, status, sizeof(status));
	if (summary->status[0])
		prom_label_text(&label, (const uint8_t *)summary->status,
				strnlen(summary->status, sizeof(summary->status)));
	else
		strbuf_puts(&label, STATUS_NONE);

	pthread_mutex_lock(&registry->lock);
	series = &registry->requests[series_index_find(&registry->requests_index, &key)];
	series->by_status[status_slot(series, status)]++;
	if (summary->timed)
		latency_count(series, summary->latency_ns);
	series->request_bytes += summary->request_bytes;
	series->response_bytes += summary->response_bytes;
	pthread_mutex_unlock(&registry->lock);
}

/* A server's clients come from a new port each: the address alone. */
static void remote_label(struct strbuf *label, const struct event *close, enum role role)
{
	size_t len = role == ROLE_SERVER ? format_remote_host_len(close->remote, close->family)
					 : strlen(close->remote);
	/* already text a terminal can show (format_addr escaped a unix path) */
	strbuf_append(label, close->remote, len);
}

void metrics_registry_connection(struct metrics_registry *registry, const struct event *close)
{
	struct series_key key = { .protocol =
					  protocol_by_number(close->protocol) ? close->protocol : 0,
				  .role = role_of(format_role(close->sock_flags)) };
	struct strbuf label;
	struct conn_series *series;

	strbuf_init(&label, key.text, sizeof(key.text));
	remote_label(&label, close, key.role);
	pthread_mutex_lock(&registry->lock);
	series = &registry->conns[series_index_find(&registry->conns_index, &key)];
	series->connections++;
	series->bytes_sent += close->bytes_sent;
	series->bytes_recv += close->bytes_recv;
	pthread_mutex_unlock(&registry->lock);
}

void metrics_registry_health(struct metrics_registry *registry, const struct metrics_health *health)
{
	pthread_mutex_lock(&registry->lock);
	registry->health = *health;
	pthread_mutex_unlock(&registry->lock);
}

static const char *protocol_label(uint8_t number)
{
	const struct protocol *protocol = protocol_by_number(number);

	return protocol ? protocol->name : "unknown";
}

static void requests_render(const struct metrics_registry *registry, FILE *out)
{
	const struct series_index *index = &registry->requests_index;
	const char *name;

	prom_family(out, "socket_tracer_requests_total", "counter",
		    "Requests finished, by endpoint (literals folded) and status class.");
	for (uint32_t i = 0; i < index->count; i++) {
		const struct series_key *key = &index->keys[i];
		const struct request_series *series = &registry->requests[i];

		for (uint32_t s = 0; s < series->statuses; s++) {
			struct prom_label labels[] = {
				{ "protocol", protocol_label(key->protocol) },
				{ "role", role_names[key->role] },
				{ "endpoint", key->text },
				{ "status", series->status[s] },
			};

			prom_sample_u64(out, "socket_tracer_requests_total", labels, 4,
					series->by_status[s]);
		}
	}
	name = "socket_tracer_request_duration_seconds";
	prom_family(out, name, "histogram",
		    "From the request's first byte to the response's last, of requests whose "
		    "both sides were seen.");
	for (uint32_t i = 0; i < index->count; i++) {
		const struct series_key *key = &index->keys[i];
		const struct request_series *series = &registry->requests[i];
		struct prom_label labels[] = {
			{ "protocol", protocol_label(key->protocol) },
			{ "role", role_names[key->role] },
			{ "endpoint", key->text },
			{ "le", NULL },
		};
		uint64_t cumulative = 0;

		for (size_t b = 0; b < BUCKETS_NR; b++) {
			cumulative += series->in_bucket[b];
			labels[3].value = buckets[b].le;
			prom_sample_u64(out, "socket_tracer_request_duration_seconds_bucket",
					labels, 4, cumulative);
		}
		labels[3].value = "+Inf";
		prom_sample_u64(out, "socket_tracer_request_duration_seconds_bucket", labels, 4,
				series->timed);
		prom_sample_double(out, "socket_tracer_request_duration_seconds_sum", labels, 3,
				   series->latency_ns_sum / 1e9);
		prom_sample_u64(out, "socket_tracer_request_duration_seconds_count", labels, 3,
				series->timed);
	}
	for (int response = 0; response < 2; response++) {
		name = response ? "socket_tracer_response_bytes_total"
				: "socket_tracer_request_bytes_total";
		prom_family(out, name, "counter",
			    response ? "Bytes of the responses, as the protocol frames them."
				     : "Bytes of the requests, as the protocol frames them.");
		for (uint32_t i = 0; i < index->count; i++) {
			const struct series_key *key = &index->keys[i];
			const struct request_series *series = &registry->requests[i];
			struct prom_label labels[] = {
				{ "protocol", protocol_label(key->protocol) },
				{ "role", role_names[key->role] },
				{ "endpoint", key->text },
			};

			prom_sample_u64(out, name, labels, 3,
					response ? series->response_bytes : series->request_bytes);
		}
	}
}

static void conns_render(const struct metrics_registry *registry, FILE *out)
{
	static const struct {
		const char *name;
		const char *help;
	} families[] = {
		{ "socket_tracer_connections_total", "Connections closed." },
		{ "socket_tracer_connection_sent_bytes_total",
		  "Bytes the closed connections sent, as the socket counted them." },
		{ "socket_tracer_connection_received_bytes_total",
		  "Bytes the closed connections received, as the socket counted them." },
	};
	const struct series_index *index = &registry->conns_index;

	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		prom_family(out, families[f].name, "counter", families[f].help);
		for (uint32_t i = 0; i < index->count; i++) {
			const struct series_key *key = &index->keys[i];
			const struct conn_series *series = &registry->conns[i];
			struct prom_label labels[] = {
				{ "protocol", protocol_label(key->protocol) },
				{ "role", role_names[key->role] },
				{ "remote", key->text },
			};
			uint64_t value = f == 0	  ? series->connections
					 : f == 1 ? series->bytes_sent
						  : series->bytes_recv;

			prom_sample_u64(out, families[f].name, labels, 3, value);
		}
	}
}

static double cpu_seconds(void)
{
	struct rusage self, children;
	double total = 0;

	/* children: the BPF compile runs in one */
	if (!getrusage(RUSAGE_SELF, &self))
		total += self.ru_utime.tv_sec + self.ru_stime.tv_sec +
			 (self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6;
	if (!getrusage(RUSAGE_CHILDREN, &children))
		total += children.ru_utime.tv_sec + children.ru_stime.tv_sec +
			 (children.ru_utime.tv_usec + children.ru_stime.tv_usec) / 1e6;
	return total;
}

static void health_render(const struct metrics_registry *registry, FILE *out)
{
	static const char *const tables[ST_FULL_NR] = {
		[ST_FULL_CLOSING] = "closing",
		[ST_FULL_CONNECTS] = "connects",
		[ST_FULL_INFLIGHT] = "inflight",
	};
	const struct metrics_health *health = &registry->health;
	struct prom_label label;

	prom_family(out, "socket_tracer_events_total", "counter", "Events decoded, by kind.");
	for (int kind = 0; kind < ST_EV_NR; kind++) {
		if (!event_kind_names[kind])
			continue;
		label = (struct prom_label){ "kind", event_kind_names[kind] };
		prom_sample_u64(out, "socket_tracer_events_total", &label, 1,
				health->events_by_kind[kind]);
	}
	prom_family(out, "socket_tracer_lost_samples_total", "counter",
		    "Samples lost: buffer_full (the reader fell behind), refused (the kernel "
		    "refused them otherwise), malformed (dropped by the decoder).");
	label = (struct prom_label){ "cause", "buffer_full" };
	prom_sample_u64(out, "socket_tracer_lost_samples_total", &label, 1, health->lost_samples);
	label.value = "refused";
	prom_sample_u64(out, "socket_tracer_lost_samples_total", &label, 1,
			health->refused_samples);
	label.value = "malformed";
	prom_sample_u64(out, "socket_tracer_lost_samples_total", &label, 1,
			health->malformed_samples);
	prom_family(out, "socket_tracer_untraced_sockets_total", "counter",
		    "Sockets not traced: the BPF socket table was full.");
	prom_sample_u64(out, "socket_tracer_untraced_sockets_total", NULL, 0,
			health->table_full[ST_FULL_SOCKS]);
	prom_family(out, "socket_tracer_table_full_total", "counter",
		    "Entries other BPF tables had no room for: closes, connect outcomes, socket "
		    "I/O not reported.");
	for (int table = 0; table < ST_FULL_NR; table++) {
		if (!tables[table])
			continue;
		label = (struct prom_label){ "table", tables[table] };
		prom_sample_u64(out, "socket_tracer_table_full_total", &label, 1,
				health->table_full[table]);
	}
	prom_family(out, "socket_tracer_probes_attached", "gauge",
		    "Probes attached: tracepoints, and uprobes on TLS code.");
	label = (struct prom_label){ "kind", "tracepoint" };
	prom_sample_u64(out, "socket_tracer_probes_attached", &label, 1,
			health->tracepoints_attached);
	label.value = "uprobe";
	prom_sample_u64(out, "socket_tracer_probes_attached", &label, 1, health->uprobes_attached);
	prom_family(out, "socket_tracer_tls_files_probed", "gauge",
		    "Files (libraries, programs) whose TLS functions are probed.");
	prom_sample_u64(out, "socket_tracer_tls_files_probed", NULL, 0, health->tls_files_probed);
	prom_family(out, "socket_tracer_cpu_seconds_total", "counter",
		    "CPU time of the tracer, user and system, with its BPF compile.");
	prom_sample_double(out, "socket_tracer_cpu_seconds_total", NULL, 0, cpu_seconds());
}

static void series_render(const struct metrics_registry *registry, FILE *out)
{
	const struct series_index *indexes[] = { &registry->requests_index,
						 &registry->conns_index };
	const char *const families[] = { "requests", "connections" };

	prom_family(
		out, "socket_tracer_series", "gauge",
		"Label sets in use, of at most --metrics-series each, and the \"(other)\" ones.");
	for (int i = 0; i < 2; i++) {
		struct prom_label label = { "family", families[i] };

		prom_sample_u64(out, "socket_tracer_series", &label, 1, indexes[i]->count);
	}
	prom_family(out, "socket_tracer_series_overflowed_total", "counter",
		    "Observations counted under \"(other)\": --metrics-series was reached.");
	for (int i = 0; i < 2; i++) {
		struct prom_label label = { "family", families[i] };

		prom_sample_u64(out, "socket_tracer_series_overflowed_total", &label, 1,
				indexes[i]->overflowed);
	}
}

/* index's keys and values (count of them, of value_size each), copied into
 * view's; the hash slots stay behind: a view is only read in order. */
static int index_copy(const struct series_index *index, const void *values, size_t value_size,
		      struct series_index *view, void **view_values)
{
	*view = *index;
	view->slots = NULL;
	/* + 1: malloc(0) may be NULL, which is no failure here */
	view->keys = malloc(index->count * sizeof(*index->keys) + 1);
	*view_values = malloc(index->count * value_size + 1);
	if (!view->keys || !*view_values)
		return -ENOMEM;
	memcpy(view->keys, index->keys, index->count * sizeof(*index->keys));
	memcpy(*view_values, values, index->count * value_size);
	return 0;
}

int metrics_registry_render(struct metrics_registry *registry, FILE *out)
{
	struct metrics_registry view = { 0 };
	void *requests = NULL;
	void *conns = NULL;
	int err;

	/* A copy under the lock (1 ms for 1000 series, 20 ms for 20000); the
	 * text, fifty times as long, without it: the session's thread, which
	 * records under the lock, is not held up by a scrape. */
	pthread_mutex_lock(&registry->lock);
	err = index_copy(&registry->requests_index, registry->requests, sizeof(*registry->requests),
			 &view.requests_index, &requests);
	if (!err)
		err = index_copy(&registry->conns_index, registry->conns, sizeof(*registry->conns),
				 &view.conns_index, &conns);
	view.health = registry->health;
	pthread_mutex_unlock(&registry->lock);
	view.requests = requests;
	view.conns = conns;
	if (!err) {
		requests_render(&view, out);
		conns_render(&view, out);
		health_render(&view, out);
		series_render(&view, out);
		err = fflush(out) || ferror(out) ? -ENOMEM : 0;
	}
	free(view.requests_index.keys);
	free(view.conns_index.keys);
	free(requests);
	free(conns);
	return err;
}
