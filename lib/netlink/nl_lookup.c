/*
 * Read-only lookups for `xfrmctl explain` (nl_lookup.h).
 *
 * Routes: the kernel's own RTM_GETROUTE, twice: once for the path this flow
 * takes (with multipath, the next hop its hash picks) and once with
 * RTM_F_FIB_MATCH for the route entry behind it (prefix, table, protocol,
 * metric, every next hop). Lookups that end in a blackhole, unreachable or
 * prohibit route come back as a bare errno; the route that caused it is
 * then found by walking the rules and tables like fib_rules_lookup() and
 * accepted only if its kind gives that very errno.
 *
 * Policies and SAs are read from the kernel's structs, like nl_policy.c
 * does and for the same reasons (libnl 3.7's xfrm parser leaks), but whole:
 * marks, if_ids, every template, larval SAs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <stdlib.h>
#include <string.h>

#include "nl_common.h"
#include "nl_lookup.h"

/* ---- route lookups ------------------------------------------------------- */

static enum nl_rt_kind kind_of(uint8_t rtn)
{
	switch (rtn) {
	case RTN_UNICAST:
		return NL_RT_UNICAST;
	case RTN_LOCAL:
		return NL_RT_LOCAL;
	case RTN_BLACKHOLE:
		return NL_RT_BLACKHOLE;
	case RTN_UNREACHABLE:
		return NL_RT_UNREACHABLE;
	case RTN_PROHIBIT:
		return NL_RT_PROHIBIT;
	default:
		return NL_RT_OTHER;
	}
}

const char *nl_rt_kind_name(enum nl_rt_kind k)
{
	static const char *const names[] = {"none",	   "unicast",  "local", "blackhole",
					    "unreachable", "prohibit", "other", "error"};

	return (size_t)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

static void hop_fill(struct rtnl_nexthop *nh, struct nl_hop *h)
{
	memset(h, 0, sizeof(*h));
	h->ifindex = rtnl_route_nh_get_ifindex(nh);
	if (h->ifindex <= 0 || !if_indextoname((unsigned)h->ifindex, h->dev))
		h->dev[0] = '\0';
	nlk_ipaddr(rtnl_route_nh_get_gateway(nh), &h->gateway);
}

/* The route entry: prefix, table, metric, protocol, every next hop. */
static void answer_fib(struct rtnl_route *rt, struct nl_route_answer *a)
{
	struct nl_addr *dst = rtnl_route_get_dst(rt);
	int n = rtnl_route_get_nnexthops(rt);

	a->kind = kind_of(rtnl_route_get_type(rt));
	nlk_ipaddr(dst, &a->dst.addr);
	a->dst.addr.family = rtnl_route_get_family(rt); /* a default route has no address */
	a->dst.len = dst ? (uint8_t)nl_addr_get_prefixlen(dst) : 0;
	a->table = rtnl_route_get_table(rt);
	a->metric = rtnl_route_get_priority(rt);
	a->protocol = rtnl_route_get_protocol(rt);
	a->n_hops = 0;
	for (int i = 0; i < n && a->n_hops < NL_LOOKUP_NH_MAX; i++)
		hop_fill(rtnl_route_nexthop_n(rt, i), &a->hops[a->n_hops++]);
}

/* The flow's side: the next hop taken, the source the kernel picks. */
static void answer_flow(struct rtnl_route *rt, struct nl_route_answer *a)
{
	a->kind = kind_of(rtnl_route_get_type(rt));
	a->table = rtnl_route_get_table(rt);
	if (rtnl_route_get_nnexthops(rt) > 0)
		hop_fill(rtnl_route_nexthop_n(rt, 0), &a->hop);
	nlk_ipaddr(rtnl_route_get_pref_src(rt), &a->prefsrc);
}

struct route_reply {
	struct rtnl_route *rt;
	int error; /* the kernel's errno, 0 if it answered with a route */
};

static int reply_valid(struct nl_msg *msg, void *arg)
{
	struct route_reply *r = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);

	if (h->nlmsg_type == RTM_NEWROUTE && !r->rt && rtnl_route_parse(h, &r->rt) < 0)
		r->rt = NULL;
	return NL_OK;
}

