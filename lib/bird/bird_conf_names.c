/*
 * Owns the names of the BIRD symbols xfrmd writes (bird_conf.h): a BGP
 * protocol per tunnel, "xfrmd<id>_<connection>", and per kernel table
 * "xfrmd_<what>_ipv4_t<table>_m<metric>", and the LAN side's "xfrmd_lan4",
 * "xfrmd_lan4_<connection>", "xfrmd_lanpeer<i>". A connection name is
 * [A-Za-z0-9_.-]; BIRD symbols are [A-Za-z0-9_], so '.' and '-' become '_'.
 */
#include "bird_conf.h"

#include <stdio.h>
#include <sys/socket.h>

/* buf's length check, and '.' and '-' as '_'. */
static int symbol(char *buf, size_t n, int len)
{
	if (len < 0 || (size_t)len >= n)
		return -1;
	for (char *p = buf; *p; p++)
		if (*p == '.' || *p == '-')
			*p = '_';
	return 0;
}

int bird_conf_proto_name(const struct cfg_connection *c, const struct cfg_tunnel *t, char *buf,
			 size_t n)
{
	if (!t->id || !n)
		return -1;
	return symbol(buf, n, snprintf(buf, n, "xfrmd%u_%s", t->id, c->name));
}

static int kernel_table_name(const char *what, int family, uint32_t table, uint32_t metric,
			     char *buf, size_t n)
{
	int len;

	if (family != AF_INET && family != AF_INET6)
		return -1;
	len = snprintf(buf, n, "xfrmd_%s%sipv%c_t%u_m%u", what, *what ? "_" : "",
		       family == AF_INET ? '4' : '6', table, metric);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

int bird_conf_table_name(int family, uint32_t table, uint32_t metric, char *buf, size_t n)
{
	return kernel_table_name("", family, table, metric, buf, n);
}

int bird_conf_announce_name(int family, uint32_t table, uint32_t metric, char *buf, size_t n)
{
	return kernel_table_name("announce", family, table, metric, buf, n);
}

int bird_conf_kernel_name(int family, uint32_t table, uint32_t metric, char *buf, size_t n)
{
	return kernel_table_name("kernel", family, table, metric, buf, n);
}

static char lan_digit(int family)
{
	return family == AF_INET ? '4' : family == AF_INET6 ? '6' : 0;
}

int bird_conf_lan_table_name(int family, char *buf, size_t n)
{
	if (!lan_digit(family) || !n)
		return -1;
	return symbol(buf, n, snprintf(buf, n, "xfrmd_lan%c", lan_digit(family)));
}

int bird_conf_lan_static_name(int family, const struct cfg_connection *c, char *buf, size_t n)
{
	if (!lan_digit(family) || !n)
		return -1;
	return symbol(buf, n, snprintf(buf, n, "xfrmd_lan%c_%s", lan_digit(family), c->name));
}

int bird_conf_lan_peer_name(size_t i, char *buf, size_t n)
{
	if (!n)
		return -1;
	return symbol(buf, n, snprintf(buf, n, "xfrmd_lanpeer%zu", i));
}
