/* Every protocol the tracer decodes: one line each, in detection order
 * (the most specific first) for connections no port hint settles. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "protocols/amqp.h"
#include "protocols/dns.h"
#include "protocols/http.h"
#include "protocols/http2.h"
#include "protocols/memcached.h"
#include "protocols/mqtt.h"
#include "protocols/mysql.h"
#include "protocols/postgres.h"
#include "protocols/redis.h"
#include "protocols/ssh.h"
#include "protocols/tls.h"

const struct protocol *const protocol_registry[] = {
	&http2_protocol,
	&tls_protocol,
	&ssh_protocol,
	&mysql_protocol,
	&postgres_protocol,
	&mqtt_protocol,
	&amqp_protocol,
	&http_protocol,
	&redis_protocol,
	&memcached_protocol,
	&dns_protocol,
};

const unsigned protocol_count = sizeof(protocol_registry) / sizeof(protocol_registry[0]);

const struct protocol *protocol_by_number(unsigned number)
{
	return number && number <= protocol_count ? protocol_registry[number - 1] : NULL;
}

unsigned protocol_number(const struct protocol *protocol)
{
	for (unsigned i = 0; i < protocol_count; i++)
		if (protocol_registry[i] == protocol)
			return i + 1;
	return 0;
}

const struct protocol *protocol_by_name(const char *name)
{
	for (unsigned i = 0; i < protocol_count; i++)
		if (!strcasecmp(protocol_registry[i]->name, name) ||
		    (protocol_registry[i]->alias && !strcasecmp(protocol_registry[i]->alias, name)))
			return protocol_registry[i];
	return NULL;
}

void protocol_names_list(char *out, size_t size)
{
	const char *last = "";
	size_t used = 0;

	out[0] = '\0';
	/* In name order, for people: the registry's is detection order. */
	for (unsigned n = 0; n < protocol_count && used < size; n++) {
		const char *next = NULL;

		for (unsigned i = 0; i < protocol_count; i++) {
			const char *name = protocol_registry[i]->name;
			if (strcmp(name, last) > 0 && (!next || strcmp(name, next) < 0))
				next = name;
		}
		int written = snprintf(out + used, size - used, "%s%s", n ? ", " : "", next);
		if (written < 0)
			break;
		used += (size_t)written;
		last = next;
	}
}
