/*
 * XFRM policies xfrmd owns: those with a priority in xfrmd's band. The
 * kernel identifies a policy by selector, direction, mark, if_id and type,
 * not by priority, so XFRM_MSG_UPDPOLICY with the selector of charon's or
 * an admin's policy would silently take it over: update and delete look the
 * selector up first and leave policies outside the band alone.
 *
 * Policies are written with libnl-xfrm but read from the kernel's structs:
 * libnl 3.7 cannot look a policy up by selector, and its parser leaks the
 * addresses of every policy it reads (fixed in libnl 3.9), which a daemon
 * listing policies on every reconcile cannot afford.
 */
#include <linux/xfrm.h>
#include <stdarg.h>
#include <stdio.h>
#include <netlink/xfrm/selector.h>
#include <netlink/xfrm/sp.h>
#include <netlink/xfrm/template.h>
#include <stdlib.h>
#include <string.h>

#include "nl_common.h"
#include "nl_kernel.h"

static const char *const dir_names[] = {"in", "out", "fwd"};

static uint8_t policy_xdir(enum nl_policy_dir d)
{
	switch (d) {
	case NL_POLICY_IN:
		return XFRM_POLICY_IN;
	case NL_POLICY_OUT:
		return XFRM_POLICY_OUT;
	case NL_POLICY_FWD:
		break;
	}
	return XFRM_POLICY_FWD;
}

static bool family_ok(int family)
{
	return family == AF_INET || family == AF_INET6;
}

/* "policy out 10.1.0.0/24 -> 10.2.0.0/24: WHAT", for messages. */
static int policy_err(struct xerr *e, const struct nl_policy *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int policy_err(struct xerr *e, const struct nl_policy *p, const char *fmt, ...)
{
	char s[PREFIX_STRLEN], d[PREFIX_STRLEN], what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return xerr_set(e, "policy %s %s -> %s: %s", dir_names[policy_xdir(p->dir)],
			prefix_str(&p->src, s, sizeof(s)), prefix_str(&p->dst, d, sizeof(d)), what);
}

/* What identifies a policy: selector and direction. */
static int policy_check_key(const struct nl_policy *p, struct xerr *e)
{
	int family = p->src.addr.family;

	if (!family_ok(family) || p->dst.addr.family != family)
		return xerr_set(e, "policy: source and destination must both be IPv4 or both IPv6");
	if (p->dir != NL_POLICY_IN && p->dir != NL_POLICY_OUT && p->dir != NL_POLICY_FWD)
		return xerr_set(e, "policy: invalid direction %d", (int)p->dir);
	if (p->src.len > nlk_family_len(family) * 8 || p->dst.len > nlk_family_len(family) * 8)
		return policy_err(e, p, "invalid prefix length");
	return 0;
}

static int policy_check(const struct nl_policy *p, struct xerr *e)
{
	if (policy_check_key(p, e) < 0)
		return -1;
	if (p->priority < XFRMD_PRIO_MIN || p->priority > XFRMD_PRIO_MAX)
		return policy_err(e, p, "priority %u is outside xfrmd's band %u-%u", p->priority,
				  XFRMD_PRIO_MIN, XFRMD_PRIO_MAX);
	if (p->action == NL_POLICY_BLOCK)
		return 0;
	if (p->action != NL_POLICY_TUNNEL)
		return policy_err(e, p, "only tunnel and block policies can be written");
	if ((p->tmpl_src.family && !family_ok(p->tmpl_src.family)) ||
	    (p->tmpl_dst.family && !family_ok(p->tmpl_dst.family)) ||
	    (p->tmpl_src.family && p->tmpl_dst.family && p->tmpl_src.family != p->tmpl_dst.family))
		return policy_err(e, p, "tunnel endpoints must both be IPv4 or both IPv6");
	return 0;
}

/* ---- reading ------------------------------------------------------------ */

static void policy_selector(const struct nl_policy *p, struct xfrm_selector *sel)
{
	size_t n = nlk_family_len(p->src.addr.family);

	memset(sel, 0, sizeof(*sel));
	memcpy(&sel->saddr, p->src.addr.bytes, n);
	memcpy(&sel->daddr, p->dst.addr.bytes, n);
	sel->family = (uint16_t)p->src.addr.family;
	sel->prefixlen_s = p->src.len;
	sel->prefixlen_d = p->dst.len;
}

struct policy_found {
	bool found;
	uint32_t priority;
};

static int policy_get_msg(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct policy_found *f = arg;

	if (h->nlmsg_type == XFRM_MSG_NEWPOLICY &&
	    nlmsg_datalen(h) >= (int)sizeof(struct xfrm_userpolicy_info)) {
		f->found = true;
		f->priority = ((const struct xfrm_userpolicy_info *)nlmsg_data(h))->priority;
	}
	return NL_OK;
}

/* XFRM_MSG_GETPOLICY by selector and direction (no mark, no if_id: the
 * identity of the policies xfrmd writes). The answer is the policy or an
 * error, so no ACK is asked for: a failover waits for one answer, not two.
 * Without the ACK, libnl's sequence count would be one behind for the
 * update's; the socket is this call's alone, so the check is left out. */
static int policy_lookup(struct nl_sock *sk, const struct nl_policy *p, struct policy_found *f)
{
	struct xfrm_userpolicy_id id;
	struct nl_msg *msg = nlmsg_alloc_simple(XFRM_MSG_GETPOLICY, 0);
	int err;

	f->found = false;
	if (!msg)
		return -NLE_NOMEM;
	memset(&id, 0, sizeof(id));
	policy_selector(p, &id.sel);
	id.dir = policy_xdir(p->dir);
	nl_socket_disable_seq_check(sk);
	nl_socket_disable_auto_ack(sk);
	err = nlmsg_append(msg, &id, sizeof(id), NLMSG_ALIGNTO);
	if (err >= 0)
		err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	nl_socket_enable_auto_ack(sk); /* the update waits for its ACK */
	if (err >= 0)
		err = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, policy_get_msg, f);
	if (err >= 0)
		err = nl_recvmsgs_default(sk);
	if (err == -NLE_OBJ_NOTFOUND) {
		f->found = false;
		return 0;
	}
	return err < 0 ? err : 0;
}

