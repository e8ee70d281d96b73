/* A small assertion header for the unit tests: each failed check prints
 * where and what, and the test exits 1 at the end. */
#ifndef ST_CHECK_H
#define ST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, \
				#cond);                                               \
			check_failures++;                                             \
		}                                                                     \
	} while (0)

#define CHECK_STR(actual, expected)                                                    \
	do {                                                                           \
		const char *a_ = (actual), *e_ = (expected);                           \
		if (strcmp(a_, e_)) {                                                  \
			fprintf(stderr, "%s:%d: got \"%s\"\n%*s expected \"%s\"\n", __FILE__, \
				__LINE__, a_, (int)strlen(__FILE__) + 6, "", e_);      \
			check_failures++;                                              \
		}                                                                      \
	} while (0)

#define CHECK_INT(actual, expected)                                                    \
	do {                                                                           \
		long long a_ = (long long)(actual), e_ = (long long)(expected);        \
		if (a_ != e_) {                                                        \
			fprintf(stderr, "%s:%d: %s is %lld, expected %lld\n", __FILE__,    \
				__LINE__, #actual, a_, e_);                            \
			check_failures++;                                              \
		}                                                                      \
	} while (0)

static inline int check_report(const char *name)
{
	if (check_failures)
		fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
	else
		printf("%s: all checks passed\n", name);
	return check_failures ? 1 : 0;
}

#endif
