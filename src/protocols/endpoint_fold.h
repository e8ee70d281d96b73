/*
 * Endpoints (struct protocol's endpoint_put) are what --stats and
 * --metrics group requests by, so each must take a few hundred values, not
 * one per request: the parts of a name that carry an id (a user's number,
 * a device's UUID, an object's hash) are folded into one mark. Shared by
 * the protocols whose names are paths: HTTP paths, MQTT topics, AMQP
 * routing keys.
 */
#ifndef ST_ENDPOINT_FOLD_H
#define ST_ENDPOINT_FOLD_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"
#include "protocols/protocol.h"

/* What a folded segment becomes. */
#define ENDPOINT_ID "{id}"

/* The segment text[0..len) is an id: all decimal digits; a UUID
 * (8-4-4-4-12 hex digits); or at least 8 hex digits of which one at least
 * is a decimal digit (a hash, an ObjectId: a word such as "deadbeef" or
 * "accede" stays). Empty is not an id. */
bool endpoint_segment_is_id(const char *text, size_t len);

/* Appends text[0..len) to out with each segment between separators that
 * is an id replaced by ENDPOINT_ID: "/users/42/posts" -> "/users/{id}/posts".
 * Separators and empty segments are kept; other bytes are copied as they
 * are (the output escapes them). An HTTP caller cuts the query string off
 * first. Linear in len; cut at out's size like any append. */
void endpoint_fold_segments(struct strbuf *out, const char *text, size_t len, char separator);

/* When out was cut, its end becomes "..." (not splitting a UTF-8
 * sequence), so that a cut endpoint is not taken for a whole one. */
void endpoint_mark_cut(struct strbuf *out);

/* An HTTP status (HTTP/1.x, HTTP/2) as an outcome, its class ("4xx")
 * into status; "unknown" when the status line was not captured. */
enum outcome endpoint_http_outcome(unsigned code, char *status);

#endif
