/*
 * Whether the kernel forwards what enters on an interface, for explain:
 * with forwarding off, the IPv4 route lookup answers "unreachable" (no
 * table) and IPv6 drops in ip6_forward after a normal route, so neither
 * route says why. The settings the kernel checks:
 *   IPv4: net.ipv4.conf.IIF.forwarding (net.ipv4.ip_forward sets it on
 *         every interface: named when that is what is off)
 *   IPv6: net.ipv6.conf.all.forwarding, or force_forwarding on the
 *         interface (kernels that have it)
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "forwarding.h"

/* 1 or 0 from a sysctl file; -1 when it cannot be read (no such file). */
static int read_flag(const char *path)
{
	char buf[16];
	FILE *f = fopen(path, "re");
	int v = -1;

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = buf[0] != '0';
	fclose(f);
	return v;
}

/* /proc/sys/net/ipvN/conf/IF/KEY: -1 for a name that cannot be one. */
static int read_if_flag(const char *ipv, const char *ifname, const char *key)
{
	char path[128];

	if (!ifname || !*ifname || strchr(ifname, '/') || !strcmp(ifname, ".") ||
	    !strcmp(ifname, ".."))
		return -1;
	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", ipv, ifname, key);
	return read_flag(path);
}

void forwarding_judge(int family, const char *ifname, const struct fwd_flags *f,
		      struct fwd_setting *out)
{
	memset(out, 0, sizeof(*out));
	if (family == AF_INET6) {
		out->known = f->v6_all >= 0;
		out->on = f->v6_all > 0 || f->v6_force > 0;
		snprintf(out->name, sizeof(out->name), "net.ipv6.conf.all.forwarding");
	} else if (f->v4_iif >= 0 && ifname && *ifname) {
		out->known = true;
		out->on = f->v4_iif > 0;
		/* ip_forward = 0 turned it off everywhere: name the switch people know */
		if (f->v4_all == 0)
			snprintf(out->name, sizeof(out->name), "net.ipv4.ip_forward");
		else
			snprintf(out->name, sizeof(out->name), "net.ipv4.conf.%s.forwarding",
				 ifname);
	} else {
		out->known = f->v4_all >= 0;
		out->on = f->v4_all > 0;
		snprintf(out->name, sizeof(out->name), "net.ipv4.ip_forward");
	}
}

void forwarding_read(int family, const char *ifname, struct fwd_setting *out)
{
	struct fwd_flags f = {-1, -1, -1, -1};

	if (family == AF_INET) {
		f.v4_all = read_flag("/proc/sys/net/ipv4/ip_forward");
		f.v4_iif = read_if_flag("ipv4", ifname, "forwarding");
	} else {
		f.v6_all = read_flag("/proc/sys/net/ipv6/conf/all/forwarding");
		f.v6_force = read_if_flag("ipv6", ifname, "force_forwarding");
	}
	forwarding_judge(family, ifname, &f, out);
}
