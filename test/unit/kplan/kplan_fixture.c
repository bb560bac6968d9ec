#include "kplan_fixture.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

struct prefix fx_prefix(const char *s)
{
	struct prefix p;
	const char *why = NULL;

	memset(&p, 0, sizeof(p));
	ck_assert_msg(!prefix_parse(s, &p, &why), "%s: %s", s, why ? why : "?");
	return p;
}

struct ipaddr fx_addr(const char *s)
{
	struct ipaddr a;

	memset(&a, 0, sizeof(a));
	ck_assert_msg(!ipaddr_parse(s, &a), "%s", s);
	return a;
}

void fx_init(struct fx *f, enum cfg_mode mode, enum cfg_redundancy red, enum cfg_ifkind ifk,
	     enum cfg_start start, bool fail_closed, size_t primary)
{
	static const char *const remote[] = {"10.2.0.0/16", "10.3.0.0/24", "2001:db8:2::/48"};

	memset(f, 0, sizeof(*f));
	snprintf(f->cfg.name, sizeof(f->cfg.name), "vpc");
	f->cfg.mode = mode;
	f->cfg.redundancy = red;
	f->cfg.interface = ifk;
	f->cfg.start = start;
	f->cfg.fail_closed = fail_closed;
	f->local[0] = fx_prefix("10.1.0.0/16");
	f->local[1] = fx_prefix("2001:db8:1::/48");
	for (size_t i = 0; i < 3; i++)
		f->remote[i] = fx_prefix(remote[i]);
	f->cfg.local_prefixes = f->local;
	f->cfg.n_local = 2;
	f->cfg.remote_prefixes = f->remote;
	f->cfg.n_remote = 3;
	f->cfg.n_tunnels = 2;
	f->cfg.tunnels[0].local = fx_addr("192.0.2.1");
	f->cfg.tunnels[0].remote = fx_addr("198.51.100.1");
	f->cfg.tunnels[0].id = 7;
	f->cfg.tunnels[1].local = fx_addr("192.0.2.2");
	f->cfg.tunnels[1].remote = fx_addr("198.51.100.2");
	f->cfg.tunnels[1].id = 9;
	f->cfg.tunnels[0].role = primary == 0 ? CFG_ROLE_PRIMARY : CFG_ROLE_STANDBY;
	f->cfg.tunnels[1].role = primary == 1 ? CFG_ROLE_PRIMARY : CFG_ROLE_STANDBY;
	f->cfg.routes.table = 254;
	f->cfg.routes.metric = 100;
	for (size_t i = 0; i < 3; i++)
		f->routes[i] = (struct kp_route_obj){f->remote[i], 254, 100, true};
	f->routes[3] = (struct kp_route_obj){fx_prefix("10.9.0.0/24"), 254, 50, false};

	pair_init(&f->pair, red == CFG_RED_ACTIVE_ACTIVE ? PAIR_ACTIVE_ACTIVE : PAIR_ACTIVE_STANDBY,
		  2, primary, 30000);
	f->in.cfg = &f->cfg;
	f->in.pair = &f->pair;
	f->in.t[0] = (struct kp_tunnel){.id = 7, .ifindex = 21};
	f->in.t[1] = (struct kp_tunnel){.id = 9, .ifindex = 22};
	f->in.routes = f->routes;
	f->in.n_routes = 4;
}

struct kp_plan fx_plan(struct fx *f)
{
	struct kp_plan p;
	struct xerr e;

	ck_assert_msg(!kp_plan(&f->in, &p, &e), "%s", e.msg);
	return p;
}

void fx_health(struct fx *f, enum health h)
{
	size_t t;

	pair_init(&f->pair, f->pair.mode, 2, f->pair.primary, f->pair.hold_down_ms);
	if (h == H_PRI || h == H_BOTH)
		pair_set_health(&f->pair, f->pair.primary, true, 0);
	if (h == H_STB || h == H_BOTH)
		pair_set_health(&f->pair, 1 - f->pair.primary, true, 0);
	memset(&f->in.underlay, 0, sizeof(f->in.underlay));
	t = kp_route_tunnel(&f->in);
	if (t != KP_NONE) {
		f->in.underlay.known = true;
		f->in.underlay.ifindex = (int)(3 + t);
		f->in.underlay.gateway = fx_addr(t == 0 ? "203.0.113.1" : "203.0.113.2");
	}
}

