/* cpus_parse on sysfs CPU lists. */
#include <errno.h>

#include "check.h"
#include "base/cpus.h"

static bool present[CPUS_MAX];

/* The CPUs marked present, as "0,1,4" (at most the first 32). */
static const char *marked(void)
{
	static char text[256];
	size_t len = 0;
	int n = 0;

	text[0] = '\0';
	for (int cpu = 0; cpu < CPUS_MAX && n < 32; cpu++)
		if (present[cpu]) {
			len += snprintf(text + len, sizeof(text) - len, "%s%d", n ? "," : "", cpu);
			n++;
		}
	return text;
}

int main(void)
{
	CHECK_INT(cpus_parse("0", present), 1);
	CHECK_STR(marked(), "0");
	CHECK_INT(cpus_parse("0-3", present), 4);
	CHECK_STR(marked(), "0,1,2,3");
	/* As read from /sys/devices/system/cpu/possible, with its newline. */
	CHECK_INT(cpus_parse("0-1,4,6-7\n", present), 8);
	CHECK_STR(marked(), "0,1,4,6,7");
	CHECK_INT(cpus_parse("5", present), 6);
	CHECK_STR(marked(), "5");
	CHECK_INT(cpus_parse("1023", present), 1024);
	CHECK(present[1023] && !present[0]);

	CHECK_INT(cpus_parse("", present), -EINVAL);
	CHECK_INT(cpus_parse("\n", present), -EINVAL);
	CHECK_INT(cpus_parse("a", present), -EINVAL);
	CHECK_INT(cpus_parse("3-1", present), -EINVAL);
	CHECK_INT(cpus_parse("1,,2", present), -EINVAL);
	CHECK_INT(cpus_parse("5000", present), -EINVAL);
	CHECK_INT(cpus_parse("1024", present), -EINVAL);
	CHECK_INT(cpus_parse("0-1024", present), -EINVAL);
	CHECK_INT(cpus_parse("-1", present), -EINVAL);
	CHECK_INT(cpus_parse("1-", present), -EINVAL);
	CHECK_INT(cpus_parse("1 2", present), -EINVAL);
	CHECK_INT(cpus_parse("0-3x", present), -EINVAL);
	CHECK_INT(cpus_parse("99999999999999999999", present), -EINVAL);
	return check_report("test_cpus");
}
