#include "state/conn_ranking.h"

#include <inttypes.h>
#include <string.h>

#include "output/escape.h"

static uint64_t conn_total(const struct ranked_conn *conn)
{
	return conn->bytes_sent + conn->bytes_recv;
}

void conn_ranking_offer(struct conn_ranking *ranking, const struct ranked_conn *conn)
{
	int at = ranking->count;

	if (!conn_total(conn))
		return;
	while (at > 0 && conn_total(&ranking->top[at - 1]) < conn_total(conn))
		at--;
	if (at >= CONN_RANKING_SIZE)
		return;
	int last = ranking->count < CONN_RANKING_SIZE ? ranking->count : CONN_RANKING_SIZE - 1;
	memmove(&ranking->top[at + 1], &ranking->top[at], (last - at) * sizeof(ranking->top[0]));
	ranking->top[at] = *conn;
	if (ranking->count < CONN_RANKING_SIZE)
		ranking->count++;
}

void conn_ranking_print(const struct conn_ranking *ranking, FILE *out)
{
	if (!ranking->count)
		return;
	fprintf(out, "socket-tracer: top connections by bytes:\n");
	for (int i = 0; i < ranking->count; i++) {
		const struct ranked_conn *conn = &ranking->top[i];
		char comm[ST_COMM_LEN * 4 + 1];
		struct strbuf comm_buf;

		strbuf_init(&comm_buf, comm, sizeof(comm));
		escape_text(&comm_buf, conn->comm, strnlen((const char *)conn->comm, ST_COMM_LEN),
			    ST_COMM_LEN);
		fprintf(out,
			"  %7" PRIu32 " %-16s fd %-4" PRId32 " %-26s sent %" PRIu64 "B, recv %" PRIu64
			"B%s\n",
			conn->pid, comm, conn->fd, conn->remote[0] ? conn->remote : "-",
			conn->bytes_sent, conn->bytes_recv,
			conn->exited ? " (process exited without close)" : conn->open ? " (open)" : "");
	}
}
