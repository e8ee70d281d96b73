#include "uprobes/process_maps.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int process_maps_parse(const char *line, struct maps_entry *entry)
{
	char perms[5];
	int path_at = -1;

	memset(entry, 0, sizeof(*entry));
	/* "start-end perms offset major:minor inode   path" */
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 " %n",
		   &entry->start, &entry->end, perms, &entry->offset, &entry->dev_major,
		   &entry->dev_minor, &entry->inode, &path_at) < 7 ||
	    path_at < 0 || strlen(perms) != 4 || entry->end < entry->start)
		return -EINVAL;
	entry->executable = perms[2] == 'x';
	snprintf(entry->path, sizeof(entry->path), "%s", line + path_at);
	return 0;
}
