/*
 * gRPC over HTTP/2 (the gRPC project's PROTOCOL-HTTP2 document): a call is
 * a stream whose content-type is application/grpc; its messages are DATA
 * bytes, each behind a 5-byte prefix (a compressed flag, a 4-byte length);
 * its status comes in the response's trailers (grpc-status, grpc-message).
 */
#include <string.h>

#include "protocols/http2.h"
#include "protocols/parse_util.h"

bool grpc_content_type(const char *content_type)
{
	static const char grpc[] = "application/grpc";
	size_t n = sizeof(grpc) - 1;
	size_t len = strlen(content_type);

	/* "application/grpc", "application/grpc+proto", "...;charset=...". */
	return len >= n && ascii_equal_nocase((const uint8_t *)content_type, n, grpc, n) &&
	       (len == n || content_type[n] == '+' || content_type[n] == ';');
}

void grpc_scan(struct grpc_half *grpc, const uint8_t *bytes, size_t len, uint64_t uncaptured)
{
	while (len && !grpc->count_lost) {
		if (grpc->body_left) {
			size_t n = grpc->body_left < len ? grpc->body_left : len;

			grpc->body_left -= (uint32_t)n;
			bytes += n;
			len -= n;
			continue;
		}
		grpc->prefix[grpc->prefix_have++] = *bytes++;
		len--;
		if (grpc->prefix_have < sizeof(grpc->prefix))
			continue;
		grpc->prefix_have = 0;
		grpc->messages++;
		grpc->compressed |= grpc->prefix[0] & 1;
		grpc->body_left = (uint32_t)grpc->prefix[1] << 24 | (uint32_t)grpc->prefix[2] << 16 |
				  (uint32_t)grpc->prefix[3] << 8 | grpc->prefix[4];
		grpc->message_bytes += grpc->body_left;
	}
	if (!uncaptured || grpc->count_lost)
		return;
	/* Bytes not seen are a message's body, or the next prefix is lost. */
	if (grpc->prefix_have || uncaptured > grpc->body_left)
		grpc->count_lost = true;
	else
		grpc->body_left -= (uint32_t)uncaptured;
}

const char *grpc_status_name(uint32_t status)
{
	static const char *const names[] = {
		"OK",		 "CANCELLED",	      "UNKNOWN",	   "INVALID_ARGUMENT",
		"DEADLINE_EXCEEDED", "NOT_FOUND",    "ALREADY_EXISTS",	   "PERMISSION_DENIED",
		"RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",	   "OUT_OF_RANGE",
		"UNIMPLEMENTED",	 "INTERNAL",	      "UNAVAILABLE",	   "DATA_LOSS",
		"UNAUTHENTICATED",
	};

	return status < sizeof(names) / sizeof(names[0]) ? names[status] : NULL;
}

void grpc_message_set(struct grpc_half *grpc, const uint8_t *value, size_t len)
{
	size_t out = 0;

	for (size_t i = 0; i < len && out + 1 < sizeof(grpc->message); i++) {
		int hi, lo;

		if (value[i] == '%' && i + 2 < len && (hi = hex_value(value[i + 1])) >= 0 &&
		    (lo = hex_value(value[i + 2])) >= 0) {
			grpc->message[out++] = (char)(hi << 4 | lo);
			i += 2;
			continue;
		}
		grpc->message[out++] = (char)value[i];
	}
	grpc->message[out] = '\0';
}