/* 0 if the kernel has no policy with p's selector and direction, or one
 * in xfrmd's band (*exists says which); -1 if it is someone else's. */
static int policy_ours_or_gone(struct nl_sock *sk, const struct nl_policy *p, bool *exists,
			       struct xerr *e)
{
	struct policy_found f;
	int err = policy_lookup(sk, p, &f);

	if (err < 0)
		return policy_err(e, p, "looking it up: %s", nl_geterror(err));
	*exists = f.found;
	if (!f.found || (f.priority >= XFRMD_PRIO_MIN && f.priority <= XFRMD_PRIO_MAX))
		return 0;
	return policy_err(e, p,
			  "the kernel's policy has priority %u, outside xfrmd's band %u-%u: "
			  "not xfrmd's, left alone",
			  f.priority, XFRMD_PRIO_MIN, XFRMD_PRIO_MAX);
}

/* In the band and shaped like what nl_policy_update writes: main type, no
 * mark, no if_id (those would be invisible to update and delete). */
static bool policy_owned(const struct xfrm_userpolicy_info *pi, struct nlattr **tb)
{
	const struct xfrm_mark *m;
	const struct xfrm_userpolicy_type *t;

	if (pi->priority < XFRMD_PRIO_MIN || pi->priority > XFRMD_PRIO_MAX ||
	    pi->dir > XFRM_POLICY_FWD || !family_ok(pi->sel.family))
		return false;
	if (tb[XFRMA_MARK] && nla_len(tb[XFRMA_MARK]) >= (int)sizeof(*m)) {
		m = nla_data(tb[XFRMA_MARK]);
		if (m->v || m->m)
			return false;
	}
	if (tb[XFRMA_IF_ID] && nla_len(tb[XFRMA_IF_ID]) >= 4 && nla_get_u32(tb[XFRMA_IF_ID]))
		return false;
	if (tb[XFRMA_POLICY_TYPE] && nla_len(tb[XFRMA_POLICY_TYPE]) >= (int)sizeof(*t)) {
		t = nla_data(tb[XFRMA_POLICY_TYPE]);
		if (t->type != XFRM_POLICY_TYPE_MAIN)
			return false;
	}
	return true;
}