static char buf[65536];

static const char *addr_or_any(const struct ipaddr *a, char *s, size_t len)
{
	if (!a->family)
		return "any";
	return ipaddr_str(a, s, len);
}

static size_t policy_fmt(char *out, size_t len, const struct nl_policy *p, bool del)
{
	static const char *const dirs[] = {
	    [NL_POLICY_IN] = "in", [NL_POLICY_OUT] = "out", [NL_POLICY_FWD] = "fwd"};
	char s[PREFIX_STRLEN], d[PREFIX_STRLEN], ts[PREFIX_STRLEN], td[PREFIX_STRLEN];
	int n = snprintf(out, len, "%s%s %s %s prio %u", del ? "del " : "", dirs[p->dir],
			 prefix_str(&p->src, s, sizeof(s)), prefix_str(&p->dst, d, sizeof(d)),
			 p->priority);

	if (del)
		return (size_t)n;
	if (p->action == NL_POLICY_BLOCK)
		return (size_t)n + (size_t)snprintf(out + n, len - (size_t)n, " block");
	if (p->action != NL_POLICY_TUNNEL)
		return (size_t)n + (size_t)snprintf(out + n, len - (size_t)n, " other");
	return (size_t)n + (size_t)snprintf(out + n, len - (size_t)n, " tunnel %s %s reqid %u",
					    addr_or_any(&p->tmpl_src, ts, sizeof(ts)),
					    addr_or_any(&p->tmpl_dst, td, sizeof(td)), p->reqid);
}

static size_t route_fmt(char *out, size_t len, const struct nl_route *r, bool del)
{
	static const char *const types[] = {[NL_ROUTE_UNICAST] = "unicast",
					    [NL_ROUTE_BLACKHOLE] = "blackhole",
					    [NL_ROUTE_UNREACHABLE] = "unreachable",
					    [NL_ROUTE_OTHER] = "other"};
	char p[PREFIX_STRLEN], g[PREFIX_STRLEN];
	size_t n = (size_t)snprintf(out, len, "%sroute %s table %u metric %u", del ? "del " : "",
				    prefix_str(&r->dst, p, sizeof(p)), r->table, r->metric);

	if (del)
		return n;
	n += (size_t)snprintf(out + n, len - n, " %s", types[r->type]);
	for (size_t i = 0; i < r->n_nh; i++) {
		if (r->nh_gateway[i].family)
			n += (size_t)snprintf(out + n, len - n, " via %s",
					      ipaddr_str(&r->nh_gateway[i], g, sizeof(g)));
		n += (size_t)snprintf(out + n, len - n, " dev %d", r->nh_ifindex[i]);
	}
	return n;
}

const char *fx_policy_str(const struct nl_policy *p, bool del)
{
	policy_fmt(buf, sizeof(buf), p, del);
	return buf;
}

const char *fx_route_str(const struct nl_route *r, bool del)
{
	route_fmt(buf, sizeof(buf), r, del);
	return buf;
}

const char *fx_changes_str(const struct kp_changes *ch)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ch->n_policies && n < sizeof(buf) - 256; i++) {
		n += policy_fmt(buf + n, sizeof(buf) - n, &ch->policies[i].p, ch->policies[i].del);
		buf[n++] = '\n';
		buf[n] = '\0';
	}
	for (size_t i = 0; i < ch->n_routes && n < sizeof(buf) - 256; i++) {
		n += route_fmt(buf + n, sizeof(buf) - n, &ch->routes[i].r, ch->routes[i].del);
		buf[n++] = '\n';
		buf[n] = '\0';
	}
	return buf;
}
