/*
 * A SQL statement's fingerprint, the endpoint --stats and --metrics group
 * PostgreSQL and MySQL requests by: the statement with its literals folded,
 * so that statements alike are one endpoint.
 *
 *   SELECT * FROM t WHERE id = 42 AND name = 'bob'  ->  SELECT * FROM t WHERE id = ? AND name = ?
 *   ... WHERE id IN (1, 2, 3)                       ->  ... WHERE id IN (?...)
 *   INSERT INTO t VALUES (1, 'a'), (2, 'b')         ->  INSERT INTO t VALUES (?...), ...
 *
 * Folded to "?": string literals ('..' with '' doubled, a backslash escape
 * where the dialect has them; with a one-letter prefix E'..', X'..', B'..',
 * N'..' or a MySQL charset _utf8mb4'..'), numbers that start a token (12,
 * 1.5e-3, 0xff; not the digits of an identifier such as t1), placeholders
 * ($1, ?), PostgreSQL dollar-quoted strings ($$..$$, $tag$..$tag$) and, for
 * MySQL, "..." strings. A parenthesised list of two literals or more
 * becomes (?...), rows of such lists one row and ", ...". Comments (--,
 * slash-star, MySQL's #) are dropped: they carry trace ids. Whitespace runs
 * become one space; a final ';' goes. Identifiers ("quoted" in PostgreSQL, `quoted` in MySQL) and
 * keywords are kept as written, not upper-cased: a client sends its
 * statements one way, and identifiers are case-sensitive once quoted.
 *
 * An unterminated literal folds to "?" with the rest of the text. A text
 * that ends with "..." was cut by its parser (text_cut in parse_util.h):
 * the fingerprint of what precedes the mark, then the mark. Linear in len;
 * bytes other than these are copied as they are (the output escapes them).
 */
#ifndef ST_SQL_FINGERPRINT_H
#define ST_SQL_FINGERPRINT_H

#include <stddef.h>

#include "base/strbuf.h"

enum sql_dialect {
	SQL_POSTGRES, /* "identifiers", $1 and $$ strings, E'\n' */
	SQL_MYSQL,    /* "strings", `identifiers`, \ escapes in strings, # comments */
};

/* Appends text[0..len)'s fingerprint to out, cut at out's size (then
 * endpoint_mark_cut marks it). */
void sql_fingerprint(struct strbuf *out, const char *text, size_t len, enum sql_dialect dialect);

#endif