static enum nl_policy_dir policy_dir_of(uint8_t xdir)
{
	if (xdir == XFRM_POLICY_IN)
		return NL_POLICY_IN;
	return xdir == XFRM_POLICY_OUT ? NL_POLICY_OUT : NL_POLICY_FWD;
}

/* One ESP tunnel-mode template, as xfrmd writes them; else "other". */
static void policy_fill_tmpl(struct nl_policy *p, struct nlattr *attr)
{
	const struct xfrm_user_tmpl *ut;

	p->action = NL_POLICY_OTHER;
	if (!attr || nla_len(attr) != (int)sizeof(*ut))
		return;
	ut = nla_data(attr);
	if (ut->id.proto != IPPROTO_ESP || ut->mode != XFRM_MODE_TUNNEL || ut->optional ||
	    ut->id.spi)
		return;
	p->action = NL_POLICY_TUNNEL;
	nlk_xfrm_addr(ut->family, &ut->saddr, &p->tmpl_src);
	nlk_xfrm_addr(ut->family, &ut->id.daddr, &p->tmpl_dst);
	p->reqid = ut->reqid;
}

static void policy_fill(struct nl_policy *p, const struct xfrm_userpolicy_info *pi,
			struct nlattr **tb)
{
	size_t n = nlk_family_len(pi->sel.family);

	memset(p, 0, sizeof(*p));
	p->src.addr.family = p->dst.addr.family = pi->sel.family;
	memcpy(p->src.addr.bytes, &pi->sel.saddr, n);
	memcpy(p->dst.addr.bytes, &pi->sel.daddr, n);
	p->src.len = pi->sel.prefixlen_s;
	p->dst.len = pi->sel.prefixlen_d;
	p->dir = policy_dir_of(pi->dir);
	p->priority = pi->priority;
	/* A selector with ports, protocol or interface is not one xfrmd wrote. */
	if (pi->sel.proto || pi->sel.dport_mask || pi->sel.sport_mask || pi->sel.ifindex)
		p->action = NL_POLICY_OTHER;
	else if (pi->action == XFRM_POLICY_BLOCK)
		p->action = tb[XFRMA_TMPL] ? NL_POLICY_OTHER : NL_POLICY_BLOCK;
	else
		policy_fill_tmpl(p, tb[XFRMA_TMPL]);
}

struct policy_list {
	struct nl_policy *items;
	size_t n, cap;
	int err;
};

static int policy_dump_msg(struct nl_msg *msg, void *arg)
{
	struct policy_list *l = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	const struct xfrm_userpolicy_info *pi = nlmsg_data(h);
	struct nlattr *tb[XFRMA_MAX + 1];
	struct nl_policy *items;

	if (h->nlmsg_type != XFRM_MSG_NEWPOLICY ||
	    nlmsg_parse(h, sizeof(*pi), tb, XFRMA_MAX, NULL) < 0 || !policy_owned(pi, tb))
		return NL_OK;
	items = nlk_grow(l->items, l->n, &l->cap, sizeof(*l->items));
	if (!items) {
		l->err = -NLE_NOMEM;
		return NL_STOP;
	}
	l->items = items;
	policy_fill(&l->items[l->n++], pi, tb);
	return NL_OK;
}

int nl_policy_list_owned(struct nl_policy **out, size_t *n, struct xerr *e)
{
	struct policy_list l = {0};
	struct nl_sock *sk = nlk_open(NETLINK_XFRM, e);
	struct nl_msg *msg;
	int err = -NLE_NOMEM;

	*out = NULL;
	*n = 0;
	if (!sk)
		return -1;
	if ((msg = nlmsg_alloc_simple(XFRM_MSG_GETPOLICY, NLM_F_DUMP)))
		err = nlk_dump(sk, msg, policy_dump_msg, &l);
	nl_socket_free(sk);
	if (err >= 0)
		err = l.err;
	if (err < 0) {
		free(l.items);
		return xerr_set(e, "listing xfrmd's XFRM policies: %s", nl_geterror(err));
	}
	*out = l.items;
	*n = l.n;
	return 0;
}

