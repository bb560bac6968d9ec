/* Shell commands and link indexes for the netns tests (netns_util.h). */
#include <check.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "netns_util.h"

void sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

const char *sh_out(const char *fmt, ...)
{
	static char out[8192];
	char cmd[512];
	size_t n = 0, r;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (n < sizeof(out) - 1 && (r = fread(out + n, 1, sizeof(out) - 1 - n, f)) > 0)
		n += r;
	out[n] = '\0';
	pclose(f);
	return out;
}

int ifx(const char *name)
{
	int i = (int)if_nametoindex(name);

	ck_assert_msg(i > 0, "no link %s", name);
	return i;
}
