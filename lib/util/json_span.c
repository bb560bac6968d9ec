#include "json_span.h"

#include <string.h>

size_t json_span_string_end(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		const char *q = memchr(s + i, '"', len - i);

		if (!q)
			return 0;
		i = (size_t)(q - s);
		/* The quote ends the string unless an odd run of backslashes
		 * escapes it. */
		size_t bs = 0;

		while (bs < i && s[i - 1 - bs] == '\\')
			bs++;
		if (bs % 2 == 0)
			return i + 1;
	}
	return 0;
}

size_t json_span_len(const char *s, size_t len)
{
	size_t depth = 0;

	if (!len || (s[0] != '{' && s[0] != '['))
		return 0;
	for (size_t i = 0; i < len;) {
		switch (s[i]) {
		case '"':
			i = json_span_string_end(s, len, i);
			if (!i)
				return 0;
			continue;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth == 0)
				return i + 1;
			break;
		default:
			break;
		}
		i++;
	}
	return 0;
}

size_t json_span_skip_ws(const char *s, size_t len, size_t off)
{
	while (off < len && (s[off] == ' ' || s[off] == '\t' || s[off] == '\n' || s[off] == '\r'))
		off++;
	return off;
}