/* libnl folds errnos together (EHOSTUNREACH and ENETUNREACH both become
 * NLE_FAILURE): keep the kernel's own. */
static int reply_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	struct route_reply *r = arg;

	(void)nla;
	r->error = -err->error;
	return NL_STOP;
}

static int put_addr(struct nl_msg *msg, int type, const struct ipaddr *a)
{
	return nla_put(msg, type, (int)nlk_family_len(a->family), a->bytes);
}

static struct nl_msg *route_request(const struct nl_route_query *q, bool fibmatch)
{
	uint8_t bits = (uint8_t)(nlk_family_len(q->dst.family) * 8);
	struct rtmsg rtm = {
	    .rtm_family = (uint8_t)q->dst.family,
	    .rtm_dst_len = bits,
	    .rtm_src_len = q->src.family ? bits : 0,
	    /* Without LOOKUP_TABLE the kernel says "main" whatever table answered. */
	    .rtm_flags = RTM_F_LOOKUP_TABLE | (fibmatch ? RTM_F_FIB_MATCH : 0),
	};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETROUTE, 0);

	if (msg && (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
		    put_addr(msg, RTA_DST, &q->dst) < 0 ||
		    (q->src.family && put_addr(msg, RTA_SRC, &q->src) < 0) ||
		    (q->iif && nla_put_u32(msg, RTA_IIF, (uint32_t)q->iif) < 0) ||
		    (q->mark && nla_put_u32(msg, RTA_MARK, q->mark) < 0))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* One RTM_GETROUTE; 0 with r->rt or r->error set, else a libnl error.
 * The socket has auto-ack off: one message comes back, route or error. */
static int route_ask(struct nl_sock *sk, const struct nl_route_query *q, bool fibmatch,
		     struct route_reply *r)
{
	struct nl_msg *msg = route_request(q, fibmatch);
	int err;

	memset(r, 0, sizeof(*r));
	if (!msg)
		return -NLE_NOMEM;
	err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (err >= 0)
		err = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, reply_valid, r);
	if (err >= 0)
		err = nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, reply_error, r);
	if (err >= 0)
		err = nl_recvmsgs_default(sk);
	if (r->error)
		return 0;
	if (err < 0)
		return err;
	return r->rt ? 0 : -NLE_OBJ_NOTFOUND;
}

/* ---- rules and tables, for lookups the kernel answers with an errno ----- */

struct fib_rule {
	uint32_t prio, table, target;
	uint8_t action, flags, tos;
	struct prefix src, dst;
	char iif[IF_NAMESIZE];
	bool oif;	  /* an output interface: never matches a lookup without one */
	bool unsupported; /* uid range, l3mdev, tunnel id, protocol, ports */
	uint32_t mark, mask;
	int32_t suppress_len; /* -1: none */
};

struct rule_list {
	int family;
	struct fib_rule *items;
	size_t n, cap;
	int err;
};

static void rule_prefix(int family, struct nlattr *attr, uint8_t len, struct prefix *p)
{
	size_t n = nlk_family_len(family);

	memset(p, 0, sizeof(*p));
	p->addr.family = family;
	if (attr && (size_t)nla_len(attr) >= n) {
		memcpy(p->addr.bytes, nla_data(attr), n);
		p->len = len;
	}
}

static uint32_t attr_u32(struct nlattr *attr, uint32_t dflt)
{
	return attr && nla_len(attr) >= 4 ? nla_get_u32(attr) : dflt;
}

