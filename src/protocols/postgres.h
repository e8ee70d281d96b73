/*
 * The PostgreSQL frontend/backend protocol 3: one request is a client
 * message (StartupMessage, Query, a password) or an extended-query batch
 * up to its Sync; one response is everything the server sends until
 * ReadyForQuery (or an authentication request, a FATAL error, the one-byte
 * SSL answer). See postgres.c.
 */
#ifndef ST_PROTO_POSTGRES_H
#define ST_PROTO_POSTGRES_H

#include "protocols/protocol.h"

#define PG_TAGS_MAX 8        /* CommandComplete tags kept (all are counted) */
#define PG_PARAMS_MAX 8      /* Bind parameters kept (all are counted) */
#define PG_PARAM_BYTES 48    /* bytes of each parameter value kept */
#define PG_MESSAGES_MAX 24   /* type letters of a batch's messages kept */
#define PG_STATEMENTS_MAX 12 /* prepared statements remembered per connection */
#define PG_STATEMENT_TEXT 200 /* bytes of a remembered statement's text, NUL included */

enum pg_kind {
	PG_NONE,            /* no message yet: a zeroed body */
	/* client */
	PG_STARTUP,         /* user, database, application */
	PG_SSL_REQUEST,     /* the server answers one byte S/N */
	PG_GSSENC_REQUEST,  /* the server answers one byte G/N */
	PG_CANCEL,          /* CancelRequest: process id; no answer */
	PG_QUERY,           /* simple Query */
	PG_EXTENDED,        /* Parse, Bind, Describe, Execute, Close, Flush ... Sync */
	PG_PASSWORD,        /* 'p': a credential (see enum pg_credential) */
	PG_FUNCTION_CALL,   /* FunctionCall: function oid */
	/* server */
	PG_SSL_ANSWER,      /* tag[0]: S, G or N */
	PG_REPLY,           /* the backend messages up to ReadyForQuery */
};

/* What a 'p' message is, from the authentication request before it. */
enum pg_credential {
	PG_CRED_UNKNOWN,    /* the request was not seen */
	PG_CRED_PASSWORD,   /* PasswordMessage: cleartext, or "md5" and a hash */
	PG_CRED_SASL_INITIAL, /* SASLInitialResponse: mechanism, client-first-message */
	PG_CRED_SASL,       /* SASLResponse: client-final-message */
	PG_CRED_GSS,        /* GSSResponse: a GSSAPI/SSPI token */
};

/* One Bind parameter, as sent. */
struct pg_param {
	int32_t length;        /* bytes as sent; -1: NULL */
	uint32_t type_oid;     /* from the Parse of the same batch; 0 unknown */
	bool binary;           /* format code 1 */
	uint8_t kept;          /* bytes of value kept: min(length, PG_PARAM_BYTES) */
	uint8_t value[PG_PARAM_BYTES];
};

struct pg_message {
	enum pg_kind kind;

	/* --- requests --- */
	char user[TEXT_SHORT];
	char database[TEXT_SHORT];
	char application[TEXT_SHORT];
	uint32_t cancel_pid;
	uint32_t function_oid;
	/* Query text: a Query's, or the first Parse's of a batch. */
	char query[TEXT_LONG];
	/* Extended query: the first Parse, Bind, Describe, Execute, Close. */
	char statement[TEXT_SHORT]; /* the Parse's (or, without one, the Bind's) statement */
	char portal[TEXT_SHORT];    /* the Bind's portal */
	bool have_statement;        /* statement names one (a Parse or a Bind was seen) */
	/* query holds the statement's text: from the batch's Parse, or
	 * remembered from an earlier batch's (query_cached). */
	bool have_query;
	bool query_cached;
	bool have_bind;
	char describe;              /* 'S' or 'P' of the first Describe; 0 none */
	char close;                 /* 'S' or 'P' of the first Close; 0 none */
	char close_name[TEXT_SHORT];
	uint32_t max_rows;          /* the first Execute's; 0: all */
	uint32_t n_parse, n_bind, n_execute;
	uint16_t n_params;          /* the first Bind's parameters, as sent */
	uint16_t n_param_types;     /* the first Parse's parameter types, as sent */
	struct pg_param params[PG_PARAMS_MAX];
	char messages[PG_MESSAGES_MAX + 1]; /* the batch's type letters: "PBDES" */
	uint32_t n_messages;
	/* A 'p' message: what it is, the SASL mechanism, the credential itself
	 * (masked by the formatter unless --show-secrets). */
	enum pg_credential credential_kind;
	char mechanism[TEXT_SHORT];
	char credential[TEXT_LONG];

	/* --- responses --- */
	char tags[PG_TAGS_MAX][TEXT_SHORT]; /* CommandComplete tags, in order */
	uint32_t n_tags;
	uint64_t rows;              /* DataRows */
	uint32_t n_backend;         /* backend messages of the reply */
	char severity[16];          /* the first ErrorResponse: 'V' (or 'S') */
	char code[8];               /* its SQLSTATE */
	char error[TEXT_LONG];      /* its message */
	bool have_error;
	uint32_t n_notices;
	char notice[TEXT_SHORT];    /* the first NoticeResponse's message */
	uint32_t n_notifications;
	char channel[TEXT_SHORT];   /* the first NotificationResponse's channel */
	char payload[TEXT_SHORT];   /* and payload */
	char parameter[TEXT_SHORT]; /* a ParameterStatus alone (a push): "name=value" */
	bool have_auth;
	uint32_t auth;              /* the last Authentication code (0: Ok) */
	char mechanisms[TEXT_SHORT]; /* AuthenticationSASL's, comma separated */
	bool auth_request;          /* the reply ends at an authentication request */
	char status;                /* ReadyForQuery's I, T or E; 0: not (yet) seen */
	bool empty_query, suspended, parse_complete, bind_complete, close_complete;
	char copy;                  /* 'i' CopyIn, 'o' CopyOut, 'b' CopyBoth; 0 none */
	char tag[4];                /* PG_SSL_ANSWER: the byte, then S or G for what was asked */
};
PROTOCOL_BODY_FITS(struct pg_message);

/*
 * The connection's prepared statements (ctx->conn_state), so that a Bind
 * of a statement parsed in an earlier batch shows its text: each Parse
 * remembers its statement (the unnamed one too), the least recently used
 * making room; Close of a statement, a simple Query (the unnamed one),
 * DEALLOCATE and DISCARD ALL forget. Names longer than TEXT_SHORT - 1
 * bytes are not remembered.
 */
struct pg_statement {
	uint32_t used;                 /* when last parsed or bound; 0: a free slot */
	uint16_t n_types;              /* parameter types the Parse gave, as sent */
	char name[TEXT_SHORT];
	char query[PG_STATEMENT_TEXT]; /* cut with "..." */
	uint32_t types[PG_PARAMS_MAX];
};

struct pg_conn_state {
	uint32_t clock;                /* the last stamp given */
	struct pg_statement statements[PG_STATEMENTS_MAX];
};
_Static_assert(sizeof(struct pg_conn_state) <= PROTOCOL_CONN_STATE_MAX,
	       "struct pg_conn_state must fit the engine's connection state");

extern const struct protocol postgres_protocol;

bool postgres_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result postgres_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
				   struct message *msg);

#endif
