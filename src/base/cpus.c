#include "base/cpus.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cpus_parse(const char *list, bool present[CPUS_MAX])
{
	const char *cursor = list;
	int limit = 0;

	memset(present, 0, CPUS_MAX * sizeof(present[0]));
	while (*cursor && *cursor != '\n') {
		char *end;
		long first = strtol(cursor, &end, 10);
		long last = first;

		if (end == cursor || first < 0 || first >= CPUS_MAX)
			return -EINVAL;
		cursor = end;
		if (*cursor == '-') {
			last = strtol(cursor + 1, &end, 10);
			if (end == cursor + 1 || last < first || last >= CPUS_MAX)
				return -EINVAL;
			cursor = end;
		}
		for (long cpu = first; cpu <= last; cpu++)
			present[cpu] = true;
		if (last + 1 > limit)
			limit = last + 1;
		if (*cursor == ',')
			cursor++;
		else if (*cursor && *cursor != '\n')
			return -EINVAL;
	}
	return limit ? limit : -EINVAL;
}

int cpus_read(const char *which, bool present[CPUS_MAX])
{
	char path[128];
	char list[4096];
	FILE *file;
	int err;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/%s", which);
	file = fopen(path, "r");
	if (!file)
		return -errno;
	err = fgets(list, sizeof(list), file) ? cpus_parse(list, present) : -EIO;
	fclose(file);
	return err;
}
