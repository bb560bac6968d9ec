/* nl_link_probe: nl_kernel.h's link calls from the command line, for the
 * lab scenarios netlink-links (VTI, UML) and netlink-xfrmi (XFRM
 * interfaces, qemu): the host kernel has neither link kind. The scenarios
 * check the results with iproute2, not with this program's own reading.
 *
 *   nl_link_probe ensure xfrm NAME IF_ID               prints the ifindex
 *   nl_link_probe ensure vti NAME IF_ID LOCAL REMOTE   prints the ifindex
 *   nl_link_probe delete NAME
 *   nl_link_probe list    one line per xfrmd link:
 *                         NAME KIND IF_ID LOCAL REMOTE up|down IFINDEX
 *
 * A refusal or error prints the library's message on stderr, exit 1;
 * bad usage exits 2. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl_kernel.h"

static int usage(void)
{
	fprintf(stderr, "usage: nl_link_probe ensure xfrm NAME IF_ID\n"
			"       nl_link_probe ensure vti NAME IF_ID LOCAL REMOTE\n"
			"       nl_link_probe delete NAME | list\n");
	return 2;
}

static int parse_spec(int argc, char **argv, struct nl_link_spec *s)
{
	char *end;
	unsigned long id;

	memset(s, 0, sizeof(*s));
	if (argc < 5 || strlen(argv[3]) >= sizeof(s->name))
		return -1;
	strcpy(s->name, argv[3]);
	id = strtoul(argv[4], &end, 0);
	if (*end || id > UINT32_MAX)
		return -1;
	s->if_id = (uint32_t)id;
	if (!strcmp(argv[2], "xfrm") && argc == 5) {
		s->kind = NL_LINK_XFRM;
		return 0;
	}
	if (strcmp(argv[2], "vti") || argc != 7)
		return -1;
	s->kind = NL_LINK_VTI;
	return ipaddr_parse(argv[5], &s->local) || ipaddr_parse(argv[6], &s->remote) ? -1 : 0;
}

static void print_link(const struct nl_link *l)
{
	char a[64] = "-", b[64] = "-";

	if (l->spec.kind == NL_LINK_VTI) {
		ipaddr_str(&l->spec.local, a, sizeof(a));
		ipaddr_str(&l->spec.remote, b, sizeof(b));
	}
	printf("%s %s %" PRIu32 " %s %s %s %d\n", l->spec.name,
	       l->spec.kind == NL_LINK_XFRM ? "xfrm" : "vti", l->spec.if_id, a, b,
	       l->up ? "up" : "down", l->ifindex);
}

static int list(struct xerr *e)
{
	struct nl_link *ls;
	size_t n;

	if (nl_link_list_owned(&ls, &n, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		print_link(&ls[i]);
	free(ls);
	return 0;
}

int main(int argc, char **argv)
{
	struct nl_link_spec s;
	struct xerr e = {""};
	int ifindex = 0, r;

	if (argc == 2 && !strcmp(argv[1], "list")) {
		r = list(&e);
	} else if (argc == 3 && !strcmp(argv[1], "delete")) {
		r = nl_link_delete(argv[2], &e);
	} else if (argc >= 5 && !strcmp(argv[1], "ensure")) {
		if (parse_spec(argc, argv, &s) < 0)
			return usage();
		r = nl_link_ensure(&s, &ifindex, &e);
		if (r == 0)
			printf("%d\n", ifindex);
	} else {
		return usage();
	}
	if (r < 0)
		fprintf(stderr, "%s\n", e.msg);
	return r < 0 ? 1 : 0;
}