static void rule_fill(struct fib_rule *r, int family, const struct fib_rule_hdr *fh,
		      struct nlattr **tb)
{
	memset(r, 0, sizeof(*r));
	r->prio = attr_u32(tb[FRA_PRIORITY], 0);
	r->table = attr_u32(tb[FRA_TABLE], fh->table);
	r->target = attr_u32(tb[FRA_GOTO], 0);
	r->action = fh->action;
	r->flags = (uint8_t)fh->flags;
	r->tos = fh->tos;
	rule_prefix(family, tb[FRA_SRC], fh->src_len, &r->src);
	rule_prefix(family, tb[FRA_DST], fh->dst_len, &r->dst);
	if (tb[FRA_IIFNAME])
		nla_strlcpy(r->iif, tb[FRA_IIFNAME], sizeof(r->iif));
	r->oif = tb[FRA_OIFNAME] != NULL;
	r->unsupported = tb[FRA_UID_RANGE] || tb[FRA_L3MDEV] || tb[FRA_TUN_ID] ||
			 tb[FRA_IP_PROTO] || tb[FRA_SPORT_RANGE] || tb[FRA_DPORT_RANGE];
	r->mark = attr_u32(tb[FRA_FWMARK], 0);
	r->mask = attr_u32(tb[FRA_FWMASK], r->mark ? ~0u : 0);
	r->suppress_len = (int32_t)attr_u32(tb[FRA_SUPPRESS_PREFIXLEN], ~0u);
}

static int rule_msg(struct nl_msg *msg, void *arg)
{
	struct rule_list *l = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[FRA_MAX + 1];
	struct fib_rule *items;

	if (h->nlmsg_type != RTM_NEWRULE ||
	    nlmsg_parse(h, sizeof(struct fib_rule_hdr), tb, FRA_MAX, NULL) < 0)
		return NL_OK;
	if (!(items = nlk_grow(l->items, l->n, &l->cap, sizeof(*l->items)))) {
		l->err = -NLE_NOMEM;
		return NL_STOP;
	}
	l->items = items;
	rule_fill(&l->items[l->n++], l->family, nlmsg_data(h), tb);
	return NL_OK;
}

/* The kernel dumps rules in the order it evaluates them. */
static int rules_dump(struct nl_sock *sk, struct rule_list *l)
{
	struct fib_rule_hdr fh = {.family = (uint8_t)l->family};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETRULE, NLM_F_DUMP);
	int err;

	if (!msg)
		return -NLE_NOMEM;
	if (nlmsg_append(msg, &fh, sizeof(fh), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	err = nlk_dump(sk, msg, rule_msg, l);
	return err < 0 ? err : l->err;
}

/* A route entry that contains the destination. */
struct cand {
	struct nl_route_answer a;
	uint8_t rtn;
};

struct cand_list {
	const struct ipaddr *dst;
	struct cand *items;
	size_t n, cap;
	int err;
};

static bool cand_wanted(struct rtnl_route *rt, const struct ipaddr *dst)
{
	struct nl_addr *src = rtnl_route_get_src(rt);
	struct nl_route_answer a;

	/* Cached clones and TOS routes are no FIB entries for this flow; IPv6
	 * source-specific routes are left out. */
	if ((rtnl_route_get_flags(rt) & RTM_F_CLONED) || rtnl_route_get_tos(rt) ||
	    (src && nl_addr_get_prefixlen(src)))
		return false;
	memset(&a, 0, sizeof(a));
	answer_fib(rt, &a);
	return prefix_contains_addr(&a.dst, dst);
}

static int cand_msg(struct nl_msg *msg, void *arg)
{
	struct cand_list *l = arg;
	struct rtnl_route *rt;
	struct cand *items;

	if (nlmsg_hdr(msg)->nlmsg_type != RTM_NEWROUTE || rtnl_route_parse(nlmsg_hdr(msg), &rt) < 0)
		return NL_OK;
	if (cand_wanted(rt, l->dst)) {
		if (!(items = nlk_grow(l->items, l->n, &l->cap, sizeof(*l->items)))) {
			rtnl_route_put(rt);
			l->err = -NLE_NOMEM;
			return NL_STOP;
		}
		l->items = items;
		memset(&l->items[l->n], 0, sizeof(l->items[0]));
		answer_fib(rt, &l->items[l->n].a);
		l->items[l->n++].rtn = rtnl_route_get_type(rt);
	}
	rtnl_route_put(rt);
	return NL_OK;
}

static int cands_dump(struct nl_sock *sk, struct cand_list *l)
{
	struct rtmsg rtm = {.rtm_family = (uint8_t)l->dst->family};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_DUMP);
	int err;

	if (!msg)
		return -NLE_NOMEM;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	err = nlk_dump(sk, msg, cand_msg, l);
	return err < 0 ? err : l->err;
}

