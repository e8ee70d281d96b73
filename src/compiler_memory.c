#include "compiler_memory.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static int compiler_library(const char *path)
{
	const char *name = strrchr(path, '/');

	name = name ? name + 1 : path;
	return !strncmp(name, "libLLVM", 7) || !strncmp(name, "libclang", 8);
}

void compiler_memory_release(void)
{
	char line[4096];
	FILE *maps;

	malloc_trim(0);
	maps = fopen("/proc/self/maps", "r");
	if (!maps)
		return;
	while (fgets(line, sizeof(line), maps)) {
		unsigned long start, end;
		char perms[8];
		char path[4096] = "";

		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %4095s", &start, &end, perms, path) < 3)
			continue;
		/* Code only: never written, so dropping it loses nothing. Not the
		 * read-only data: its relocated part (RELRO) was written at load
		 * time and would revert to the file's unrelocated bytes. */
		if (perms[2] != 'x' || perms[1] == 'w' || !compiler_library(path))
			continue;
		madvise((void *)start, end - start, MADV_DONTNEED);
	}
	fclose(maps);
}
