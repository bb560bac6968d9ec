/* xfrmctl explain: what the gateway's kernel does with a packet SRC -> DST. */
#include <stdio.h>
#include <string.h>

#include "jget.h"
#include "plural.h"
#include "prefix.h"
#include "xfrmctl.h"

#define EXPLAIN_TIMEOUT_MS 10000

static void print_hops(struct json_object *hops)
{
	size_t n = hops ? json_object_array_length(hops) : 0;

	if (n < 2)
		return;
	printf(" [multipath:");
	for (size_t i = 0; i < n; i++)
		printf(" %s", jstr(json_object_array_get_idx(hops, i), "dev"));
	printf("]");
}

static void print_route(struct json_object *r)
{
	printf("  route   %s", jstr(r, "type"));
	if (!jobj(r, "dst")) {
		if (jobj(r, "rule"))
			printf(" by ip rule %llu", jnum(r, "rule"));
		if (jobj(r, "error"))
			printf(" (%s)", jstr(r, "error"));
		printf("\n");
		return;
	}
	printf(" %s table %llu proto %llu%s metric %llu", jstr(r, "dst"), jnum(r, "table"),
	       jnum(r, "protocol"),
	       jbool(r, "xfrmd") ? " (xfrmd)"
	       : jbool(r, "bgp") ? " (BIRD: learned over BGP)"
				 : "",
	       jnum(r, "metric"));
	if (*jstr(r, "dev"))
		printf(": dev %s", jstr(r, "dev"));
	if (*jstr(r, "gateway"))
		printf(" via %s", jstr(r, "gateway"));
	print_hops(jobj(r, "nexthops"));
	printf("\n");
}

static void print_policy(const char *label, struct json_object *p)
{
	struct json_object *tmpls = jobj(p, "templates");
	struct json_object *t = tmpls ? json_object_array_get_idx(tmpls, 0) : NULL;

	printf("  %-7s %s %s -> %s priority %llu%s", label, jstr(p, "dir"), jstr(p, "src"),
	       jstr(p, "dst"), jnum(p, "priority"), jbool(p, "xfrmd") ? " (xfrmd)" : "");
	if (jobj(p, "mark"))
		printf(" mark %s", jstr(p, "mark"));
	if (jobj(p, "if_id"))
		printf(" if_id %llu", jnum(p, "if_id"));
	printf(": %s", jstr(p, "action"));
	if (t)
		printf(" %s %s %s -> %s reqid %llu", jstr(t, "proto"), jstr(t, "mode"),
		       *jstr(t, "src") ? jstr(t, "src") : "any",
		       *jstr(t, "dst") ? jstr(t, "dst") : "any", jnum(t, "reqid"));
	printf("\n");
}

static void print_details(struct json_object *o)
{
	struct json_object *l = jobj(o, "link"), *sa = jobj(o, "sa"), *t = jobj(o, "tunnel");

	print_route(jobj(o, "route"));
	if (jobj(o, "fwd_policy"))
		print_policy("policy", jobj(o, "fwd_policy"));
	if (l)
		printf("  link    %s (%s %s %s)\n", jstr(l, "dev"), jstr(l, "kind"),
		       jobj(l, "key") ? "key" : "if_id", jstr(l, jobj(l, "key") ? "key" : "if_id"));
	if (jobj(o, "policy"))
		print_policy("policy", jobj(o, "policy"));
	if (sa)
		printf("  sa      spi %s %s %s -> %s reqid %llu, %llu %s\n", jstr(sa, "spi"),
		       jstr(sa, "proto"), jstr(sa, "src"), jstr(sa, "dst"), jnum(sa, "reqid"),
		       jnum(sa, "packets"), plural(jnum(sa, "packets"), "packet", "packets"));
	if (t)
		printf("  tunnel  %s (%s t%llu): %s, %s\n", jstr(t, "name"), jstr(t, "connection"),
		       jnum(t, "index"), jbool(t, "healthy") ? "healthy" : "not healthy",
		       jbool(t, "carries_traffic") ? "carries traffic" : "does not carry traffic");
	if (jnum(o, "skipped_policies"))
		printf("  (%llu %s with protocol or port selectors not considered)\n",
		       jnum(o, "skipped_policies"),
		       plural(jnum(o, "skipped_policies"), "policy", "policies"));
}

static void print_human(struct json_object *r)
{
	struct json_object *lo = jobj(r, "local");
	bool fwd = !strcmp(jstr(r, "path"), "forward");

	printf("%s -> %s, %s", jstr(r, "src"), jstr(r, "dst"),
	       fwd ? "forwarded" : "locally generated");
	if (fwd)
		printf(" (%s%s)", jobj(r, "iif") ? "enters on " : "entry interface unknown",
		       jstr(r, "iif"));
	printf("\n");
	if (jobj(r, "nat")) {
		struct json_object *n = jobj(r, "nat");

		printf("  nat     dst %s -> %s (ingress), src %s -> %s (%s), connection %s, "
		       "fwmark 0x%llx table %llu\n",
		       jstr(n, "dst"), jstr(n, "dst_real"), jstr(n, "src"), jstr(n, "src_wire"),
		       jbool(n, "src_translated") ? "egress" : "not translated",
		       jstr(n, "connection"), jnum(n, "mark"), jnum(n, "table"));
	}
	print_details(r);
	printf("%s\n", jstr(r, "verdict"));
	/* The gateway's own traffic, when its fate differs. */
	if (lo && strcmp(jstr(lo, "verdict"), jstr(r, "verdict")))
		printf("locally generated (from %s): %s\n",
		       *jstr(lo, "src") ? jstr(lo, "src") : "?", jstr(lo, "verdict"));
}

static int check_addrs(const char *src, const char *dst)
{
	struct ipaddr s, d;

	if (ipaddr_parse(src, &s)) {
		fprintf(stderr, "xfrmctl: explain: SRC '%s' is not an IPv4 or IPv6 address\n", src);
		return -1;
	}
	if (ipaddr_parse(dst, &d)) {
		fprintf(stderr, "xfrmctl: explain: DST '%s' is not an IPv4 or IPv6 address\n", dst);
		return -1;
	}
	if (s.family != d.family) {
		fprintf(stderr,
			"xfrmctl: explain: SRC %s and DST %s must both be IPv4 or both IPv6\n", src,
			dst);
		return -1;
	}
	return 0;
}

int cmd_explain(const struct ctl_opts *o, int argc, char **argv)
{
	const char *addrs[2] = {NULL, NULL};
	struct json_object *req;
	bool as_json = false;
	size_t n = 0;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			as_json = true;
		} else if (argv[i][0] == '-' || n == 2) {
			usage_error("explain", "unexpected argument '%s'", argv[i]);
			return 2;
		} else {
			addrs[n++] = argv[i];
		}
	}
	if (n != 2) {
		usage_error("explain", "needs SRC and DST");
		return 2;
	}
	if (check_addrs(addrs[0], addrs[1]))
		return 1;
	req = json_object_new_object();
	json_object_object_add(req, CTL_CMD, json_object_new_string(CTL_CMD_EXPLAIN));
	json_object_object_add(req, CTL_ARG_SRC, json_object_new_string(addrs[0]));
	json_object_object_add(req, CTL_ARG_DST, json_object_new_string(addrs[1]));
	rc = call_and_show(o, req, EXPLAIN_TIMEOUT_MS, NULL, as_json, print_human);
	json_object_put(req);
	return rc;
}
