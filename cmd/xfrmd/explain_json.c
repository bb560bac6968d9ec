/*
 * explain, the answer (explain_int.h): the route, policies, SA, link and
 * tunnel a path met, its outcome and verdict, as JSON; for a forwarded
 * packet, the locally generated one's too.
 */
#include <stdio.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "control_proto.h"
#include "explain_int.h"
#include "nl_kernel.h"
#include "pairing.h"
#include "runtime.h"

#define JSTR(o, k, v)  json_object_object_add(o, k, json_object_new_string(v))
#define JU64(o, k, v)  json_object_object_add(o, k, json_object_new_uint64(v))
#define JBOOL(o, k, v) json_object_object_add(o, k, json_object_new_boolean(v))

static const char *const outcome_names[] = {"protected", "dropped", "clear", "local", "unknown"};

static void jaddr(struct json_object *o, const char *key, const struct ipaddr *a)
{
	if (a->family) {
		char buf[PREFIX_STRLEN];

		JSTR(o, key, ipaddr_str(a, buf, sizeof(buf)));
	}
}

static struct json_object *hop_json(const struct nl_hop *h)
{
	struct json_object *o = json_object_new_object();

	JSTR(o, "dev", h->dev);
	jaddr(o, "gateway", &h->gateway);
	return o;
}

static struct json_object *route_json(const struct nl_route_answer *r)
{
	struct json_object *o = json_object_new_object(), *hops = json_object_new_array();
	char buf[PREFIX_STRLEN];

	JSTR(o, "type", nl_rt_kind_name(r->kind));
	if (r->error)
		JSTR(o, "error", strerror(r->error));
	if (r->from_rules)
		JU64(o, "rule", r->rule_prio);
	/* No destination: not a route from a table (IPv4 with forwarding off) */
	if (r->kind == NL_RT_NONE || r->kind == NL_RT_ERROR || r->rule_action ||
	    !r->dst.addr.family) {
		json_object_put(hops);
		return o;
	}
	JSTR(o, "dst", prefix_str(&r->dst, buf, sizeof(buf)));
	JU64(o, "table", r->table);
	JU64(o, "protocol", r->protocol);
	JBOOL(o, "xfrmd", r->protocol == XFRMD_RTPROT);
	JBOOL(o, "bgp", r->protocol == RTPROT_BIRD); /* installed by BIRD: learned over BGP */
	JU64(o, "metric", r->metric);
	if (r->kind == NL_RT_UNICAST || r->kind == NL_RT_LOCAL) {
		JSTR(o, "dev", r->hop.dev);
		jaddr(o, "gateway", &r->hop.gateway);
	}
	jaddr(o, "prefsrc", &r->prefsrc);
	for (size_t i = 0; i < r->n_hops; i++)
		json_object_array_add(hops, hop_json(&r->hops[i]));
	json_object_object_add(o, "nexthops", hops);
	return o;
}

static struct json_object *tmpl_json(const struct nl_xtmpl *t)
{
	struct json_object *o = json_object_new_object();

	jaddr(o, "src", &t->src);
	jaddr(o, "dst", &t->dst);
	JSTR(o, "proto", nl_xfrm_proto_name(t->proto));
	JSTR(o, "mode", nl_xfrm_mode_name(t->mode));
	JU64(o, "reqid", t->reqid);
	return o;
}

static void mark_json(struct json_object *o, uint32_t mark, uint32_t mask, uint32_t if_id)
{
	if (mask) {
		char buf[32];

		snprintf(buf, sizeof(buf), "0x%x/0x%x", mark, mask);
		JSTR(o, "mark", buf);
	}
	if (if_id)
		JU64(o, "if_id", if_id);
}

static struct json_object *policy_json(const struct nl_xpolicy *p)
{
	static const char *const dirs[] = {"in", "out", "fwd"};
	struct json_object *o = json_object_new_object(), *tmpls = json_object_new_array();
	char buf[PREFIX_STRLEN];

	JSTR(o, "dir", dirs[p->dir]);
	JSTR(o, "src", prefix_str(&p->src, buf, sizeof(buf)));
	JSTR(o, "dst", prefix_str(&p->dst, buf, sizeof(buf)));
	JU64(o, "priority", p->priority);
	JBOOL(o, "xfrmd", p->priority >= XFRMD_PRIO_MIN && p->priority <= XFRMD_PRIO_MAX);
	JSTR(o, "action", p->block ? "block" : p->n_tmpl ? "ipsec" : "allow");
	mark_json(o, p->mark, p->mark_mask, p->if_id);
	for (size_t i = 0; i < p->n_tmpl && i < NL_XTMPL_MAX; i++)
		json_object_array_add(tmpls, tmpl_json(&p->tmpl[i]));
	json_object_object_add(o, "templates", tmpls);
	return o;
}

