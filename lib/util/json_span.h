/*
 * Where a JSON object or array ends, found without parsing it: brackets are
 * matched outside strings, nothing inside is validated. For finding pieces
 * of a document that a real parser has accepted before, or will check.
 */
#ifndef XFRMD_JSON_SPAN_H
#define XFRMD_JSON_SPAN_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the object or array that starts at s[0], up to and including
 * its closing bracket; 0 if s[0] opens neither or it is not closed within
 * len bytes. */
size_t json_span_len(const char *s, size_t len);

/* Past the string whose opening quote is at s[i] (its escapes are not
 * checked); 0 if it does not end within len bytes. */
size_t json_span_string_end(const char *s, size_t len, size_t i);

/* Offset of the first byte at or after off that is not JSON whitespace. */
size_t json_span_skip_ws(const char *s, size_t len, size_t off);

#endif
