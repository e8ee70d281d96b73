/* The Prometheus text exposition format (version 0.0.4): metric families
 * with their HELP and TYPE lines, and samples whose label values are
 * escaped as the format asks. */
#ifndef ST_PROMETHEUS_TEXT_H
#define ST_PROMETHEUS_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/strbuf.h"

#define PROMETHEUS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct prom_label {
	const char *name;
	const char *value; /* valid UTF-8 (prom_label_text makes it so) */
};

/* "# HELP name help" and "# TYPE name type" (counter, gauge, histogram);
 * help is constant text without a backslash or a newline. */
void prom_family(FILE *out, const char *name, const char *type, const char *help);

/* name{labels} value: each label value with \ " and newline escaped; a
 * double (seconds) to the nanosecond. */
void prom_sample_u64(FILE *out, const char *name, const struct prom_label *labels, size_t count,
		     uint64_t value);
void prom_sample_double(FILE *out, const char *name, const struct prom_label *labels, size_t count,
			double value);

/* A label value made of hostile bytes (an endpoint from a payload): valid
 * UTF-8 that tells every byte, as a terminal line shows it (printable
 * UTF-8 as itself, a backslash doubled, every other byte \xNN), whatever
 * the locale. Scrapers refuse a page with invalid UTF-8 in a label. */
void prom_label_text(struct strbuf *out, const uint8_t *bytes, size_t len);

#endif
