/* Whether the kernel forwards packets entering on an interface (forwarding.c). */
#ifndef XFRMD_FORWARDING_H
#define XFRMD_FORWARDING_H

#include <stdbool.h>

/* The sysctls as read: 1 on, 0 off, -1 unknown (not readable, no such
 * setting). v4_all: net.ipv4.ip_forward; v4_iif: net.ipv4.conf.IIF.forwarding;
 * v6_all: net.ipv6.conf.all.forwarding; v6_force: conf.IIF.force_forwarding. */
struct fwd_flags {
	int v4_all, v4_iif, v6_all, v6_force;
};

struct fwd_setting {
	bool known; /* false: could not be read; explain then says nothing */
	bool on;
	char name[96]; /* the sysctl that decides, e.g. "net.ipv4.ip_forward" */
};

/* Pure: what the kernel decides for family (AF_INET, AF_INET6) entering on
 * ifname (NULL or "": unknown) from the flags. */
void forwarding_judge(int family, const char *ifname, const struct fwd_flags *f,
		      struct fwd_setting *out);
/* Reads /proc/sys (the caller's network namespace) and judges. */
void forwarding_read(int family, const char *ifname, struct fwd_setting *out);

#endif
