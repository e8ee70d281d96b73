/* The PostgreSQL frontend/backend protocol. */
#ifndef ST_PROTO_POSTGRES_H
#define ST_PROTO_POSTGRES_H

#include "decode/protocol.h"

enum pg_kind {
	PG_STARTUP,         /* client: user, database */
	PG_SSL_REQUEST,     /* client: SSLRequest; server answers one byte S/N */
	PG_QUERY,           /* client: simple Query */
	PG_COMMAND_COMPLETE,/* server: tag */
	PG_ERROR,           /* server: ErrorResponse message */
	PG_READY,           /* server: ReadyForQuery (ends a reply) */
	PG_AUTH,            /* server: Authentication* */
	PG_OTHER,
};

struct pg_message {
	enum pg_kind kind;
	char user[TEXT_SHORT];
	char database[TEXT_SHORT];
	char query[TEXT_LONG];
	char tag[TEXT_SHORT];
	char severity[16];
	char code[8];              /* SQLSTATE */
	char error[TEXT_LONG];
};
PROTOCOL_BODY_FITS(struct pg_message);

extern const struct protocol postgres_protocol;

bool postgres_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result postgres_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
                             struct message *msg);

#endif