/* ---- writing (libnl-xfrm) ------------------------------------------------- */

static struct xfrmnl_sel *policy_sel(const struct nl_policy *p)
{
	struct xfrmnl_sel *sel = xfrmnl_sel_alloc();
	struct nl_addr *s = nlk_addr(&p->src.addr, 0, p->src.len);
	struct nl_addr *d = nlk_addr(&p->dst.addr, 0, p->dst.len);

	if (sel && s && d) {
		/* The setters take their own references. */
		xfrmnl_sel_set_saddr(sel, s);
		xfrmnl_sel_set_daddr(sel, d);
		xfrmnl_sel_set_prefixlen_s(sel, p->src.len);
		xfrmnl_sel_set_prefixlen_d(sel, p->dst.len);
		xfrmnl_sel_set_family(sel, (unsigned)p->src.addr.family);
	} else if (sel) {
		xfrmnl_sel_put(sel);
		sel = NULL;
	}
	nl_addr_put(s);
	nl_addr_put(d);
	return sel;
}

/* ESP tunnel template. An endpoint without a family is "any": libnl needs
 * an address object either way, so it gets the all-zero address of the
 * other endpoint's family, or of the selector's. */
static struct xfrmnl_user_tmpl *policy_tmpl(const struct nl_policy *p)
{
	int family = p->tmpl_src.family	  ? p->tmpl_src.family
		     : p->tmpl_dst.family ? p->tmpl_dst.family
					  : p->src.addr.family;
	unsigned bits = (unsigned)nlk_family_len(family) * 8;
	struct xfrmnl_user_tmpl *t = xfrmnl_user_tmpl_alloc();
	struct nl_addr *s = nlk_addr(&p->tmpl_src, family, bits);
	struct nl_addr *d = nlk_addr(&p->tmpl_dst, family, bits);

	if (t && s && d) {
		xfrmnl_user_tmpl_set_family(t, (unsigned)family);
		xfrmnl_user_tmpl_set_saddr(t, s);
		xfrmnl_user_tmpl_set_daddr(t, d);
		xfrmnl_user_tmpl_set_proto(t, IPPROTO_ESP);
		xfrmnl_user_tmpl_set_mode(t, XFRM_MODE_TUNNEL);
		xfrmnl_user_tmpl_set_reqid(t, p->reqid);
		/* Any algorithm, as iproute2 and charon ask. */
		xfrmnl_user_tmpl_set_aalgos(t, ~0u);
		xfrmnl_user_tmpl_set_ealgos(t, ~0u);
		xfrmnl_user_tmpl_set_calgos(t, ~0u);
	} else if (t) {
		xfrmnl_user_tmpl_free(t);
		t = NULL;
	}
	nl_addr_put(s);
	nl_addr_put(d);
	return t;
}

/* The policy as a libnl object; a key-only one (selector and direction) is
 * what a delete needs. */
static struct xfrmnl_sp *policy_build(const struct nl_policy *p, bool key_only)
{
	struct xfrmnl_sp *sp = xfrmnl_sp_alloc();
	struct xfrmnl_sel *sel = policy_sel(p);
	struct xfrmnl_user_tmpl *t;

	if (!sp || !sel)
		goto fail;
	xfrmnl_sp_set_sel(sp, sel);
	xfrmnl_sel_put(sel);
	sel = NULL;
	xfrmnl_sp_set_dir(sp, policy_xdir(p->dir));
	if (key_only)
		return sp;
	xfrmnl_sp_set_priority(sp, p->priority);
	if (p->action == NL_POLICY_BLOCK) {
		xfrmnl_sp_set_action(sp, XFRM_POLICY_BLOCK);
		return sp;
	}
	xfrmnl_sp_set_action(sp, XFRM_POLICY_ALLOW);
	if (!(t = policy_tmpl(p)))
		goto fail;
	xfrmnl_sp_add_usertemplate(sp, t); /* sp owns it now */
	return sp;
fail:
	if (sel)
		xfrmnl_sel_put(sel);
	if (sp)
		xfrmnl_sp_put(sp);
	return NULL;
}

