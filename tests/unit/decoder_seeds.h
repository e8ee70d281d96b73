/* The fuzzers' seed files (tests/fuzz/seeds/<protocol>/<name>: real
 * captures) for the decoder tests: read one, or visit every protocol's.
 * Named client_* or server_* by the side that sent them. */
#ifndef ST_DECODER_SEEDS_H
#define ST_DECODER_SEEDS_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tests/fuzz/seeds, from this header's own path (the build passes sources
 * by absolute path). */
static inline void seeds_dir(char *out, size_t size)
{
	const char *here = __FILE__;
	const char *slash = strrchr(here, '/');
	int n = slash ? (int)(slash - here) : 0;

	snprintf(out, size, "%.*s%s../fuzz/seeds", n, here, n ? "/" : "");
}

/* The whole file, malloc'd (exact size, for ASan); NULL when absent. */
static inline uint8_t *seed_read_path(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long size;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(size > 0 ? (size_t)size : 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)size;
	return buf;
}

static inline uint8_t *seed_read(const char *protocol, const char *name, size_t *len)
{
	char dir[1024], path[1600];

	seeds_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s/%s", dir, protocol, name);
	return seed_read_path(path, len);
}

/* Calls visit for every seed file of every protocol; returns how many. */
static inline unsigned seeds_visit(void (*visit)(const char *protocol, const char *name,
						 const uint8_t *buf, size_t len))
{
	char dir[1024], path[1600];
	unsigned count = 0;
	DIR *top, *sub;
	struct dirent *p, *f;

	seeds_dir(dir, sizeof(dir));
	top = opendir(dir);
	if (!top)
		return 0;
	while ((p = readdir(top))) {
		if (p->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, p->d_name);
		sub = opendir(path);
		if (!sub)
			continue;
		while ((f = readdir(sub))) {
			size_t len;
			uint8_t *buf;

			if (f->d_name[0] == '.')
				continue;
			buf = seed_read(p->d_name, f->d_name, &len);
			if (!buf)
				continue;
			visit(p->d_name, f->d_name, buf, len);
			free(buf);
			count++;
		}
		closedir(sub);
	}
	closedir(top);
	return count;
}

#endif
