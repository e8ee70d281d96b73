/* conn_ranking keeps the largest connections by bytes, largest first. */
#include <stdlib.h>

#include "check.h"
#include "state/conn_ranking.h"

static struct ranked_conn conn_make(uint32_t pid, uint64_t sent, uint64_t recv)
{
	struct ranked_conn conn = { .pid = pid, .fd = 3, .bytes_sent = sent, .bytes_recv = recv };
	return conn;
}

int main(void)
{
	struct conn_ranking ranking = { 0 };
	/* Totals 30, 0, 70, 10, 50, 60, 20, 90: the top five are 90 70 60 50 30. */
	static const uint64_t sent[] = { 10, 0, 70, 5, 25, 60, 20, 45 };
	static const uint64_t recv[] = { 20, 0, 0, 5, 25, 0, 0, 45 };

	for (uint32_t i = 0; i < sizeof(sent) / sizeof(sent[0]); i++) {
		struct ranked_conn conn = conn_make(i + 1, sent[i], recv[i]);
		conn_ranking_offer(&ranking, &conn);
	}
	CHECK_INT(ranking.count, CONN_RANKING_SIZE);
	CHECK_INT(ranking.top[0].pid, 8);
	CHECK_INT(ranking.top[1].pid, 3);
	CHECK_INT(ranking.top[2].pid, 6);
	CHECK_INT(ranking.top[3].pid, 5);
	CHECK_INT(ranking.top[4].pid, 1);

	/* A connection that moved nothing is never ranked. */
	struct conn_ranking empty = { 0 };
	struct ranked_conn idle = conn_make(9, 0, 0);
	conn_ranking_offer(&empty, &idle);
	CHECK_INT(empty.count, 0);

	/* Printing escapes a hostile comm. */
	struct ranked_conn hostile = conn_make(7, 1, 1);
	memcpy(hostile.comm, "\x1b[2Jevil", 8);
	conn_ranking_offer(&empty, &hostile);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	conn_ranking_print(&empty, out);
	fclose(out);
	CHECK(strstr(text, "\\x1b[2Jevil") != NULL);
	CHECK(strchr(text, '\x1b') == NULL);
	free(text);
	return check_report("test_conn_ranking");
}
