#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charon.h"

int charon_tunnel_name(const char *conn, size_t tunnel, char *buf, size_t len)
{
	int n = snprintf(buf, len, CHARON_PREFIX "%s-t%zu", conn, tunnel);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int charon_parse_tunnel_name(const char *name, char *conn, size_t len, size_t *tunnel)
{
	size_t plen = strlen(CHARON_PREFIX), nlen = strlen(name);
	const char *t = strrchr(name, '-');
	char *end;
	unsigned long idx;

	if (nlen <= plen || strncmp(name, CHARON_PREFIX, plen) || !t || t <= name + plen ||
	    t[1] != 't' || t[2] < '1' || t[2] > '9')
		return -1;
	idx = strtoul(t + 2, &end, 10);
	if (*end || idx > CFG_TUNNELS_MAX || (size_t)(t - name) - plen >= len)
		return -1;
	memcpy(conn, name + plen, (size_t)(t - name) - plen);
	conn[(size_t)(t - name) - plen] = '\0';
	*tunnel = idx;
	return 0;
}
