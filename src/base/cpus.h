/* CPU lists from sysfs ("0-3,5"). */
#ifndef ST_CPUS_H
#define ST_CPUS_H

#include <stdbool.h>

#define CPUS_MAX 1024

/* Parses a sysfs CPU list into present[0..CPUS_MAX). Returns the highest
 * CPU number + 1, or -EINVAL for a malformed list. */
int cpus_parse(const char *list, bool present[CPUS_MAX]);

/* Reads /sys/devices/system/cpu/<which> ("online", "possible"). Returns as
 * cpus_parse, or a negative errno. */
int cpus_read(const char *which, bool present[CPUS_MAX]);

#endif
