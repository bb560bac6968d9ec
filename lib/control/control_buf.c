#include <stdlib.h>
#include <string.h>

#include "control.h"

#define CTL_BUF_KEEP (64u << 10) /* an idle buffer keeps this much storage */

int ctl_buf_append(struct ctl_buf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *nd;

		while (cap < b->len + len)
			cap *= 2;
		nd = realloc(b->data, cap);
		if (!nd)
			return -1;
		b->data = nd;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

char *ctl_buf_take_line(struct ctl_buf *b, int *too_long)
{
	char *nl = b->len ? memchr(b->data, '\n', b->len) : NULL;
	size_t n;
	char *line;

	*too_long = 0;
	if (!nl) {
		*too_long = b->len > CTL_MSG_MAX;
		return NULL;
	}
	n = (size_t)(nl - b->data);
	line = malloc(n + 1);
	if (!line)
		return NULL;
	memcpy(line, b->data, n);
	line[n] = '\0';
	b->len -= n + 1;
	memmove(b->data, nl + 1, b->len);
	ctl_buf_release_idle(b);
	return line;
}

void ctl_buf_free(struct ctl_buf *b)
{
	free(b->data);
	*b = (struct ctl_buf){0};
}

void ctl_buf_release_idle(struct ctl_buf *b)
{
	if (!b->len && b->cap > CTL_BUF_KEEP)
		ctl_buf_free(b);
}

char *ctl_encode(struct json_object *obj, size_t *len)
{
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t n = strlen(s);
	char *out = malloc(n + 2);

	if (!out)
		return NULL;
	memcpy(out, s, n);
	out[n] = '\n';
	out[n + 1] = '\0';
	*len = n + 1;
	return out;
}
