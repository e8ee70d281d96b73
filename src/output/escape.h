/* Making hostile bytes safe to print. */
#ifndef ST_ESCAPE_H
#define ST_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/*
 * Terminal-safe text: printable ASCII as is, "\\" for a backslash, \r \n \t
 * as two-character escapes, every other byte as \xNN. Stops after max_chars
 * input bytes. Returns the input bytes consumed.
 */
size_t escape_text(struct strbuf *out, const uint8_t *in, size_t len, size_t max_chars);

/* A NUL-terminated raw text (a decoder's field), escaped as escape_text
 * does, whole. */
void escape_cstr(struct strbuf *out, const char *text);

/*
 * The body of a JSON string (no quotes) whose decoded value is: valid
 * printable UTF-8 as is, "\\" for a backslash, tab/CR/LF as themselves, and
 * every other byte as the four characters \xNN. Every line any JSON parser
 * accepts.
 */
void escape_json(struct strbuf *out, const uint8_t *in, size_t len);

/* Standard base64 (RFC 4648) with padding. */
void escape_base64(struct strbuf *out, const uint8_t *in, size_t len);

#endif
