/*
 * connections[].nat and .mss and gateway.nat parsed and checked (the
 * translation itself: config_nat.c).
 */
#include <netinet/in.h>
#include <string.h>

#include "config_json.h"

int cfg_parse_mss(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	if (json_object_is_type(v, json_type_string)) {
		if (strcmp(json_object_get_string(v), "auto"))
			return cj_err(x, "\"auto\" or a number (%u..%u)", CFG_MSS_MIN, CFG_MSS_MAX);
		c->mss = CFG_MSS_AUTO;
		return 0;
	}
	return cj_u32(x, v, CFG_MSS_MIN, CFG_MSS_MAX, &c->mss);
}

static int parse_rule_type(struct pctx *x, json_object *v, void *dst)
{
	static const char *const names_v[] = {"egress", "ingress"};
	static const struct cfg_names names = {names_v, 2};
	struct cfg_nat_rule *r = dst;
	int i;

	if (cj_enum(x, v, &names, &i))
		return -1;
	r->type = (enum cfg_nat_type)i;
	return 0;
}

static int parse_rule_internal(struct pctx *x, json_object *v, void *dst)
{
	return cj_prefix(x, v, &((struct cfg_nat_rule *)dst)->internal);
}

static int parse_rule_external(struct pctx *x, json_object *v, void *dst)
{
	return cj_prefix(x, v, &((struct cfg_nat_rule *)dst)->external);
}

static const struct cj_key rule_keys[] = {
    {"type", parse_rule_type, true},
    {"internal", parse_rule_internal, true},
    {"external", parse_rule_external, true},
};

int cfg_parse_nat(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];

	if (cj_array(x, v, 1, CFG_NAT_MAX, &c->n_nat))
		return -1;
	for (size_t i = 0; i < c->n_nat; i++) {
		struct cfg_nat_rule *r = &c->nat[i];
		size_t mark = cj_push_index(x, i);

		if (cj_keys(x, json_object_array_get_idx(v, i), rule_keys, NKEYS(rule_keys), r,
			    NULL))
			return -1;
		if (r->internal.addr.family != r->external.addr.family ||
		    r->internal.len != r->external.len) {
			cj_push_key(x, "external");
			return cj_err(x, "%s is not of internal %s's family and length",
				      prefix_str(&r->external, a, sizeof(a)),
				      prefix_str(&r->internal, b, sizeof(b)));
		}
		cj_pop(x, mark);
	}
	return 0;
}

static int parse_gw_nat_mark(struct pctx *x, json_object *v, void *dst)
{
	return cj_u32(x, v, 1, UINT32_MAX - CFG_NAT_ID_MAX, &((struct cfg_gateway *)dst)->nat_mark);
}

static int parse_gw_nat_table(struct pctx *x, json_object *v, void *dst)
{
	return cj_u32(x, v, 256, UINT32_MAX - CFG_NAT_ID_MAX,
		      &((struct cfg_gateway *)dst)->nat_table);
}

static int parse_gw_nat_prio(struct pctx *x, json_object *v, void *dst)
{
	return cj_u32(x, v, 1, 32765, &((struct cfg_gateway *)dst)->nat_rule_priority);
}

static const struct cj_key gw_nat_keys[] = {
    {"mark", parse_gw_nat_mark, false},
    {"table", parse_gw_nat_table, false},
    {"rule_priority", parse_gw_nat_prio, false},
};

int cfg_parse_gw_nat(struct pctx *x, json_object *v, void *dst)
{
	return cj_keys(x, v, gw_nat_keys, NKEYS(gw_nat_keys), dst, NULL);
}

int cfg_check_nat_gateway(const struct cfg_gateway *gw, struct xerr *e)
{
	uint64_t lo = gw->nat_table, hi = lo + CFG_NAT_ID_MAX;

	if (gw->route_table >= lo && gw->route_table <= hi)
		return xerr_set(e, "gateway.nat.table: tables %u..%llu hold gateway.route_table %u",
				gw->nat_table, (unsigned long long)hi, gw->route_table);
	if (gw->probe_table >= lo && gw->probe_table <= hi)
		return xerr_set(e, "gateway.nat.table: tables %u..%llu hold gateway.probe_table %u",
				gw->nat_table, (unsigned long long)hi, gw->probe_table);
	if (gw->nat_rule_priority == 211) /* cmd/xfrmd/probe_path.c's rule */
		return xerr_set(e, "gateway.nat.rule_priority: 211 is xfrmd's probe rule");
	return 0;
}

