/* SQL fingerprints (src/protocols/sql_fingerprint.c): literals, lists,
 * comments, both dialects, unterminated and cut texts, hostile bytes. */
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "protocols/endpoint_fold.h"
#include "protocols/protocol.h"
#include "protocols/sql_fingerprint.h"

static const char *fingerprint_n(const char *text, size_t len, enum sql_dialect dialect, size_t cap)
{
	static char storage[4096];
	struct strbuf out;

	strbuf_init(&out, storage, cap);
	sql_fingerprint(&out, text, len, dialect);
	endpoint_mark_cut(&out);
	return storage;
}

static const char *pg(const char *text)
{
	return fingerprint_n(text, strlen(text), SQL_POSTGRES, ENDPOINT_MAX);
}

static const char *my(const char *text)
{
	return fingerprint_n(text, strlen(text), SQL_MYSQL, ENDPOINT_MAX);
}

static void test_literals(void)
{
	CHECK_STR(pg("SELECT * FROM t WHERE id = 42 AND name = 'bob'"),
		  "SELECT * FROM t WHERE id = ? AND name = ?");
	CHECK_STR(pg("select 1"), "select ?");
	CHECK_STR(pg("SELECT 'it''s', 'a''''b'"), "SELECT ?, ?");
	CHECK_STR(pg("SELECT 1.5, .5, 1e-3, 2E+10, 0xff, 3.14::float8"),
		  "SELECT ?, ?, ?, ?, ?, ?::float8");
	/* Digits of identifiers stay. */
	CHECK_STR(pg("SELECT c1 FROM t2 JOIN t_3 ON t2.x = t_3.y1"),
		  "SELECT c1 FROM t2 JOIN t_3 ON t2.x = t_3.y1");
	CHECK_STR(pg("SELECT \"Col 1\", \"a\"\"b\" FROM \"T9\" WHERE x = 9"),
		  "SELECT \"Col 1\", \"a\"\"b\" FROM \"T9\" WHERE x = ?");
	CHECK_STR(pg("SELECT E'a\\'b', X'ff', B'101', N'x', e'\\\\'"), "SELECT ?, ?, ?, ?, ?");
	/* Standard strings: a backslash is a byte, the quote ends them. */
	CHECK_STR(pg("SELECT 'a\\' , 2"), "SELECT ? , ?");
	CHECK_STR(pg("SELECT $1, $23 FROM t WHERE a = $2"), "SELECT ?, ? FROM t WHERE a = ?");
	CHECK_STR(pg("SELECT $$it's$$, $fn$ a $$ b $fn$, x$y"), "SELECT ?, ?, x$y");
	CHECK_STR(pg("CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1 $body$ LANGUAGE sql"),
		  "CREATE FUNCTION f() RETURNS int AS ? LANGUAGE sql");
	CHECK_STR(pg("SELECT a - -1, b"), "SELECT a - -?, b");
	/* Whitespace runs, comments, a final ';'. */
	CHECK_STR(pg("  SELECT\n\t a ,\r\n  b  FROM   t ;  "), "SELECT a , b FROM t");
	CHECK_STR(pg("SELECT /* traceparent='00-4bf9' */ a -- id 7\nFROM t"), "SELECT a FROM t");
	CHECK_STR(pg("SELECT a#b FROM t"), "SELECT a#b FROM t");
	/* MySQL: "strings", `identifiers`, backslashes, # comments, ?. */
	CHECK_STR(my("SELECT \"a\\\"b\", 'c\\'d', `col 1`, `a``b` FROM t # 42\nWHERE x = ?"),
		  "SELECT ?, ?, `col 1`, `a``b` FROM t WHERE x = ?");
	CHECK_STR(my("SELECT _utf8mb4'x', X'0a', 0x1F, b'1'"), "SELECT ?, ?, ?, ?");
	CHECK_STR(my("SELECT 1 /*!50000 , 2 */"), "SELECT ?");
}

