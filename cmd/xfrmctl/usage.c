/*
 * A command's usage errors: "xfrmctl: VERB: PROBLEM" and its synopsis
 * (verbs.c), and options that need a value.
 */
#include <stdarg.h>
#include <stdio.h>

#include "xfrmctl.h"

void usage_error(const char *verb, const char *fmt, ...)
{
	const struct verb *v = verb_find(verb);

	if (fmt) {
		va_list ap;

		fprintf(stderr, "xfrmctl: %s: ", verb);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n");
	}
	fprintf(stderr, "usage: xfrmctl %s\n", v ? v->synopsis : verb);
}

const char *opt_value(int argc, char **argv, int *i, const char *verb, const char *what)
{
	const char *opt = argv[*i];

	/* "-" alone is a value; "-x" is the next option, not this one's value */
	if (*i + 1 >= argc || (argv[*i + 1][0] == '-' && argv[*i + 1][1])) {
		usage_error(verb, "option %s needs %s", opt, what);
		return NULL;
	}
	return argv[++*i];
}
