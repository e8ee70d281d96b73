/* Making hostile bytes safe to print. */
#ifndef ST_ESCAPE_H
#define ST_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/*
 * Terminal-safe text: printable ASCII as is (and printable UTF-8 after
 * escape_terminal_utf8), "\\" for a backslash, \r \n \t as two-character
 * escapes, every other byte as \xNN. Stops after max_chars
 * input bytes. Returns the input bytes consumed.
 */
size_t escape_text(struct strbuf *out, const uint8_t *in, size_t len, size_t max_chars);

/* escape_text that also stops before its output passes max_width
 * characters (a UTF-8 character counts one); an escape is never cut. */
size_t escape_text_fit(struct strbuf *out, const uint8_t *in, size_t len, size_t max_chars,
		       size_t max_width);

/* Terminal text keeps printable UTF-8 (the JSON rule's) as itself, for a
 * UTF-8 locale; else every byte past ASCII is escaped. Set once. */
void escape_terminal_utf8(bool utf8);

/* escape_text of all of in, printable UTF-8 kept as itself whatever the
 * locale: valid UTF-8 text that tells every byte (a --metrics label). */
void escape_text_utf8(struct strbuf *out, const uint8_t *in, size_t len);

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
