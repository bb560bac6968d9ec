/*
 * What JSON parsers let through and a config must not: json-c keeps the
 * last of two equal keys (a stray second "connections": [] removed every
 * tunnel), cuts a key at \u0000, saturates huge integers and reads 00, -01,
 * 1., NaN and Infinity. One pass over the text, before the real parse,
 * refuses them, naming where they are.
 */
#ifndef XFRMD_JSON_STRICT_H
#define XFRMD_JSON_STRICT_H

#include <stddef.h>

#include "xerr.h"

/* Deepest nesting looked into; deeper is left to the parser as an error. */
#define JSON_STRICT_DEPTH 64

/*
 * Checks the JSON text s[0..len). Returns
 *   0  strict JSON: no rule below is broken;
 *  -1  a rule is broken, e gets "PATH: reason" (the path as the config
 *      loader writes it, e.g. "connections[0].fail_closed: duplicate key
 *      (lines 12 and 19)"); also for out of memory;
 *   1  not JSON at all: e gets "line L, column C: reason". The caller's
 *      parser reports its own error; should it accept the text anyway,
 *      e is the error to report.
 * Rules, first broken one in document order: no byte-order mark at the
 * start; no two keys of one object equal once unescaped ("a\u0062" is
 * "ab"); no \u0000 in a key; numbers as RFC 8259 writes them (no leading
 * zero, digits after '.' and in the exponent) and, when integers, within
 * what a 64-bit integer holds; no words but true, false and null.
 */
int json_strict_check(const char *s, size_t len, struct xerr *e);

#endif
