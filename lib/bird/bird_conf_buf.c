/*
 * Owns the renderer's text buffer (bird_conf_int.h): printf appending,
 * growing by doubling.
 */
#include "bird_conf_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static bool reserve(struct bc_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *s;

	if (b->len + more < b->cap)
		return true;
	while (cap <= b->len + more)
		cap *= 2;
	s = realloc(b->s, cap);
	if (!s) {
		b->oom = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

void bc_printf(struct bc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if (!reserve(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}