/* A table's answer: longest prefix, then lowest metric. */
static const struct cand *table_best(const struct cand_list *l, uint32_t table)
{
	const struct cand *best = NULL;

	for (size_t i = 0; i < l->n; i++) {
		const struct cand *c = &l->items[i];

		if (c->a.table != table)
			continue;
		if (!best || c->a.dst.len > best->a.dst.len ||
		    (c->a.dst.len == best->a.dst.len && c->a.metric < best->a.metric))
			best = c;
	}
	return best;
}

/* fib_rule_match() for a packet of q's mark, without TOS or output interface. */
static bool rule_matches(const struct fib_rule *r, const struct nl_route_query *q, const char *iif)
{
	bool m;

	if (r->unsupported)
		return false;
	m = !r->oif && !r->tos && (r->mark & r->mask) == (q->mark & r->mask) &&
	    (!r->iif[0] || !strcmp(r->iif, iif)) &&
	    (!r->src.len || (q->src.family && prefix_contains_addr(&r->src, &q->src))) &&
	    (!r->dst.len || prefix_contains_addr(&r->dst, &q->dst));
	return (r->flags & FIB_RULE_INVERT) ? !m : m;
}

/* A FR_ACT_GOTO's target: the rule with exactly that priority after it. */
static size_t rule_goto(const struct rule_list *rl, size_t from)
{
	for (size_t j = from + 1; j < rl->n; j++)
		if (rl->items[j].prio == rl->items[from].target)
			return j - 1; /* the loop's increment lands on it */
	return from;
}

static void answer_rule_action(const struct fib_rule *r, struct nl_route_answer *a)
{
	a->kind = r->action == FR_ACT_UNREACHABLE ? NL_RT_UNREACHABLE
		  : r->action == FR_ACT_PROHIBIT  ? NL_RT_PROHIBIT
						  : NL_RT_BLACKHOLE;
	a->rule_action = true;
}

/* fib_rules_lookup(): 1 with *a filled when a rule decides, 0 when none. */
static int rules_walk(const struct rule_list *rl, const struct cand_list *cl,
		      const struct nl_route_query *q, const char *iif, struct nl_route_answer *a)
{
	for (size_t i = 0; i < rl->n; i++) {
		const struct fib_rule *r = &rl->items[i];
		const struct cand *c;

		if (!rule_matches(r, q, iif) || r->action == FR_ACT_NOP)
			continue;
		if (r->action == FR_ACT_GOTO) {
			i = rule_goto(rl, i);
			continue;
		}
		memset(a, 0, sizeof(*a));
		a->from_rules = true;
		a->rule_prio = r->prio;
		if (r->action != FR_ACT_TO_TBL) {
			answer_rule_action(r, a);
			return 1;
		}
		c = table_best(cl, r->table);
		/* THROW goes on to the next rule; suppress_prefixlength only
		 * discards answers that are routes, not errors. */
		if (!c || c->rtn == RTN_THROW ||
		    ((c->rtn == RTN_UNICAST || c->rtn == RTN_LOCAL) &&
		     (int32_t)c->a.dst.len <= r->suppress_len))
			continue;
		*a = c->a;
		a->from_rules = true;
		a->rule_prio = r->prio;
		return 1;
	}
	return 0;
}

