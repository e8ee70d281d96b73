#include "protocols/sql_fingerprint.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* A list of literals folded: "(?...)". */
#define LIST_FOLDED "?..."
/* Rows of literals past the first: "VALUES (?...), ...". */
#define ROWS_FOLDED ", ..."
/* What parse_util.h's text_cut ends a cut text with. */
#define CUT_MARK "..."
/* The longest $tag$ taken for a dollar quote (real ones are a word): the
 * search for its end stays linear. */
#define DOLLAR_TAG_MAX 32

/* list_at when no list of literals is being read. */
#define LIST_NONE SIZE_MAX

enum token {
	TOKEN_WORD,    /* a keyword, an identifier, a quoted identifier */
	TOKEN_LITERAL, /* written "?" */
	TOKEN_PUNCT,   /* one byte */
};

/* Where a row of literals stands: "VALUES (1, 2)" CLOSED, "," COMMA, "(" OPEN. */
enum rows {
	ROWS_NONE,
	ROWS_CLOSED,
	ROWS_COMMA,
	ROWS_OPEN,
};

struct fingerprint {
	struct strbuf *out;
	bool space; /* whitespace or a comment before the next token */
	/* The parenthesised list of literals being read: out's length after
	 * its '(' (LIST_NONE: not in one), its literals, and whether a ',' or ')'
	 * comes next. */
	size_t list_at;
	unsigned list_items;
	bool list_after_item;
	/* Rows of literals: out's length after the last row kept, and whether
	 * ROWS_FOLDED follows it already. */
	enum rows rows;
	size_t rows_at;
	bool rows_folded;
};

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Identifiers take letters, '_' and any byte of a UTF-8 sequence. */
static bool is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_ident(unsigned char c)
{
	return is_ident_start(c) || is_digit(c) || c == '$';
}

static void out_rewind(struct strbuf *out, size_t len)
{
	out->len = len;
	out->text[len] = '\0';
}

static void list_close(struct fingerprint *fp)
{
	struct strbuf *out = fp->out;

	/* "( ? )" stays as written; a folded list is "(?...)". */
	if (fp->space && fp->list_items == 1)
		strbuf_putc(out, ' ');
	fp->space = false;
	fp->list_at = LIST_NONE;
	if (fp->rows == ROWS_OPEN) {
		out_rewind(out, fp->rows_at);
		if (!fp->rows_folded) {
			strbuf_puts(out, ROWS_FOLDED);
			fp->rows_folded = true;
			fp->rows_at = out->len;
		}
	} else {
		strbuf_putc(out, ')');
		fp->rows_at = out->len;
		fp->rows_folded = false;
	}
	fp->rows = ROWS_CLOSED;
}

static void emit(struct fingerprint *fp, enum token kind, const char *text, size_t n)
{
	struct strbuf *out = fp->out;
	char c = kind == TOKEN_PUNCT ? text[0] : '\0';
	bool listed = fp->list_at != LIST_NONE;

	if (listed && kind == TOKEN_LITERAL && !fp->list_after_item) {
		fp->list_after_item = true;
		if (fp->list_items++) {
			out_rewind(out, fp->list_at);
			strbuf_puts(out, LIST_FOLDED);
			fp->space = false;
			return;
		}
	} else if (listed && c == ',' && fp->list_after_item) {
		fp->list_after_item = false;
	} else if (listed && c == ')' && fp->list_after_item) {
		list_close(fp);
		return;
	} else {
		fp->list_at = LIST_NONE;
		if (fp->rows == ROWS_CLOSED && c == ',')
			fp->rows = ROWS_COMMA;
		else if (fp->rows == ROWS_COMMA && c == '(')
			fp->rows = ROWS_OPEN;
		else
			fp->rows = ROWS_NONE;
	}
	if (fp->space && out->len)
		strbuf_putc(out, ' ');
	fp->space = false;
	strbuf_append(out, text, n);
	if (c == '(') {
		fp->list_at = out->len;
		fp->list_items = 0;
		fp->list_after_item = false;
	}
}

/* The end of the quoted text starting at text[at] (its quote), past the
 * closing quote; a quote doubled is one inside; len when unterminated. */
static size_t quoted_end(const char *text, size_t len, size_t at, bool backslash)
{
	char quote = text[at];

	for (size_t i = at + 1; i < len; i++) {
		if (backslash && text[i] == '\\') {
			i++;
		} else if (text[i] == quote) {
			if (i + 1 < len && text[i + 1] == quote)
				i++;
			else
				return i + 1;
		}
	}
	return len;
}

/* The end of a comment starting at text[at], or at itself when none starts
 * there. */
static size_t comment_end(const char *text, size_t len, size_t at, enum sql_dialect dialect)
{
	const char *end;

	if (at + 1 < len && text[at] == '/' && text[at + 1] == '*') {
		for (size_t i = at + 2; i + 1 < len; i++)
			if (text[i] == '*' && text[i + 1] == '/')
				return i + 2;
		return len;
	}
	if ((at + 1 < len && text[at] == '-' && text[at + 1] == '-') ||
	    (dialect == SQL_MYSQL && text[at] == '#')) {
		end = memchr(text + at, '\n', len - at);
		return end ? (size_t)(end - text) + 1 : len;
	}
	return at;
}

