/* "1 connection", "2 connections": the noun that agrees with a count. */
#ifndef XFRMD_PLURAL_H
#define XFRMD_PLURAL_H

static inline const char *plural(unsigned long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

#endif