/* The errno the kernel's lookup gives for an answer. */
static int errno_of(const struct nl_route_answer *a)
{
	switch (a->kind) {
	case NL_RT_BLACKHOLE:
		return EINVAL;
	case NL_RT_UNREACHABLE:
		return a->rule_action ? ENETUNREACH : EHOSTUNREACH;
	case NL_RT_PROHIBIT:
		return EACCES;
	case NL_RT_NONE:
		return ENETUNREACH;
	default:
		return 0;
	}
}

static enum nl_rt_kind kind_of_errno(int error)
{
	switch (error) {
	case EINVAL:
		return NL_RT_BLACKHOLE;
	case EHOSTUNREACH:
		return NL_RT_UNREACHABLE;
	case EACCES:
		return NL_RT_PROHIBIT;
	case ENETUNREACH:
		return NL_RT_NONE;
	default:
		return NL_RT_ERROR;
	}
}

static int route_refused(struct nl_sock *sk, const struct nl_route_query *q, int error,
			 struct nl_route_answer *a)
{
	struct rule_list rl = {.family = q->dst.family};
	struct cand_list cl = {.dst = &q->dst};
	char iif[IF_NAMESIZE] = "lo"; /* output lookups come from loopback */
	struct nl_route_answer walked;
	int err;

	a->kind = kind_of_errno(error);
	a->error = error;
	if (a->kind == NL_RT_ERROR)
		return 0;
	if (q->iif && !if_indextoname((unsigned)q->iif, iif))
		iif[0] = '\0';
	err = rules_dump(sk, &rl);
	if (err >= 0)
		err = cands_dump(sk, &cl);
	if (err >= 0 && rules_walk(&rl, &cl, q, iif, &walked) && errno_of(&walked) == error) {
		*a = walked;
		a->error = error;
	}
	free(rl.items);
	free(cl.items);
	return err < 0 ? err : 0;
}

int nl_lookup_route(const struct nl_route_query *q, struct nl_route_answer *a, struct xerr *e)
{
	struct route_reply r;
	struct nl_sock *sk;
	int err;

	memset(a, 0, sizeof(*a));
	if (!nlk_family_len(q->dst.family) || (q->src.family && q->src.family != q->dst.family))
		return xerr_set(e, "route lookup: the addresses must both be IPv4 or both IPv6");
	if (!(sk = nlk_open(NETLINK_ROUTE, e)))
		return -1;
	nl_socket_disable_auto_ack(sk);
	err = route_ask(sk, q, false, &r);
	if (err >= 0 && r.error) {
		err = route_refused(sk, q, r.error, a);
	} else if (err >= 0) {
		answer_flow(r.rt, a);
		rtnl_route_put(r.rt);
		/* Linux < 4.13 has no FIB_MATCH: the flow's answer is all there is. */
		if (route_ask(sk, q, true, &r) >= 0 && r.rt) {
			answer_fib(r.rt, a);
			rtnl_route_put(r.rt);
		}
	}
	nl_socket_free(sk);
	if (err < 0)
		return xerr_set(e, "route lookup: %s", nl_geterror(err));
	return 0;
}

/* ---- XFRM dumps ---------------------------------------------------------- */

static void sel_prefixes(const struct xfrm_selector *sel, struct prefix *src, struct prefix *dst)
{
	size_t n = nlk_family_len(sel->family);

	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	if (!n)
		return;
	src->addr.family = dst->addr.family = sel->family;
	memcpy(src->addr.bytes, &sel->saddr, n);
	memcpy(dst->addr.bytes, &sel->daddr, n);
	src->len = sel->prefixlen_s;
	dst->len = sel->prefixlen_d;
}