/* A number at text[at]: 12, 1.5, .5, 1e-3, 0xff (and MySQL's 1abc, an
 * identifier starting with digits, with it). */
static size_t number_end(const char *text, size_t len, size_t at)
{
	size_t i = at;

	while (i < len) {
		unsigned char c = text[i];
		unsigned char prev = i > at ? text[i - 1] : 0;

		if (is_ident(c) || c == '.')
			i++;
		else if ((c == '+' || c == '-') && (prev == 'e' || prev == 'E') &&
			 !(text[at] == '0' && i > at + 1 &&
			   (text[at + 1] == 'x' || text[at + 1] == 'X')))
			i++;
		else
			break;
	}
	return i;
}

/* A PostgreSQL dollar quote at text[at] ($$ or $tag$): past its end, or
 * at when none starts there. */
static size_t dollar_end(const char *text, size_t len, size_t at)
{
	size_t tag_end = at + 1;

	if (tag_end < len && is_ident_start((unsigned char)text[tag_end]))
		while (tag_end < len && tag_end - at <= DOLLAR_TAG_MAX &&
		       is_ident((unsigned char)text[tag_end]) && text[tag_end] != '$')
			tag_end++;
	if (tag_end >= len || text[tag_end] != '$')
		return at;
	size_t tag_len = tag_end + 1 - at;
	for (size_t i = tag_end + 1; i + tag_len <= len; i++) {
		const char *dollar = memchr(text + i, '$', len - i);

		if (!dollar || (size_t)(dollar - text) + tag_len > len)
			break;
		i = (size_t)(dollar - text);
		if (!memcmp(text + i, text + at, tag_len))
			return i + tag_len;
	}
	return len;
}

/* A word immediately before a quote that makes it a literal: E'..', X'..',
 * B'..', N'..', MySQL's _utf8mb4'..'. */
static bool literal_prefix(const char *word, size_t n, enum sql_dialect dialect)
{
	if (n == 1)
		return strchr("eEbBxXnN", word[0]) != NULL;
	return dialect == SQL_MYSQL && word[0] == '_';
}

void sql_fingerprint(struct strbuf *out, const char *text, size_t len, enum sql_dialect dialect)
{
	struct fingerprint fp = { .out = out, .list_at = LIST_NONE };
	bool cut = len >= strlen(CUT_MARK) &&
		   !memcmp(text + len - strlen(CUT_MARK), CUT_MARK, strlen(CUT_MARK));
	bool mysql = dialect == SQL_MYSQL;
	size_t i = 0;

	if (cut)
		len -= strlen(CUT_MARK);
	while (len && (is_space((unsigned char)text[len - 1]) || text[len - 1] == ';'))
		len--;
	while (i < len && !out->truncated) {
		unsigned char c = text[i];
		size_t end = comment_end(text, len, i, dialect);

		if (end > i || is_space(c)) {
			fp.space = true;
			i = end > i ? end : i + 1;
		} else if (c == '\'' || (c == '"' && mysql)) {
			i = quoted_end(text, len, i, mysql);
			emit(&fp, TOKEN_LITERAL, "?", 1);
		} else if (c == '"' || (c == '`' && mysql)) {
			end = quoted_end(text, len, i, false);
			emit(&fp, TOKEN_WORD, text + i, end - i);
			i = end;
		} else if (c == '$' && !mysql && i + 1 < len &&
			   is_digit((unsigned char)text[i + 1])) {
			for (i++; i < len && is_digit((unsigned char)text[i]); i++)
				;
			emit(&fp, TOKEN_LITERAL, "?", 1);
		} else if (c == '$' && !mysql && (end = dollar_end(text, len, i)) > i) {
			i = end;
			emit(&fp, TOKEN_LITERAL, "?", 1);
		} else if (c == '?') {
			i++;
			emit(&fp, TOKEN_LITERAL, "?", 1);
		} else if (is_digit(c) ||
			   (c == '.' && i + 1 < len && is_digit((unsigned char)text[i + 1]))) {
			i = number_end(text, len, i);
			emit(&fp, TOKEN_LITERAL, "?", 1);
		} else if (is_ident_start(c)) {
			for (end = i + 1; end < len && is_ident((unsigned char)text[end]); end++)
				;
			if (end < len && text[end] == '\'' &&
			    literal_prefix(text + i, end - i, dialect)) {
				bool escapes = mysql || text[i] == 'e' || text[i] == 'E';

				i = quoted_end(text, len, end, escapes);
				emit(&fp, TOKEN_LITERAL, "?", 1);
			} else {
				emit(&fp, TOKEN_WORD, text + i, end - i);
				i = end;
			}
		} else {
			emit(&fp, TOKEN_PUNCT, text + i, 1);
			i++;
		}
	}
	if (cut)
		strbuf_puts(out, CUT_MARK);
}
