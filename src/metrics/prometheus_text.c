#include "metrics/prometheus_text.h"

#include "output/escape.h"

void prom_family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void label_value_put(FILE *out, const char *value)
{
	for (const char *c = value; *c; c++) {
		switch (*c) {
		case '\\':
			fputs("\\\\", out);
			break;
		case '"':
			fputs("\\\"", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		default:
			putc(*c, out);
		}
	}
}

static void name_labels_put(FILE *out, const char *name, const struct prom_label *labels,
			    size_t count)
{
	fputs(name, out);
	if (!count)
		return;
	putc('{', out);
	for (size_t i = 0; i < count; i++) {
		fprintf(out, "%s%s=\"", i ? "," : "", labels[i].name);
		label_value_put(out, labels[i].value);
		putc('"', out);
	}
	putc('}', out);
}

void prom_sample_u64(FILE *out, const char *name, const struct prom_label *labels, size_t count,
		     uint64_t value)
{
	name_labels_put(out, name, labels, count);
	fprintf(out, " %llu\n", (unsigned long long)value);
}

void prom_sample_double(FILE *out, const char *name, const struct prom_label *labels, size_t count,
			double value)
{
	name_labels_put(out, name, labels, count);
	/* nanoseconds: every value here is counted in them */
	fprintf(out, " %.9f\n", value);
}

void prom_label_text(struct strbuf *out, const uint8_t *bytes, size_t len)
{
	escape_text_utf8(out, bytes, len);
}