static void mark_of(struct nlattr *attr, uint32_t *v, uint32_t *m)
{
	const struct xfrm_mark *xm;

	*v = *m = 0;
	if (attr && nla_len(attr) >= (int)sizeof(*xm)) {
		xm = nla_data(attr);
		*v = xm->v;
		*m = xm->m;
	}
}

static void tmpl_fill(const struct xfrm_user_tmpl *ut, struct nl_xtmpl *t)
{
	memset(t, 0, sizeof(*t));
	nlk_xfrm_addr(ut->family, &ut->saddr, &t->src);
	nlk_xfrm_addr(ut->family, &ut->id.daddr, &t->dst);
	t->proto = ut->id.proto;
	t->mode = ut->mode;
	t->reqid = ut->reqid;
	t->spi = ntohl(ut->id.spi);
	t->optional = ut->optional;
}

static enum nl_policy_dir dir_of(uint8_t xdir)
{
	if (xdir == XFRM_POLICY_IN)
		return NL_POLICY_IN;
	return xdir == XFRM_POLICY_OUT ? NL_POLICY_OUT : NL_POLICY_FWD;
}

static void policy_fill(struct nl_xpolicy *p, const struct xfrm_userpolicy_info *pi,
			struct nlattr **tb)
{
	const struct xfrm_user_tmpl *ut = tb[XFRMA_TMPL] ? nla_data(tb[XFRMA_TMPL]) : NULL;
	size_t n = tb[XFRMA_TMPL] ? (size_t)nla_len(tb[XFRMA_TMPL]) / sizeof(*ut) : 0;
	const struct xfrm_userpolicy_type *t;

	memset(p, 0, sizeof(*p));
	sel_prefixes(&pi->sel, &p->src, &p->dst);
	p->dir = dir_of(pi->dir);
	p->conditional = pi->sel.proto || pi->sel.sport_mask || pi->sel.dport_mask;
	p->sel_ifindex = pi->sel.ifindex;
	p->priority = pi->priority;
	p->index = pi->index;
	p->block = pi->action == XFRM_POLICY_BLOCK;
	mark_of(tb[XFRMA_MARK], &p->mark, &p->mark_mask);
	p->if_id = attr_u32(tb[XFRMA_IF_ID], 0);
	p->main_type = true;
	if (tb[XFRMA_POLICY_TYPE] && nla_len(tb[XFRMA_POLICY_TYPE]) >= (int)sizeof(*t)) {
		t = nla_data(tb[XFRMA_POLICY_TYPE]);
		p->main_type = t->type == XFRM_POLICY_TYPE_MAIN;
	}
	p->n_tmpl = n;
	for (size_t i = 0; i < n && i < NL_XTMPL_MAX; i++)
		tmpl_fill(&ut[i], &p->tmpl[i]);
}

struct xlist {
	void *items;
	size_t n, cap, size;
	int err;
};

/* Room for one more item of l, or NULL (l->err set). */
static void *xlist_next(struct xlist *l)
{
	void *items = nlk_grow(l->items, l->n, &l->cap, l->size);

	if (!items) {
		l->err = -NLE_NOMEM;
		return NULL;
	}
	l->items = items;
	return (char *)items + l->size * l->n++;
}

static int policy_msg(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	const struct xfrm_userpolicy_info *pi = nlmsg_data(h);
	struct nlattr *tb[XFRMA_MAX + 1];
	struct nl_xpolicy *p;

	if (h->nlmsg_type != XFRM_MSG_NEWPOLICY ||
	    nlmsg_parse(h, sizeof(*pi), tb, XFRMA_MAX, NULL) < 0 ||
	    !nlk_family_len(pi->sel.family) || pi->dir > XFRM_POLICY_FWD)
		return NL_OK;
	if (!(p = xlist_next(arg)))
		return NL_STOP;
	policy_fill(p, pi, tb);
	return NL_OK;
}

