/* The connections that moved the most bytes, for the exit summary. */
#ifndef ST_CONN_RANKING_H
#define ST_CONN_RANKING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "events/format.h"
#include "events/socket_tracer_abi.h"

#define CONN_RANKING_SIZE 5

struct ranked_conn {
	uint32_t pid;
	int32_t fd;
	uint8_t comm[ST_COMM_LEN];
	char remote[ADDR_TEXT_MAX];
	uint64_t bytes_sent;
	uint64_t bytes_recv;
	bool open;   /* not closed when the trace ended */
	bool exited; /* open, but its process is gone: it exited without close() */
};

struct conn_ranking {
	struct ranked_conn top[CONN_RANKING_SIZE]; /* most bytes first */
	int count;
};

/* Keeps conn if it is among the CONN_RANKING_SIZE largest by bytes in total. */
void conn_ranking_offer(struct conn_ranking *ranking, const struct ranked_conn *conn);

/* Prints the ranking, one line a connection, each payload-derived field escaped. */
void conn_ranking_print(const struct conn_ranking *ranking, FILE *out);

#endif
