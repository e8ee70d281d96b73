/* A finished exchange as --stats and --metrics count it: which endpoint of
 * which protocol, on which side, how it went and how long it took. */
#ifndef ST_REQUEST_SUMMARY_H
#define ST_REQUEST_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>

#include "events/event.h"
#include "protocols/exchange.h"

/* The endpoint of an exchange whose request was not seen. */
#define ENDPOINT_REQUEST_NOT_SEEN "(request not seen)"
/* ... and of one whose start was not captured (its framing lost). */
#define ENDPOINT_NOT_CAPTURED "(request start not captured)"

struct request_summary {
	const struct protocol *protocol;
	const char *name;   /* the protocol's, or what it carries ("grpc") */
	const char *role;   /* "client", "server", "unknown" */
	const char *remote; /* the peer, "" unknown */
	uint16_t family;    /* AF_* of the connection */
	char endpoint[ENDPOINT_MAX];   /* bytes of the payload: escape to print */
	enum outcome outcome;
	char status[STATUS_CLASS_MAX]; /* "" when OUTCOME_NONE */
	bool timed;                    /* both request and response seen */
	uint64_t latency_ns;           /* first byte of the request to last of the response */
	uint64_t request_bytes;
	uint64_t response_bytes;
};

/* Fills out from an exchange; false for one that is no request (a server
 * push, a message alone), which neither counts. */
bool request_summary_of(const struct event *ev, const struct exchange *exchange,
			struct request_summary *out);

#endif