static void sa_fill(struct nl_xsa *s, const struct xfrm_usersa_info *si, struct nlattr **tb)
{
	memset(s, 0, sizeof(*s));
	s->spi = ntohl(si->id.spi);
	s->proto = si->id.proto;
	s->mode = si->mode;
	nlk_xfrm_addr(si->family, &si->saddr, &s->src);
	nlk_xfrm_addr(si->family, &si->id.daddr, &s->dst);
	sel_prefixes(&si->sel, &s->sel_src, &s->sel_dst);
	s->reqid = si->reqid;
	mark_of(tb[XFRMA_MARK], &s->mark, &s->mark_mask);
	s->if_id = attr_u32(tb[XFRMA_IF_ID], 0);
	s->add_time = si->curlft.add_time;
	s->bytes = si->curlft.bytes;
	s->packets = si->curlft.packets;
}

static int sa_msg(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	const struct xfrm_usersa_info *si = nlmsg_data(h);
	struct nlattr *tb[XFRMA_MAX + 1];
	struct nl_xsa *s;

	if (h->nlmsg_type != XFRM_MSG_NEWSA || nlmsg_parse(h, sizeof(*si), tb, XFRMA_MAX, NULL) < 0)
		return NL_OK;
	if (!(s = xlist_next(arg)))
		return NL_STOP;
	sa_fill(s, si, tb);
	return NL_OK;
}

static int xfrm_dump(int type, nl_recvmsg_msg_cb_t cb, struct xlist *l, const char *what,
		     struct xerr *e)
{
	struct nl_sock *sk = nlk_open(NETLINK_XFRM, e);
	struct nl_msg *msg;
	int err = -NLE_NOMEM;

	if (!sk)
		return -1;
	if ((msg = nlmsg_alloc_simple(type, NLM_F_DUMP)))
		err = nlk_dump(sk, msg, cb, l);
	nl_socket_free(sk);
	if (err >= 0)
		err = l->err;
	if (err < 0) {
		free(l->items);
		l->items = NULL;
		return xerr_set(e, "dumping XFRM %s: %s", what, nl_geterror(err));
	}
	return 0;
}

int nl_lookup_policies(struct nl_xpolicy **out, size_t *n, struct xerr *e)
{
	struct xlist l = {.size = sizeof(**out)};
	int rc = xfrm_dump(XFRM_MSG_GETPOLICY, policy_msg, &l, "policies", e);

	*out = l.items;
	*n = rc ? 0 : l.n;
	return rc;
}

int nl_lookup_sas(struct nl_xsa **out, size_t *n, struct xerr *e)
{
	struct xlist l = {.size = sizeof(**out)};
	int rc = xfrm_dump(XFRM_MSG_GETSA, sa_msg, &l, "states", e);

	*out = l.items;
	*n = rc ? 0 : l.n;
	return rc;
}

static int default_msg(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);

	if (h->nlmsg_type == XFRM_MSG_GETDEFAULT &&
	    nlmsg_datalen(h) >= (int)sizeof(struct xfrm_userpolicy_default))
		memcpy(arg, nlmsg_data(h), sizeof(struct xfrm_userpolicy_default));
	return NL_OK;
}

bool nl_lookup_default_blocks(enum nl_policy_dir dir)
{
	struct xfrm_userpolicy_default def = {0};
	struct nl_sock *sk = nlk_open(NETLINK_XFRM, NULL);
	struct nl_msg *msg = nlmsg_alloc_simple(XFRM_MSG_GETDEFAULT, 0);
	uint8_t v;

	if (sk && msg && nlmsg_append(msg, &def, sizeof(def), NLMSG_ALIGNTO) >= 0 &&
	    nl_send_auto(sk, msg) >= 0 &&
	    nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, default_msg, &def) >= 0 &&
	    nl_recvmsgs_default(sk) >= 0)
		(void)nl_wait_for_ack(sk);
	nlmsg_free(msg);
	if (sk)
		nl_socket_free(sk);
	v = dir == NL_POLICY_IN ? def.in : dir == NL_POLICY_OUT ? def.out : def.fwd;
	return v == XFRM_USERPOLICY_BLOCK;
}

