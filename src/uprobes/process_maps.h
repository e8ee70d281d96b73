/* A line of /proc/PID/maps: which file a process mapped where. */
#ifndef ST_PROCESS_MAPS_H
#define ST_PROCESS_MAPS_H

#include <stdbool.h>
#include <stdint.h>

#define PROCESS_MAPS_PATH_MAX 4096

struct maps_entry {
	uint64_t start, end; /* the mapping's addresses */
	uint64_t offset;     /* in the file */
	uint32_t dev_major, dev_minor;
	uint64_t inode;      /* 0: not a file */
	bool executable;
	/* As the kernel prints it (a name with a newline in it is escaped);
	 * "" for anonymous mappings. */
	char path[PROCESS_MAPS_PATH_MAX];
};

/* Parses one line (without its newline). Returns 0, or -EINVAL when it
 * is not a maps line. */
int process_maps_parse(const char *line, struct maps_entry *entry);

#endif