static void test_lists(void)
{
	CHECK_STR(pg("SELECT * FROM t WHERE id IN (1, 2, 3)"),
		  "SELECT * FROM t WHERE id IN (?...)");
	CHECK_STR(pg("SELECT * FROM t WHERE id IN (1,2)"), "SELECT * FROM t WHERE id IN (?...)");
	CHECK_STR(pg("SELECT * FROM t WHERE id IN ( 1 , 'a' , $3 )"),
		  "SELECT * FROM t WHERE id IN (?...)");
	CHECK_STR(pg("SELECT * FROM t WHERE id IN (7)"), "SELECT * FROM t WHERE id IN (?)");
	CHECK_STR(pg("SELECT * FROM t WHERE id IN (a, 2)"), "SELECT * FROM t WHERE id IN (a, ?)");
	CHECK_STR(pg("SELECT * FROM t WHERE id IN (1, a)"), "SELECT * FROM t WHERE id IN (?, a)");
	CHECK_STR(pg("SELECT f(), g(1,), h((1, 2))"), "SELECT f(), g(?,), h((?...))");
	CHECK_STR(pg("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')"),
		  "INSERT INTO t VALUES (?...), ...");
	CHECK_STR(pg("INSERT INTO t VALUES (1), (2) RETURNING id"),
		  "INSERT INTO t VALUES (?), ... RETURNING id");
	CHECK_STR(pg("INSERT INTO t VALUES (1, 2), (now(), 3)"),
		  "INSERT INTO t VALUES (?...), (now(), ?)");
	CHECK_STR(my("INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"),
		  "INSERT INTO t (a, b) VALUES (?...), ...");
	/* A list too long for an endpoint folds as it is read. */
	{
		static char query[20000];
		size_t n = 0;

		n += (size_t)sprintf(query, "SELECT * FROM t WHERE id IN (");
		while (n < sizeof(query) - 32)
			n += (size_t)sprintf(query + n, "%zu, ", n);
		n += (size_t)sprintf(query + n, "0) AND x = 'y'");
		CHECK_STR(fingerprint_n(query, n, SQL_POSTGRES, ENDPOINT_MAX),
			  "SELECT * FROM t WHERE id IN (?...) AND x = ?");
	}
}

static void test_unterminated_and_cut(void)
{
	CHECK_STR(pg("SELECT 'abc"), "SELECT ?");
	CHECK_STR(pg("SELECT 'abc'' , 1"), "SELECT ?");
	CHECK_STR(pg("SELECT \"abc"), "SELECT \"abc");
	CHECK_STR(pg("SELECT $q$ abc"), "SELECT ?");
	CHECK_STR(pg("SELECT 1 /* abc"), "SELECT ?");
	CHECK_STR(pg("SELECT $"), "SELECT $");
	CHECK_STR(my("SELECT \"abc\\"), "SELECT ?");
	/* Cut by its parser: the mark stays. */
	CHECK_STR(pg("SELECT a FROM t WHERE b = 'xyz..."), "SELECT a FROM t WHERE b = ?...");
	CHECK_STR(pg("SELECT a, b, c..."), "SELECT a, b, c...");
	CHECK_STR(pg("..."), "...");
	CHECK_STR(pg(""), "");
	/* Longer than an endpoint: cut, marked. */
	{
		static char query[4000];
		const char *got;
		size_t n = (size_t)sprintf(query, "SELECT ");

		while (n < sizeof(query) - 32)
			n += (size_t)sprintf(query + n, "column_%zu, ", n);
		n += (size_t)sprintf(query + n, "x FROM t");
		got = fingerprint_n(query, n, SQL_POSTGRES, ENDPOINT_MAX);
		CHECK_INT(strlen(got), ENDPOINT_MAX - 1);
		CHECK_STR(got + ENDPOINT_MAX - 4, "...");
		CHECK(!strncmp(got, "SELECT column_7, column_17, ", 28));
	}
}

