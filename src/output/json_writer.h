/* Writing JSON keys and values into a strbuf: shared by the event and
 * exchange formatters and each protocol's formatter. */
#ifndef ST_JSON_WRITER_H
#define ST_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/* Keys are literals: KEY("pid") passes ",\"pid\":" and its length, both made
 * at compile time. */
#define KEY(name) ",\"" name "\":", sizeof(name) + 3

void json_key(struct strbuf *out, const char *key, size_t key_len);
void json_string(struct strbuf *out, const char *key, size_t key_len, const uint8_t *value, size_t len);
/* Text we made (names, numbers, addresses already escaped for display):
 * only the quote and the backslash need JSON escaping. */
void json_text(struct strbuf *out, const char *key, size_t key_len, const char *value);
/* A name from one of our own tables or formatters (never a quote or a
 * backslash in it): appended without the scan json_text makes. */
void json_name(struct strbuf *out, const char *key, size_t key_len, const char *name);
void json_u64(struct strbuf *out, const char *key, size_t key_len, uint64_t value);
void json_bool(struct strbuf *out, const char *key, size_t key_len, bool value);
/* Raw decoder text as a JSON string value. */
void json_raw(struct strbuf *out, const char *key, size_t key_len, const char *value);
void json_int(struct strbuf *out, const char *key, size_t key_len, int64_t value);
/* Element index of a JSON array of strings, with the comma before all but
 * the first. */
void json_array_string(struct strbuf *out, uint32_t index, const char *value);

#endif
