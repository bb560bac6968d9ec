#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charon.h"

int charon_tunnel_name(const char *conn, size_t number, char *buf, size_t len)
{
	int n = snprintf(buf, len, CHARON_PREFIX "%s-t%zu", conn, number);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int charon_parse_tunnel_name(const char *name, char *conn, size_t len, size_t *number)
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
	*number = idx;
	return 0;
}

int charon_conn_tunnel_name(const struct cfg_connection *c, size_t t, char *buf, size_t len)
{
	return charon_tunnel_name(c->name, cfg_tunnel_number(c, t), buf, len);
}

int charon_find_tunnel(const struct cfg_config *cfg, const char *name, size_t *conn, size_t *tunnel)
{
	char cname[CFG_NAME_MAX + 1];
	const struct cfg_connection *c;
	size_t number;
	int t;

	if (!cfg || charon_parse_tunnel_name(name, cname, sizeof(cname), &number) ||
	    !(c = cfg_find_conn(cfg, cname)) || (t = cfg_tunnel_at(c, number)) < 0)
		return -1;
	*conn = (size_t)(c - cfg->conns);
	*tunnel = (size_t)t;
	return 0;
}