static bool inside_any(const struct prefix *v, size_t n, const struct prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (prefix_within(p, &v[i]))
			return true;
	return false;
}

/* Each rule's internal inside its side's prefixes, no two rules of a
 * type with overlapping internals, no two externals overlapping. */
static int check_rules(struct pctx *x, const struct cfg_connection *c)
{
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];

	for (size_t i = 0; i < c->n_nat; i++) {
		const struct cfg_nat_rule *r = &c->nat[i];
		bool egress = r->type == CFG_NAT_EGRESS;
		size_t mark = cj_push_index(x, i);

		if (!inside_any(egress ? c->local_prefixes : c->remote_prefixes,
				egress ? c->n_local : c->n_remote, &r->internal)) {
			cj_push_key(x, "internal");
			return cj_err(x, "%s is inside none of the connection's %s",
				      prefix_str(&r->internal, a, sizeof(a)),
				      egress ? "local_prefixes" : "remote_prefixes");
		}
		for (size_t j = 0; j < i; j++) {
			const struct cfg_nat_rule *q = &c->nat[j];

			if (q->type == r->type && prefix_overlap(&q->internal, &r->internal)) {
				cj_push_key(x, "internal");
				return cj_err(x, "%s overlaps nat[%zu].internal %s",
					      prefix_str(&r->internal, a, sizeof(a)), j,
					      prefix_str(&q->internal, b, sizeof(b)));
			}
			if (prefix_overlap(&q->external, &r->external)) {
				cj_push_key(x, "external");
				return cj_err(x, "%s overlaps nat[%zu].external %s",
					      prefix_str(&r->external, a, sizeof(a)), j,
					      prefix_str(&q->external, b, sizeof(b)));
			}
		}
		cj_pop(x, mark);
	}
	return 0;
}

/* Where view entry i came from: nat[rule].external, or the list's own
 * entry (untranslated); x's path is the connection's. */
static void push_origin(struct pctx *x, const int *rule, size_t i, const char *list)
{
	cj_push_key(x, rule[i] >= 0 ? "nat" : list);
	cj_push_index(x, rule[i] >= 0 ? (size_t)rule[i] : i);
	if (rule[i] >= 0)
		cj_push_key(x, "external");
}

/* Neither side's view may overlap: our network's (local real, remote
 * ingress-translated) and the wire's (local egress-translated, remote
 * real). */
static int check_views(struct pctx *x, const struct cfg_connection *c)
{
	struct prefix v[CFG_NAT_VIEW_MAX];
	int rule[CFG_NAT_VIEW_MAX];
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];
	size_t n = cfg_nat_view(c, CFG_NAT_INGRESS, c->remote_prefixes, c->n_remote, v, rule);

	for (size_t i = 0; i < n; i++)
		for (size_t l = 0; l < c->n_local; l++)
			if (prefix_overlap(&v[i], &c->local_prefixes[l])) {
				push_origin(x, rule, i, "remote_prefixes");
				return cj_err(x,
					      "%s overlaps local prefix %s (as our side sees them)",
					      prefix_str(&v[i], a, sizeof(a)),
					      prefix_str(&c->local_prefixes[l], b, sizeof(b)));
			}
	n = cfg_nat_view(c, CFG_NAT_EGRESS, c->local_prefixes, c->n_local, v, rule);
	for (size_t i = 0; i < n; i++)
		for (size_t r = 0; r < c->n_remote; r++)
			if (prefix_overlap(&v[i], &c->remote_prefixes[r])) {
				push_origin(x, rule, i, "local_prefixes");
				return cj_err(
				    x, "%s overlaps remote prefix %s (as the far side sees them)",
				    prefix_str(&v[i], a, sizeof(a)),
				    prefix_str(&c->remote_prefixes[r], b, sizeof(b)));
			}
	return 0;
}

int cfg_nat_finish(struct pctx *x, const struct cfg_connection *c)
{
	uint64_t t = c->routes.table, lo = c->nat_table_base;
	size_t mark;

	if (t >= lo && t <= lo + CFG_NAT_ID_MAX) {
		cj_push_key(x, "routes");
		cj_push_key(x, "table");
		return cj_err(x, "table %u is among gateway.nat.table's (%u..%llu)",
			      c->routes.table, c->nat_table_base,
			      (unsigned long long)(lo + CFG_NAT_ID_MAX));
	}
	if (!c->n_nat)
		return 0;
	mark = cj_push_key(x, "nat");
	if (check_rules(x, c))
		return -1;
	cj_pop(x, mark);
	return check_views(x, c);
}
