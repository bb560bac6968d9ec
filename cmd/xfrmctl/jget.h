/*
 * Reading xfrmd's replies (jget.c): a member of a JSON object, with a
 * default when it is missing, null, or the object itself is NULL, so the
 * printers can read fields without checking each one.
 */
#ifndef XFRMCTL_JGET_H
#define XFRMCTL_JGET_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* o's member key (borrowed), or NULL (missing, null, o NULL). */
struct json_object *jobj(struct json_object *o, const char *key);
/* Its text (a number's or a boolean's as JSON writes it), or "". */
const char *jstr(struct json_object *o, const char *key);
/* Its value as an unsigned number (json-c's conversion: a negative one is
 * 0, a string is parsed), or 0. */
unsigned long long jnum(struct json_object *o, const char *key);
/* Its truth (json-c's: a nonzero number, a non-empty string), or false. */
bool jbool(struct json_object *o, const char *key);
/* The member if it is an array, else NULL. */
struct json_object *jarr(struct json_object *o, const char *key);
/* The length of an array from jarr, 0 for NULL. */
size_t jlen(struct json_object *arr);

#endif
