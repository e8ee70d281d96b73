/*
 * The MySQL / MariaDB client/server protocol: the server's greeting, the
 * login (HandshakeResponse41, the auth exchange), commands (COM_QUERY,
 * COM_STMT_PREPARE / EXECUTE, COM_INIT_DB, COM_PING, COM_QUIT, ...) and
 * their responses (OK, ERR, result sets). See mysql.c.
 */
#ifndef ST_PROTO_MYSQL_H
#define ST_PROTO_MYSQL_H

#include "protocols/protocol.h"

#define MYSQL_PARAMS_MAX 8        /* COM_STMT_EXECUTE parameters kept (all are counted) */
#define MYSQL_PARAM_TEXT 48       /* bytes of each parameter's rendering, NUL included */
#define MYSQL_STATEMENTS_MAX 12   /* prepared statements remembered per connection */
#define MYSQL_STATEMENT_TEXT 200  /* bytes of a remembered statement's text, NUL included */

enum mysql_kind {
	MYSQL_NONE,          /* no packet yet: a zeroed body */
	/* client */
	MYSQL_LOGIN,         /* HandshakeResponse41 (or 320) */
	MYSQL_SSL_REQUEST,   /* a short HandshakeResponse with CLIENT_SSL: TLS follows */
	MYSQL_AUTH_DATA,     /* the client's answer to an auth switch / more data: a credential */
	MYSQL_COMMAND,       /* a COM_* command: command holds its byte */
	MYSQL_INFILE_DATA,   /* the file a LOAD DATA LOCAL INFILE asked for, up to its empty packet */
	/* server */
	MYSQL_GREETING,      /* the initial handshake (protocol 10) */
	MYSQL_OK,
	MYSQL_ERR,
	MYSQL_EOF,           /* an EOF packet alone */
	MYSQL_RESULT_SET,    /* columns, rows, the terminator (and more results) */
	MYSQL_PREPARE_OK,    /* COM_STMT_PREPARE's answer, its parameter and column definitions */
	MYSQL_AUTH_SWITCH,   /* AuthSwitchRequest: plugin name */
	MYSQL_AUTH_MORE,     /* AuthMoreData */
	MYSQL_INFILE_REQUEST, /* 0xfb: the server asks for a local file */
	MYSQL_REPLY,         /* another command's answer (a string, field list) */
};

/* A response's progress through a result set, between PARSE_CONTINUE calls. */
enum mysql_phase {
	MYSQL_PHASE_FIRST,      /* the first packet */
	MYSQL_PHASE_COLUMNS,    /* column definitions still to come */
	MYSQL_PHASE_COLUMNS_EOF, /* the EOF after them */
	MYSQL_PHASE_ROWS,       /* rows, up to the terminator */
	MYSQL_PHASE_PARAMS,     /* COM_STMT_PREPARE: parameter definitions */
	MYSQL_PHASE_PARAMS_EOF,
	MYSQL_PHASE_PCOLUMNS,   /* COM_STMT_PREPARE: column definitions */
	MYSQL_PHASE_PCOLUMNS_EOF,
	MYSQL_PHASE_FIELDS,     /* COM_FIELD_LIST: definitions up to EOF */
	MYSQL_PHASE_INFILE,     /* client: file packets up to the empty one */
};

struct mysql_message {
	uint8_t kind;           /* enum mysql_kind */
	uint8_t phase;          /* enum mysql_phase: parse progress */
	bool continued;         /* the last packet was 16 MiB - 1: the next one goes on with it */
	uint8_t seq;            /* the sequence id of its first packet */
	uint32_t packets;       /* packets of the message, continuations included */

