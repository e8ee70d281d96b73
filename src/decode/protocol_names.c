#include "decode/decoder.h"

const char *const protocol_names[PROTO_NR] = {
	[PROTO_UNKNOWN] = "unknown", [PROTO_HTTP] = "http",   [PROTO_HTTP2] = "http2",
	[PROTO_REDIS] = "redis",     [PROTO_DNS] = "dns",     [PROTO_TLS] = "tls",
	[PROTO_POSTGRES] = "postgres",
};