static void test_hostile(void)
{
	/* Control bytes and bytes of broken UTF-8 are copied (the output
	 * escapes them); UTF-8 identifiers stay whole. */
	CHECK_STR(pg("SELECT \x01\xff FROM t\x7f"), "SELECT \x01\xff FROM t\x7f");
	CHECK_STR(pg("SELECT caf\xc3\xa9 FROM \xe8\xa1\xa8 WHERE n = 'caf\xc3\xa9'"),
		  "SELECT caf\xc3\xa9 FROM \xe8\xa1\xa8 WHERE n = ?");
	CHECK_STR(pg("SELECT \303\2511"), "SELECT \303\2511");
	/* A NUL is a byte like any other. */
	CHECK_STR(fingerprint_n("a\0 1", 4, SQL_POSTGRES, ENDPOINT_MAX), "a");
	CHECK(!memcmp(fingerprint_n("a\0 1", 4, SQL_POSTGRES, ENDPOINT_MAX), "a\0 ?", 5));
	/* Every byte value at every place of a short statement, both
	 * dialects: within bounds (ASan), always NUL-terminated, never longer
	 * than the room. */
	{
		static const char base[] = "SELECT 'a', $1, \"b\" FROM t WHERE x IN (1, 2) -- c";
		char buf[sizeof(base)];

		for (size_t at = 0; at < sizeof(base) - 1; at++) {
			for (int b = 0; b < 256; b++) {
				memcpy(buf, base, sizeof(base));
				buf[at] = (char)b;
				for (int d = 0; d < 2; d++) {
					char *copy = malloc(sizeof(base) - 1);
					const char *got;

					memcpy(copy, buf, sizeof(base) - 1);
					got = fingerprint_n(copy, sizeof(base) - 1,
							    d ? SQL_MYSQL : SQL_POSTGRES, 32);
					CHECK(memchr(got, '\0', 32) != NULL);
					free(copy);
				}
			}
		}
	}
}

/* Linear: statements of 1 MiB that keep the output short, so that all of
 * them is read (a comment, a literal, a list folding in place, dollar signs
 * that open no quote), each take about as long as their length: under a
 * second all together even under the sanitizers, where a search for an
 * end from every byte would take hours. */
static void test_linear(void)
{
	static const struct {
		const char *first, *repeated;
		const char *postgres, *mysql;
	} cases[] = {
		{ "SELECT ", "/**/", "SELECT", "SELECT" },
		{ "SELECT ", "-- x\n", "SELECT", "SELECT" },
		{ "SELECT '", "a''", "SELECT ?", "SELECT ?" },
		{ "SELECT \"", "a\"\"", "SELECT \"", "SELECT ?" },
		{ "SELECT $q$", "$x", "SELECT ?", "SELECT $q$" },
		{ "SELECT (", "1, ", "SELECT (?...", "SELECT (?..." },
		{ "SELECT 1", "e", "SELECT ?", "SELECT ?" },
	};
	size_t len = 1 << 20;
	char *text = malloc(len);
	clock_t start = clock();

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t first = strlen(cases[c].first), n = strlen(cases[c].repeated);

		memcpy(text, cases[c].first, first);
		for (size_t i = first; i < len; i++)
			text[i] = cases[c].repeated[(i - first) % n];
		CHECK(!strncmp(fingerprint_n(text, len, SQL_POSTGRES, ENDPOINT_MAX),
			       cases[c].postgres, strlen(cases[c].postgres)));
		CHECK(!strncmp(fingerprint_n(text, len, SQL_MYSQL, ENDPOINT_MAX), cases[c].mysql,
			       strlen(cases[c].mysql)));
	}
	free(text);
	CHECK((clock() - start) / CLOCKS_PER_SEC < 10);
}

int main(void)
{
	test_literals();
	test_lists();
	test_unterminated_and_cut();
	test_hostile();
	test_linear();
	return check_report("test_sql_fingerprint");
}