static struct json_object *sa_json(const struct nl_xsa *s)
{
	struct json_object *o = json_object_new_object();
	char buf[16];

	snprintf(buf, sizeof(buf), "%08x", s->spi);
	JSTR(o, "spi", buf);
	JSTR(o, "proto", nl_xfrm_proto_name(s->proto));
	JSTR(o, "mode", nl_xfrm_mode_name(s->mode));
	jaddr(o, "src", &s->src);
	jaddr(o, "dst", &s->dst);
	JU64(o, "reqid", s->reqid);
	mark_json(o, s->mark, s->mark_mask, s->if_id);
	JU64(o, "bytes", s->bytes);
	JU64(o, "packets", s->packets);
	return o;
}

static struct json_object *tunnel_json(const struct path *p)
{
	const struct conn_rt *c = p->conn;
	struct json_object *o = json_object_new_object();
	char name[CHARON_NAME_MAX];

	charon_conn_tunnel_name(c->cfg, p->tunnel, name, sizeof(name));
	JSTR(o, "connection", c->cfg->name);
	JSTR(o, "name", name);
	JU64(o, "index", cfg_tunnel_number(c->cfg, p->tunnel));
	JU64(o, "id", c->t[p->tunnel].id);
	JBOOL(o, "healthy", c->pair.healthy[p->tunnel]);
	JBOOL(o, "carries_traffic", pair_is_active(&c->pair, p->tunnel));
	return o;
}

static struct json_object *link_json(const struct nl_link *l)
{
	struct json_object *o = json_object_new_object();

	JSTR(o, "dev", l->spec.name);
	JSTR(o, "kind", l->spec.kind == NL_LINK_VTI ? "vti" : "xfrm");
	JU64(o, l->spec.kind == NL_LINK_VTI ? "key" : "if_id", l->spec.if_id);
	return o;
}

static void path_json(struct json_object *o, const struct path *p)
{
	jaddr(o, "src", &p->src);
	if (p->forward && p->forwarding.known) {
		struct json_object *f = json_object_new_object();

		JSTR(f, "setting", p->forwarding.name);
		JBOOL(f, "enabled", p->forwarding.on);
		json_object_object_add(o, "forwarding", f);
	}
	json_object_object_add(o, "route", route_json(&p->route));
	if (p->fwd)
		json_object_object_add(o, "fwd_policy", policy_json(p->fwd));
	if (p->link)
		json_object_object_add(o, "link", link_json(p->link));
	json_object_object_add(o, "policy", p->pol ? policy_json(p->pol) : NULL);
	if (p->conditional)
		JU64(o, "skipped_policies", p->conditional);
	json_object_object_add(o, "sa", p->sa ? sa_json(p->sa) : NULL);
	if (p->larval)
		JBOOL(o, "sa_pending", true);
	if (p->conn)
		JSTR(o, "connection", p->conn->cfg->name);
	json_object_object_add(o, "tunnel", p->has_tunnel ? tunnel_json(p) : NULL);
	JSTR(o, "outcome", outcome_names[p->outcome]);
	JSTR(o, "verdict", p->verdict);
}

static void forward_json(struct json_object *r, const struct path *fwd, const struct path *loc)
{
	struct json_object *lo = json_object_new_object();
	char iif[IF_NAMESIZE];

	if (fwd->iif && if_indextoname((unsigned)fwd->iif, iif))
		JSTR(r, "iif", iif);
	else
		json_object_object_add(r, "iif", NULL);
	path_json(r, fwd);
	path_json(lo, loc);
	json_object_object_add(r, "local", lo);
}

static struct json_object *nat_json(const struct ipaddr *src, const struct ipaddr *dst,
				    const struct nat_note *n)
{
	struct json_object *o = json_object_new_object();

	JSTR(o, "connection", n->conn);
	jaddr(o, "dst", dst);
	jaddr(o, "dst_real", &n->dst_real);
	jaddr(o, "src", src);
	jaddr(o, "src_wire", &n->src_wire);
	JBOOL(o, "src_translated", n->src_translated);
	JU64(o, "mark", n->mark);
	JU64(o, "table", n->table);
	return o;
}

struct json_object *explain_json(const struct ipaddr *src, const struct ipaddr *dst, bool local,
				 const struct path *fwd, const struct path *loc,
				 const struct nat_note *nat)
{
	struct json_object *r = json_object_new_object();

	JBOOL(r, CTL_OK, true);
	jaddr(r, "src", src);
	jaddr(r, "dst", dst);
	if (nat->on && !local)
		json_object_object_add(r, "nat", nat_json(src, dst, nat));
	JSTR(r, "path", local ? "local" : "forward");
	if (local) {
		path_json(r, loc);
	} else {
		forward_json(r, fwd, loc);
	}
	return r;
}
