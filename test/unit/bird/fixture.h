/* Reads a recorded BIRD reply from test/unit/bird/fixtures/ (see record.sh). */
#ifndef XFRMD_TEST_BIRD_FIXTURE_H
#define XFRMD_TEST_BIRD_FIXTURE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

/* The file's bytes, NUL-terminated; *len without the NUL. Caller frees. */
static inline char *fixture(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/test/unit/bird/fixtures/%s.txt", XFRMD_SOURCE_DIR, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

#endif
