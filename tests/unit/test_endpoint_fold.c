/* Folding ids out of endpoints (src/protocols/endpoint_fold.c): which
 * segments are ids, what stays, hostile bytes, cuts. */
#include <stdlib.h>

#include "check.h"
#include "protocols/endpoint_fold.h"
#include "protocols/protocol.h"

static const char *fold(const char *text, size_t len, char separator, size_t cap)
{
	static char storage[4096];
	struct strbuf out;

	strbuf_init(&out, storage, cap);
	endpoint_fold_segments(&out, text, len, separator);
	endpoint_mark_cut(&out);
	return storage;
}

static const char *fold_path(const char *text)
{
	return fold(text, strlen(text), '/', ENDPOINT_MAX);
}

static void test_ids(void)
{
	CHECK(endpoint_segment_is_id("0", 1));
	CHECK(endpoint_segment_is_id("1234567890123456789012345", 25));
	CHECK(endpoint_segment_is_id("123e4567-e89b-12d3-a456-426614174000", 36));
	CHECK(endpoint_segment_is_id("123E4567-E89B-12D3-A456-426614174000", 36));
	CHECK(endpoint_segment_is_id("507f1f77bcf86cd799439011", 24)); /* an ObjectId */
	CHECK(endpoint_segment_is_id("da39a3ee5e6b4b0d3255bfef95601890afd80709", 40));
	CHECK(endpoint_segment_is_id("a1b2c3d4", 8));
	CHECK(!endpoint_segment_is_id("", 0));
	CHECK(!endpoint_segment_is_id("v1", 2));
	CHECK(!endpoint_segment_is_id("a1b2c3d", 7));      /* short hex */
	CHECK(!endpoint_segment_is_id("deadbeefcafe", 12)); /* hex letters only: a word */
	CHECK(!endpoint_segment_is_id("users", 5));
	CHECK(!endpoint_segment_is_id("-1", 2));
	CHECK(!endpoint_segment_is_id("12.5", 4));
	/* A dash out of place, a digit short, a non-hex digit. */
	CHECK(!endpoint_segment_is_id("123e4567e-89b-12d3-a456-426614174000", 36));
	CHECK(!endpoint_segment_is_id("123e4567-e89b-12d3-a456-42661417400", 35));
	CHECK(!endpoint_segment_is_id("123e4567-e89b-12d3-a456-42661417400g", 36));
}

static void test_paths(void)
{
	CHECK_STR(fold_path("/users/42/posts"), "/users/{id}/posts");
	CHECK_STR(fold_path("/users/42"), "/users/{id}");
	CHECK_STR(fold_path("/v1/devices/123e4567-e89b-12d3-a456-426614174000/state"),
		  "/v1/devices/{id}/state");
	CHECK_STR(fold_path("/git/da39a3ee5e6b4b0d3255bfef95601890afd80709"), "/git/{id}");
	CHECK_STR(fold_path("/"), "/");
	CHECK_STR(fold_path(""), "");
	CHECK_STR(fold_path("//7//"), "//{id}//");
	CHECK_STR(fold_path("42"), "{id}");
	CHECK_STR(fold_path("/users/42abc"), "/users/42abc");
	CHECK_STR(fold_path("/caf\xc3\xa9/12"), "/caf\xc3\xa9/{id}");
	/* MQTT topics: wildcards stay, ids fold. */
	CHECK_STR(fold_path("sensors/+/temp"), "sensors/+/temp");
	CHECK_STR(fold_path("devices/00112233aabb/#"), "devices/{id}/#");
	/* AMQP routing keys. */
	CHECK_STR(fold("order.1234.created", 18, '.', ENDPOINT_MAX), "order.{id}.created");
}

static void test_hostile(void)
{
	/* NUL, control bytes and broken UTF-8 are copied as bytes: the output
	 * escapes them. A NUL inside ends nothing. */
	static const char bytes[] = "/a\0b/\x01\xff\xfe/99";
	static char out[64];
	struct strbuf buf;

	strbuf_init(&buf, out, sizeof(out));
	endpoint_fold_segments(&buf, bytes, sizeof(bytes) - 1, '/');
	CHECK_INT(buf.len, 13);
	CHECK(!memcmp(out, "/a\0b/\x01\xff\xfe/{id}", 13));
	CHECK(!buf.truncated);
}

static void test_cut(void)
{
	/* Longer than an endpoint: cut, and marked. */
	static char path[20000];
	const char *got;

	for (size_t i = 0; i < sizeof(path) - 1; i += 2) {
		path[i] = '/';
		path[i + 1] = i % 4 ? 'x' : '7';
	}
	got = fold(path, sizeof(path) - 1, '/', ENDPOINT_MAX);
	CHECK_INT(strlen(got), ENDPOINT_MAX - 1);
	CHECK(!strncmp(got, "/{id}/x/{id}/x", 14));
	CHECK_STR(got + ENDPOINT_MAX - 4, "...");
	/* Whole: no mark, even when it fills the buffer exactly. */
	CHECK_STR(fold("/abcdefgh", 9, '/', 10), "/abcdefgh");
	CHECK_STR(fold("/abcdefghi", 10, '/', 10), "/abcde...");
	/* The mark does not split a UTF-8 sequence: "/ab" then é (2 bytes)
	 * cut at 6 bytes keeps "/a" + "..." rather than a lone lead byte. */
	CHECK_STR(fold("/ab\xc3\xa9\xc3\xa9", 7, '/', 7), "/ab...");
	CHECK_STR(fold("/a\xc3\xa9\xc3\xa9x", 7, '/', 7), "/a...");
	/* Too small for a mark: cut only. */
	CHECK_STR(fold("/abc", 4, '/', 3), "/a");
}

int main(void)
{
	test_ids();
	test_paths();
	test_hostile();
	test_cut();
	return check_report("test_endpoint_fold");
}
