#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum log_level max_level = LOG_LVL_INFO;
static int timestamps;

void log_set_level(enum log_level level)
{
	max_level = level;
}

void log_set_timestamps(int on)
{
	timestamps = on;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	va_list ap;

	if (level > max_level)
		return;
	if (timestamps) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		fprintf(stderr, "%lld.%03ld ", (long long)ts.tv_sec, ts.tv_nsec / 1000000);
	}
	fprintf(stderr, "%s: ", names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