	/* --- requests --- */
	uint8_t command;        /* MYSQL_COMMAND: the COM_* byte */
	char user[TEXT_SHORT];
	char database[TEXT_SHORT]; /* login, COM_INIT_DB, COM_CHANGE_USER */
	char plugin[32];        /* login: auth plugin; AuthSwitchRequest: the new one */
	bool have_auth;         /* an auth response was sent (masked, not kept) */
	uint32_t capabilities;  /* login: the client's; greeting: the server's */
	char query[TEXT_LONG];  /* COM_QUERY, COM_STMT_PREPARE, an execute's remembered text */
	bool query_known;       /* COM_STMT_EXECUTE: the statement's text was remembered */
	uint64_t query_len;     /* the text's length as sent */
	uint32_t statement_id;  /* COM_STMT_EXECUTE, _CLOSE, _RESET, _FETCH, _SEND_LONG_DATA */
	uint16_t n_params;      /* COM_STMT_EXECUTE: parameters (0 when not known) */
	bool params_known;      /* the parameter count was known (the prepare was seen) */
	bool params_cut;        /* the values went past what was read */
	uint8_t param_type[MYSQL_PARAMS_MAX];
	bool param_null[MYSQL_PARAMS_MAX];
	char params[MYSQL_PARAMS_MAX][MYSQL_PARAM_TEXT];
	uint32_t fetch_rows;    /* COM_STMT_FETCH */

	/* --- responses --- */
	uint64_t affected_rows; /* OK */
	uint64_t last_insert_id;
	uint16_t status;        /* the last OK / EOF's server status */
	uint16_t warnings;
	char info[TEXT_SHORT];  /* the OK's human-readable info ("Records: 3 ...") */
	uint16_t error_code;    /* ERR */
	char sql_state[6];
	char error[TEXT_LONG];
	uint64_t columns;       /* result set: columns of the first result */
	uint64_t columns_left;  /* parse progress */
	uint64_t rows;          /* rows of all results */
	uint64_t row_bytes;     /* payload bytes of the rows */
	uint32_t results;       /* result sets (several: SERVER_MORE_RESULTS_EXISTS) */
	uint16_t prepare_params; /* PREPARE_OK: its parameters */
	uint64_t params_left;   /* parse progress */
	/* Greeting. */
	uint8_t protocol_version;
	char server_version[TEXT_SHORT];
	uint32_t connection_id;
	uint8_t auth_more;      /* AuthMoreData's first byte (3: fast auth ok, 4: full auth) */
};
PROTOCOL_BODY_FITS(struct mysql_message);

/* One statement the connection prepared (ctx->conn_state). */
struct mysql_statement {
	uint32_t used;          /* when last prepared or executed; 0: a free slot */
	uint32_t id;
	uint16_t n_params;
	bool types_known;       /* types holds the last execute's bound types */
	uint8_t types[MYSQL_PARAMS_MAX];
	uint8_t flags[MYSQL_PARAMS_MAX]; /* 0x80: unsigned */
	char query[MYSQL_STATEMENT_TEXT];
};

struct mysql_conn_state {
	uint32_t clock;
	uint32_t last_id;       /* the last statement prepared: MariaDB's id -1 */
	struct mysql_statement statements[MYSQL_STATEMENTS_MAX];
};
_Static_assert(sizeof(struct mysql_conn_state) <= PROTOCOL_CONN_STATE_MAX,
	       "struct mysql_conn_state must fit the engine's connection state");

extern const struct protocol mysql_protocol;

bool mysql_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result mysql_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
				struct message *msg);

/* Command bytes (COM_*) the decoder names. */
#define MYSQL_COM_SLEEP 0x00
#define MYSQL_COM_QUIT 0x01
#define MYSQL_COM_INIT_DB 0x02
#define MYSQL_COM_QUERY 0x03
#define MYSQL_COM_FIELD_LIST 0x04
#define MYSQL_COM_STATISTICS 0x09
#define MYSQL_COM_PROCESS_KILL 0x0c
#define MYSQL_COM_PING 0x0e
#define MYSQL_COM_CHANGE_USER 0x11
#define MYSQL_COM_STMT_PREPARE 0x16
#define MYSQL_COM_STMT_EXECUTE 0x17
#define MYSQL_COM_STMT_SEND_LONG_DATA 0x18
#define MYSQL_COM_STMT_CLOSE 0x19
#define MYSQL_COM_STMT_RESET 0x1a
#define MYSQL_COM_SET_OPTION 0x1b
#define MYSQL_COM_STMT_FETCH 0x1c
#define MYSQL_COM_RESET_CONNECTION 0x1f

/* The name of a COM_* byte ("query", "stmt_execute"); NULL for unknown. */
const char *mysql_command_name(uint8_t command);
/* The name of a MYSQL_TYPE_* byte ("longlong", "var_string"); NULL unknown. */
const char *mysql_type_name(uint8_t type);

#endif