/* ---- matching ------------------------------------------------------------ */

/* xfrm_policy_match() and xfrm_selector_match(), protocol aside. */
static bool policy_applies(const struct nl_xpolicy *p, enum nl_policy_dir dir,
			   const struct nl_xflow *f)
{
	return p->dir == dir && p->main_type && p->if_id == f->if_id &&
	       (f->mark & p->mark_mask) == p->mark &&
	       (!p->sel_ifindex || p->sel_ifindex == f->oif) &&
	       prefix_contains_addr(&p->src, &f->src) && prefix_contains_addr(&p->dst, &f->dst);
}

const struct nl_xpolicy *nl_lookup_policy_match(const struct nl_xpolicy *ps, size_t n,
						enum nl_policy_dir dir, const struct nl_xflow *f,
						size_t *conditional)
{
	const struct nl_xpolicy *best = NULL;

	if (conditional)
		*conditional = 0;
	for (size_t i = 0; i < n; i++) {
		const struct nl_xpolicy *p = &ps[i];

		if (!policy_applies(p, dir, f))
			continue;
		if (p->conditional) {
			if (conditional)
				(*conditional)++;
			continue;
		}
		if (!best || p->priority < best->priority ||
		    (p->priority == best->priority && p->index < best->index))
			best = p;
	}
	return best;
}

/* The addresses the template asks for: tunnel modes name them, transport
 * takes the packet's own. */
static void tmpl_endpoints(const struct nl_xtmpl *t, const struct nl_xflow *f, struct ipaddr *src,
			   struct ipaddr *dst)
{
	bool tunnel = t->mode == XFRM_MODE_TUNNEL || t->mode == XFRM_MODE_BEET;

	*src = !tunnel && !t->src.family ? f->src : t->src;
	*dst = !tunnel && !t->dst.family ? f->dst : t->dst;
}

/* xfrm_state_find()'s test, selector included (xfrm_state_look_at). */
static bool sa_fits(const struct nl_xsa *s, const struct nl_xpolicy *p, const struct nl_xtmpl *t,
		    const struct nl_xflow *f, const struct ipaddr *src, const struct ipaddr *dst)
{
	uint32_t mark = p->mark & p->mark_mask;

	if (s->proto != t->proto || s->mode != t->mode || s->reqid != t->reqid ||
	    (t->spi && s->spi != t->spi) || s->if_id != p->if_id ||
	    (mark & s->mark_mask) != s->mark || !ipaddr_equal(&s->dst, dst) ||
	    (src->family && !ipaddr_equal(&s->src, src)))
		return false;
	return !s->sel_src.addr.family || (prefix_contains_addr(&s->sel_src, &f->src) &&
					   prefix_contains_addr(&s->sel_dst, &f->dst));
}

const struct nl_xsa *nl_lookup_sa_match(const struct nl_xsa *sas, size_t n,
					const struct nl_xpolicy *p, const struct nl_xtmpl *t,
					const struct nl_xflow *f, bool *larval)
{
	const struct nl_xsa *best = NULL;
	struct ipaddr src, dst;

	*larval = false;
	tmpl_endpoints(t, f, &src, &dst);
	for (size_t i = 0; i < n; i++) {
		if (!sa_fits(&sas[i], p, t, f, &src, &dst))
			continue;
		if (!sas[i].spi)
			*larval = true;
		else if (!best || sas[i].add_time > best->add_time)
			best = &sas[i];
	}
	return best;
}

const char *nl_xfrm_mode_name(uint8_t mode)
{
	static const char *const names[] = {"transport", "tunnel", "ro", "in_trigger", "beet"};

	return mode < sizeof(names) / sizeof(names[0]) ? names[mode] : "?";
}

const char *nl_xfrm_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ah";
	case IPPROTO_COMP:
		return "comp";
	default:
		return "?";
	}
}
