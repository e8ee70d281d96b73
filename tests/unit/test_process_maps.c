/* process_maps_parse: /proc/PID/maps lines as the kernel writes them. */
#include <errno.h>

#include "check.h"
#include "uprobes/process_maps.h"

int main(void)
{
	struct maps_entry entry;

	/* libssl's code, from a real maps file (Debian 12). */
	CHECK_INT(process_maps_parse("7f3c1a21f000-7f3c1a276000 r-xp 0001f000 fe:01 1966210"
				     "                    /usr/lib/x86_64-linux-gnu/libssl.so.3",
				     &entry),
		  0);
	CHECK_INT(entry.start, 0x7f3c1a21f000);
	CHECK_INT(entry.end, 0x7f3c1a276000);
	CHECK_INT(entry.offset, 0x1f000);
	CHECK_INT(entry.dev_major, 0xfe);
	CHECK_INT(entry.dev_minor, 1);
	CHECK_INT(entry.inode, 1966210);
	CHECK(entry.executable);
	CHECK_STR(entry.path, "/usr/lib/x86_64-linux-gnu/libssl.so.3");

	/* A name with spaces, and a deleted file: kept whole. */
	CHECK_INT(process_maps_parse("400000-401000 r-xp 00000000 08:02 42 /tmp/my prog (deleted)",
				     &entry),
		  0);
	CHECK_STR(entry.path, "/tmp/my prog (deleted)");

	/* Anonymous and special mappings. */
	CHECK_INT(process_maps_parse("7ffd1000-7ffd3000 rw-p 00000000 00:00 0", &entry), 0);
	CHECK(!entry.executable);
	CHECK_INT(entry.inode, 0);
	CHECK_STR(entry.path, "");
	CHECK_INT(process_maps_parse("7ffd5000-7ffd7000 r-xp 00000000 00:00 0   [vdso]", &entry), 0);
	CHECK_STR(entry.path, "[vdso]");

	/* Not maps lines. */
	CHECK_INT(process_maps_parse("", &entry), -EINVAL);
	CHECK_INT(process_maps_parse("garbage", &entry), -EINVAL);
	CHECK_INT(process_maps_parse("2000-1000 r-xp 0 08:02 42 /x", &entry), -EINVAL);
	CHECK_INT(process_maps_parse("1000-2000 r-xpq 0 08:02 42 /x", &entry), -EINVAL);
	CHECK_INT(process_maps_parse("1000-2000 r-xp 0 08:02", &entry), -EINVAL);
	return check_report("test_process_maps");
}
