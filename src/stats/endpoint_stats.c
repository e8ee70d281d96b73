#include "stats/endpoint_stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Open addressing at most half full. */
#define STATS_SLOTS (STATS_ROWS_MAX * 2)

int endpoint_stats_init(struct endpoint_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	stats->rows = calloc(STATS_ROWS_MAX, sizeof(*stats->rows));
	stats->slots = calloc(STATS_SLOTS, sizeof(*stats->slots));
	if (!stats->rows || !stats->slots) {
		endpoint_stats_free(stats);
		return -ENOMEM;
	}
	stats->overflow.role = "";
	return 0;
}

void endpoint_stats_free(struct endpoint_stats *stats)
{
	free(stats->rows);
	free(stats->slots);
	stats->rows = NULL;
	stats->slots = NULL;
}

/* A server's peer without its port: its clients by host. */
static void remote_key(const struct request_summary *request, char *out, size_t size)
{
	size_t len = !strcmp(request->role, "server")
			     ? format_remote_host_len(request->remote, request->family)
			     : strlen(request->remote);

	if (len >= size)
		len = size - 1;
	memcpy(out, request->remote, len);
	out[len] = '\0';
}

/* FNV-1a over the key's parts. */
static uint32_t key_hash(const struct request_summary *request, const char *remote)
{
	const char *parts[] = { request->name, request->role, remote, request->endpoint };
	uint32_t hash = 2166136261u;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		for (const char *c = parts[i];; c++) {
			hash = (hash ^ (uint8_t)*c) * 16777619u;
			if (!*c)
				break;
		}
	return hash;
}

static bool row_is(const struct stats_row *row, const struct request_summary *request,
		   const char *remote)
{
	return !strcmp(row->name, request->name) && !strcmp(row->role, request->role) &&
	       !strcmp(row->remote, remote) && !strcmp(row->endpoint, request->endpoint);
}

static struct stats_row *row_find(struct endpoint_stats *stats,
				  const struct request_summary *request)
{
	char remote[ADDR_TEXT_MAX];

	remote_key(request, remote, sizeof(remote));
	for (uint32_t slot = key_hash(request, remote) % STATS_SLOTS;;
	     slot = (slot + 1) % STATS_SLOTS) {
		uint32_t index = stats->slots[slot];

		if (index && row_is(&stats->rows[index - 1], request, remote))
			return &stats->rows[index - 1];
		if (index)
			continue;
		if (stats->count == STATS_ROWS_MAX)
			return &stats->overflow;
		struct stats_row *row = &stats->rows[stats->count++];

		stats->slots[slot] = stats->count;
		row->name = request->name;
		row->role = request->role;
		memcpy(row->remote, remote, sizeof(row->remote));
		memcpy(row->endpoint, request->endpoint, sizeof(row->endpoint));
		return row;
	}
}

void endpoint_stats_add(struct endpoint_stats *stats, const struct request_summary *request)
{
	struct stats_row *row = row_find(stats, request);

	stats->requests++;
	row->count++;
	row->request_bytes += request->request_bytes;
	row->response_bytes += request->response_bytes;
	switch (request->outcome) {
	case OUTCOME_NONE:
		row->no_response++;
		break;
	case OUTCOME_OK:
		break;
	case OUTCOME_CLIENT_ERROR:
		row->client_errors++;
		row->errors++;
		break;
	case OUTCOME_SERVER_ERROR:
		row->server_errors++;
		row->errors++;
		break;
	case OUTCOME_ERROR:
		row->errors++;
		break;
	}
	if (request->timed)
		latency_histogram_add(&row->latency, request->latency_ns);
}
