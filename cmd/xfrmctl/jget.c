/* Members of xfrmd's JSON replies, with defaults (jget.h). */
#include "jget.h"

struct json_object *jobj(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v = jobj(o, key);

	return v ? json_object_get_string(v) : "";
}

unsigned long long jnum(struct json_object *o, const char *key)
{
	struct json_object *v = jobj(o, key);

	return v ? (unsigned long long)json_object_get_uint64(v) : 0;
}

bool jbool(struct json_object *o, const char *key)
{
	struct json_object *v = jobj(o, key);

	return v && json_object_get_boolean(v);
}

struct json_object *jarr(struct json_object *o, const char *key)
{
	struct json_object *v = jobj(o, key);

	return v && json_object_is_type(v, json_type_array) ? v : NULL;
}

size_t jlen(struct json_object *arr)
{
	return arr ? json_object_array_length(arr) : 0;
}