/* Updates p, or deletes it (del), once the kernel's policy with p's
 * selector and direction is known to be absent or xfrmd's. */
static int policy_write(const struct nl_policy *p, bool del, struct xerr *e)
{
	struct nl_sock *sk = nlk_open(NETLINK_XFRM, e);
	struct xfrmnl_sp *sp = NULL;
	bool exists = false;
	int err = -NLE_NOMEM;

	if (!sk)
		return -1;
	nl_socket_disable_msg_peek(sk); /* small answers: a read each, not two */
	if (policy_ours_or_gone(sk, p, &exists, e) < 0) {
		nl_socket_free(sk);
		return -1;
	}
	if (del && !exists) {
		nl_socket_free(sk);
		return 0;
	}
	if ((sp = policy_build(p, del)))
		err = del ? xfrmnl_sp_delete(sk, sp, 0) : xfrmnl_sp_update(sk, sp, 0);
	if (sp)
		xfrmnl_sp_put(sp);
	nl_socket_free(sk);
	if (err >= 0 || (del && err == -NLE_OBJ_NOTFOUND))
		return 0;
	return policy_err(e, p, "%s: %s", del ? "deleting" : "updating", nl_geterror(err));
}

int nl_policy_update(const struct nl_policy *p, struct xerr *e)
{
	if (policy_check(p, e) < 0)
		return -1;
	return policy_write(p, false, e);
}

/* A template endpoint of "any" is written as the family's all-zero address
 * and dumped back as one. */
static bool tmpl_addr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	static const uint8_t zero[sizeof(a->bytes)];
	bool a_any = !a->family || !memcmp(a->bytes, zero, sizeof(zero));
	bool b_any = !b->family || !memcmp(b->bytes, zero, sizeof(zero));

	return a_any || b_any ? a_any == b_any : ipaddr_equal(a, b);
}

bool nl_policy_equal(const struct nl_policy *a, const struct nl_policy *b)
{
	if (!prefix_equal(&a->src, &b->src) || !prefix_equal(&a->dst, &b->dst) ||
	    a->dir != b->dir || a->priority != b->priority || a->action != b->action)
		return false;
	return a->action != NL_POLICY_TUNNEL ||
	       (a->reqid == b->reqid && tmpl_addr_equal(&a->tmpl_src, &b->tmpl_src) &&
		tmpl_addr_equal(&a->tmpl_dst, &b->tmpl_dst));
}

static void key_addr(struct ipaddr *out, const struct ipaddr *a)
{
	static const uint8_t zero[sizeof(a->bytes)];

	if (!a->family || !memcmp(a->bytes, zero, sizeof(zero)))
		return; /* "any" */
	out->family = a->family;
	memcpy(out->bytes, a->bytes, nlk_family_len(a->family));
}

void nl_policy_key(const struct nl_policy *p, struct nl_policy *key)
{
	memset(key, 0, sizeof(*key));
	key->src.addr.family = p->src.addr.family;
	key->src.len = p->src.len;
	memcpy(key->src.addr.bytes, p->src.addr.bytes, nlk_family_len(p->src.addr.family));
	key->dst.addr.family = p->dst.addr.family;
	key->dst.len = p->dst.len;
	memcpy(key->dst.addr.bytes, p->dst.addr.bytes, nlk_family_len(p->dst.addr.family));
	key->dir = p->dir;
	key->priority = p->priority;
	key->action = p->action;
	if (p->action != NL_POLICY_TUNNEL)
		return;
	key->reqid = p->reqid;
	key_addr(&key->tmpl_src, &p->tmpl_src);
	key_addr(&key->tmpl_dst, &p->tmpl_dst);
}

int nl_policy_delete(const struct nl_policy *p, struct xerr *e)
{
	if (policy_check_key(p, e) < 0)
		return -1;
	return policy_write(p, true, e);
}
