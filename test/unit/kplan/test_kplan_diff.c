/* The planner's diffs: from what the kernel has (the last choice, or a
 * dump) to what a connection wants, make before break; and what prune
 * and retire remove (lib/kplan, fixture in kplan_fixture.h). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "kplan.h"
#include "kplan_fixture.h"

#include "check_main.h"

/* --- a kernel in memory: replace by key, delete by key ------------------------- */

struct sim {
	size_t n_pol, n_rt;
	struct nl_policy pol[64];
	struct nl_route rt[16];
};

static size_t sim_policy(const struct sim *s, const struct nl_policy *p)
{
	for (size_t i = 0; i < s->n_pol; i++)
		if (prefix_equal(&s->pol[i].src, &p->src) &&
		    prefix_equal(&s->pol[i].dst, &p->dst) && s->pol[i].dir == p->dir)
			return i;
	return SIZE_MAX;
}

static size_t sim_route(const struct sim *s, const struct nl_route *r)
{
	for (size_t i = 0; i < s->n_rt; i++)
		if (prefix_equal(&s->rt[i].dst, &r->dst) && s->rt[i].table == r->table &&
		    s->rt[i].metric == r->metric)
			return i;
	return SIZE_MAX;
}

static void sim_set_policy(struct sim *s, const struct kp_policy_change *pc)
{
	size_t i = sim_policy(s, &pc->p);

	if (pc->del && i != SIZE_MAX)
		s->pol[i] = s->pol[--s->n_pol];
	else if (!pc->del && i != SIZE_MAX)
		s->pol[i] = pc->p;
	else if (!pc->del)
		s->pol[s->n_pol++] = pc->p;
}

static void sim_set_route(struct sim *s, const struct nl_route_change *rc)
{
	size_t i = sim_route(s, &rc->r);

	if (rc->del && i != SIZE_MAX)
		s->rt[i] = s->rt[--s->n_rt];
	else if (!rc->del && i != SIZE_MAX)
		s->rt[i] = rc->r;
	else if (!rc->del)
		s->rt[s->n_rt++] = rc->r;
}

static void sim_apply(struct sim *s, const struct kp_changes *ch)
{
	for (size_t i = 0; i < ch->n_policies; i++)
		sim_set_policy(s, &ch->policies[i]);
	for (size_t i = 0; i < ch->n_routes; i++)
		sim_set_route(s, &ch->routes[i]);
}

/* The kernel holds exactly what the plan wants present. */
static void sim_is(const struct sim *s, const struct kp_plan *p)
{
	size_t pols = 0, rts = 0;

	for (size_t i = 0; i < p->objs.n_policies; i++) {
		const struct kp_policy_change *pc = &p->objs.policies[i];
		size_t at = sim_policy(s, &pc->p);

		char want[256];

		ck_assert_msg((at == SIZE_MAX) == pc->del, "%s", fx_policy_str(&pc->p, pc->del));
		if (!pc->del) {
			snprintf(want, sizeof(want), "%s", fx_policy_str(&pc->p, false));
			ck_assert_str_eq(fx_policy_str(&s->pol[at], false), want);
			pols++;
		}
	}
	for (size_t i = 0; i < p->objs.n_routes; i++) {
		const struct nl_route_change *rc = &p->objs.routes[i];
		size_t at = sim_route(s, &rc->r);
		char want[256];

		ck_assert_msg((at == SIZE_MAX) == rc->del, "%s", fx_route_str(&rc->r, rc->del));
		if (!rc->del) {
			snprintf(want, sizeof(want), "%s", fx_route_str(&rc->r, false));
			ck_assert_str_eq(fx_route_str(&s->rt[at], false), want);
			rts++;
		}
	}
	ck_assert_uint_eq(s->n_pol, pols);
	ck_assert_uint_eq(s->n_rt, rts);
}

/* --- helpers ------------------------------------------------------------------- */

/* What the daemon does: policies from the choice, then routes. */
static struct kp_changes diff(struct fx *f, const struct kp_have *have, bool again,
			      struct kp_choice *want)
{
	struct kp_changes ch = {0};
	struct xerr e;

	kp_choose_policies(&f->in, want);
	ck_assert_msg(!kp_diff_policies(&f->in, want, have, &ch, &e), "%s", e.msg);
	kp_choose_routes(&f->in, want);
	ck_assert_msg(!kp_diff_routes(&f->in, want, have, again, &ch, &e), "%s", e.msg);
	return ch;
}

/* The 32 connections of the matrix, by number. */
static void fx_nth(struct fx *f, int i)
{
	fx_init(f, i & 1 ? ROUTE : POLICY, i & 2 ? AA : AS, i & 4 ? VTI : XFRM, i & 8 ? OT : IMM,
		i & 16 ? FO : FC, 0);
}

/* Every replacement before any deletion. */
static void sets_before_deletes(const struct kp_changes *ch)
{
	bool deleted = false;

	for (size_t i = 0; i < ch->n_policies + ch->n_routes; i++) {
		bool del =
		    i < ch->n_policies ? ch->policies[i].del : ch->routes[i - ch->n_policies].del;

		ck_assert_msg(!deleted || del, "a replacement after a deletion:\n%s",
			      fx_changes_str(ch));
		deleted = deleted || del;
	}
}

/* Every key present in both a and b is present in s. */
static void still_protected(const struct sim *s, const struct sim *a, const struct kp_plan *b)
{
	for (size_t i = 0; i < a->n_pol; i++)
		for (size_t j = 0; j < b->objs.n_policies; j++)
			if (!b->objs.policies[j].del && sim_policy(a, &b->objs.policies[j].p) == i)
				ck_assert_msg(sim_policy(s, &a->pol[i]) != SIZE_MAX,
					      "a window without %s",
					      fx_policy_str(&a->pol[i], false));
	for (size_t i = 0; i < a->n_rt; i++)
		for (size_t j = 0; j < b->objs.n_routes; j++)
			if (!b->objs.routes[j].del && sim_route(a, &b->objs.routes[j].r) == i)
				ck_assert_msg(sim_route(s, &a->rt[i]) != SIZE_MAX,
					      "a window without %s",
					      fx_route_str(&a->rt[i], false));
}

/* --- every health change of every connection ------------------------------------------ */

/* From any health to any other (4 x 4) in each of the 32 connections: the
 * diff from the last choice takes the kernel exactly to the new plan,
 * replacements first, and a prefix that had a route or policy and keeps
 * one never goes without one, step by step. Fail closed or on-traffic:
 * nothing is deleted but the unpublished route. Nothing changed: nothing
 * is written. */
START_TEST(every_transition)
{
	struct fx f;
	struct sim before = {0}, s;
	struct kp_plan from, to;
	struct kp_choice last, want;
	struct kp_have have = {.last = &last};
	struct kp_changes ch;

	fx_nth(&f, _i / 16);
	fx_health(&f, (enum health)(_i / 4 % 4));
	from = fx_plan(&f);
	sim_apply(&before, &from.objs);
	sim_is(&before, &from);
	last = from.choice;
	fx_health(&f, (enum health)(_i % 4));
	to = fx_plan(&f);
	ch = diff(&f, &have, false, &want);
	sets_before_deletes(&ch);
	s = before;
	for (size_t i = 0; i < ch.n_policies; i++) {
		sim_set_policy(&s, &ch.policies[i]);
		still_protected(&s, &before, &to);
	}
	for (size_t i = 0; i < ch.n_routes; i++) {
		sim_set_route(&s, &ch.routes[i]);
		still_protected(&s, &before, &to);
	}
	sim_is(&s, &to);
	if (f.cfg.fail_closed || f.cfg.start == OT) {
		ck_assert_uint_eq(to.choice.via_delete, false);
		for (size_t i = 0; i < ch.n_policies; i++)
			ck_assert(!ch.policies[i].del);
		for (size_t i = 0; i < ch.n_routes; i++)
			ck_assert(!ch.routes[i].del || ch.routes[i].r.metric == 50);
	}
	if (_i / 4 % 4 == _i % 4)
		ck_assert_msg(!ch.n_policies && !ch.n_routes, "%s", fx_changes_str(&ch));
	/* only the groups whose choice changed */
	for (size_t i = 0; i < ch.n_policies; i++)
		ck_assert(ch.policies[i].p.dir == NL_POLICY_OUT ? last.out != want.out
								: last.inbound != want.inbound);
	ck_assert(!ch.n_routes || !kp_same_via(&last, &want));
	kp_changes_free(&ch);
	kp_plan_free(&from);
	kp_plan_free(&to);
}
END_TEST

/* Nothing known of the kernel: the two-step diff writes the whole plan,
 * routes replaced before routes deleted. */
START_TEST(unknown_kernel_writes_the_plan)
{
	struct fx f;
	struct kp_plan p;
	struct kp_choice want;
	struct kp_have have = {0};
	struct kp_changes ch;
	char plan_text[8192], sets[8192] = "", dels[8192] = "";

	fx_nth(&f, _i / 4);
	fx_health(&f, (enum health)(_i % 4));
	p = fx_plan(&f);
	snprintf(plan_text, sizeof(plan_text), "%s", fx_changes_str(&p.objs));
	ch = diff(&f, &have, false, &want);
	ck_assert_int_eq(want.out, p.choice.out);
	ck_assert(want.inbound == p.choice.inbound);
	ck_assert(kp_same_via(&want, &p.choice));
	ck_assert_uint_eq(want.via_tunnel, p.choice.via_tunnel);
	/* the plan's text with its route lines partitioned */
	for (char *line = strtok(plan_text, "\n"); line; line = strtok(NULL, "\n")) {
		bool route_del = !strncmp(line, "del route", 9);

		strcat(route_del ? dels : sets, line);
		strcat(route_del ? dels : sets, "\n");
	}
	strcat(sets, dels);
	ck_assert_str_eq(fx_changes_str(&ch), sets);
	kp_changes_free(&ch);
	kp_plan_free(&p);
}
END_TEST

/* --- exact diffs ------------------------------------------------------------------ */

static const char *transition(struct fx *f, enum health a, enum health b)
{
	struct kp_plan from;
	struct kp_choice want;
	struct kp_have have = {0};
	struct kp_changes ch;
	static char text[8192];

	fx_health(f, a);
	from = fx_plan(f);
	have.last = &from.choice;
	fx_health(f, b);
	ch = diff(f, &have, false, &want);
	snprintf(text, sizeof(text), "%s", fx_changes_str(&ch));
	kp_changes_free(&ch);
	kp_plan_free(&from);
	return text;
}

START_TEST(policy_failover_moves_out_and_routes_only)
{
	struct fx f;

	fx_init(&f, POLICY, AS, XFRM, IMM, FC, 0);
	ck_assert_str_eq(
	    transition(&f, H_BOTH, H_STB),
	    "out 10.1.0.0/16 10.2.0.0/16 prio 100500 tunnel 192.0.2.2 198.51.100.2 reqid 100009\n"
	    "out 10.1.0.0/16 10.3.0.0/24 prio 100500 tunnel 192.0.2.2 198.51.100.2 reqid 100009\n"
	    "out 2001:db8:1::/48 2001:db8:2::/48 prio 100500 tunnel 192.0.2.2 198.51.100.2 reqid "
	    "100009\n"
	    "route 10.2.0.0/16 table 254 metric 100 unicast via 203.0.113.2 dev 4\n"
	    "route 10.3.0.0/24 table 254 metric 100 unicast via 203.0.113.2 dev 4\n"
	    "route 2001:db8:2::/48 table 254 metric 100 unicast via 203.0.113.2 dev 4\n"
	    "del route 10.9.0.0/24 table 254 metric 50\n");
}
END_TEST

START_TEST(policy_fail_closed_blocks_and_blackholes)
{
	struct fx f;

	fx_init(&f, POLICY, AS, XFRM, IMM, FC, 0);
	ck_assert_str_eq(transition(&f, H_PRI, H_NONE),
			 "out 10.1.0.0/16 10.2.0.0/16 prio 100500 block\n"
			 "out 10.1.0.0/16 10.3.0.0/24 prio 100500 block\n"
			 "out 2001:db8:1::/48 2001:db8:2::/48 prio 100500 block\n"
			 "route 10.2.0.0/16 table 254 metric 100 blackhole\n"
			 "route 10.3.0.0/24 table 254 metric 100 blackhole\n"
			 "route 2001:db8:2::/48 table 254 metric 100 blackhole\n"
			 "del route 10.9.0.0/24 table 254 metric 50\n");
	/* and back: the tunnel path replaces the block */
	ck_assert_str_eq(
	    transition(&f, H_NONE, H_PRI),
	    "out 10.1.0.0/16 10.2.0.0/16 prio 100500 tunnel 192.0.2.1 198.51.100.1 reqid 100007\n"
	    "out 10.1.0.0/16 10.3.0.0/24 prio 100500 tunnel 192.0.2.1 198.51.100.1 reqid 100007\n"
	    "out 2001:db8:1::/48 2001:db8:2::/48 prio 100500 tunnel 192.0.2.1 198.51.100.1 reqid "
	    "100007\n"
	    "route 10.2.0.0/16 table 254 metric 100 unicast via 203.0.113.1 dev 3\n"
	    "route 10.3.0.0/24 table 254 metric 100 unicast via 203.0.113.1 dev 3\n"
	    "route 2001:db8:2::/48 table 254 metric 100 unicast via 203.0.113.1 dev 3\n"
	    "del route 10.9.0.0/24 table 254 metric 50\n");
}
END_TEST

START_TEST(policy_fail_open_deletes)
{
	struct fx f;

	fx_init(&f, POLICY, AS, XFRM, IMM, FO, 0);
	ck_assert_str_eq(transition(&f, H_PRI, H_NONE),
			 "del out 10.1.0.0/16 10.2.0.0/16 prio 100500\n"
			 "del in 10.2.0.0/16 10.1.0.0/16 prio 100500\n"
			 "del fwd 10.2.0.0/16 10.1.0.0/16 prio 100500\n"
			 "del out 10.1.0.0/16 10.3.0.0/24 prio 100500\n"
			 "del in 10.3.0.0/24 10.1.0.0/16 prio 100500\n"
			 "del fwd 10.3.0.0/24 10.1.0.0/16 prio 100500\n"
			 "del out 2001:db8:1::/48 2001:db8:2::/48 prio 100500\n"
			 "del in 2001:db8:2::/48 2001:db8:1::/48 prio 100500\n"
			 "del fwd 2001:db8:2::/48 2001:db8:1::/48 prio 100500\n"
			 "del route 10.2.0.0/16 table 254 metric 100\n"
			 "del route 10.3.0.0/24 table 254 metric 100\n"
			 "del route 2001:db8:2::/48 table 254 metric 100\n"
			 "del route 10.9.0.0/24 table 254 metric 50\n");
}
END_TEST

START_TEST(route_active_active_loses_one)
{
	struct fx f;

	fx_init(&f, ROUTE, AA, XFRM, IMM, FC, 0);
	ck_assert_str_eq(transition(&f, H_BOTH, H_STB),
			 "route 10.2.0.0/16 table 254 metric 100 unicast dev 22\n"
			 "route 10.3.0.0/24 table 254 metric 100 unicast dev 22\n"
			 "route 2001:db8:2::/48 table 254 metric 100 unicast dev 22\n"
			 "del route 10.9.0.0/24 table 254 metric 50\n");
	ck_assert_str_eq(transition(&f, H_PRI, H_BOTH),
			 "route 10.2.0.0/16 table 254 metric 100 unicast dev 21 dev 22\n"
			 "route 10.3.0.0/24 table 254 metric 100 unicast dev 21 dev 22\n"
			 "route 2001:db8:2::/48 table 254 metric 100 unicast dev 21 dev 22\n"
			 "del route 10.9.0.0/24 table 254 metric 50\n");
	/* the standby coming up changes nothing in active-standby */
	fx_init(&f, ROUTE, AS, VTI, IMM, FC, 0);
	ck_assert_str_eq(transition(&f, H_PRI, H_BOTH), "");
}
END_TEST

/* Routes replaced first, then deleted, whatever their order in the config. */
START_TEST(route_deletions_last)
{
	struct fx f;
	struct kp_choice want;
	struct kp_have have = {0};
	struct kp_changes ch;

	fx_init(&f, ROUTE, AS, XFRM, IMM, FC, 0);
	fx_health(&f, H_PRI);
	f.routes[0].published = false;
	ch = diff(&f, &have, false, &want);
	ck_assert_str_eq(fx_changes_str(&ch),
			 "route 10.3.0.0/24 table 254 metric 100 unicast dev 21\n"
			 "route 2001:db8:2::/48 table 254 metric 100 unicast dev 21\n"
			 "del route 10.2.0.0/16 table 254 metric 100\n"
			 "del route 10.9.0.0/24 table 254 metric 50\n");
	kp_changes_free(&ch);
}
END_TEST

/* A publish choice changed: the routes again though their path did not. */
START_TEST(routes_again)
{
	struct fx f;
	struct kp_plan p;
	struct kp_choice want;
	struct kp_have have = {0};
	struct kp_changes ch;

	fx_init(&f, POLICY, AS, XFRM, IMM, FC, 0);
	fx_health(&f, H_PRI);
	p = fx_plan(&f);
	have.last = &p.choice;
	ck_assert(!kp_routes_changed(&p.choice, &have, false));
	ck_assert(kp_routes_changed(&p.choice, &have, true));
	f.routes[3].published = true;
	ch = diff(&f, &have, false, &want);
	ck_assert_str_eq(fx_changes_str(&ch), "");
	kp_changes_free(&ch);
	memset(&ch, 0, sizeof(ch));
	kp_choose(&f.in, &want);
	ck_assert(!kp_diff_routes(&f.in, &want, &have, true, &ch, NULL));
	ck_assert_str_eq(
	    fx_changes_str(&ch),
	    "route 10.2.0.0/16 table 254 metric 100 unicast via 203.0.113.1 dev 3\n"
	    "route 10.3.0.0/24 table 254 metric 100 unicast via 203.0.113.1 dev 3\n"
	    "route 2001:db8:2::/48 table 254 metric 100 unicast via 203.0.113.1 dev 3\n"
	    "route 10.9.0.0/24 table 254 metric 50 unicast via 203.0.113.1 dev 3\n");
	kp_changes_free(&ch);
	kp_plan_free(&p);
}
END_TEST

/* --- against a dump (full sync: no last choice) -------------------------------------- */

static void kernel_of(struct kp_kernel *k, const struct sim *s, bool routes)
{
	kp_kernel_init(k);
	ck_assert(!kp_kernel_add_policies(k, s->pol, s->n_pol));
	ck_assert(!routes || !kp_kernel_add_routes(k, s->rt, s->n_rt));
}

/* The kernel as the previous xfrmd left it, with health h: the plan's
 * objects in s, and k read from them (routes included). */
static void kernel_left(struct fx *f, enum health h, struct sim *s, struct kp_kernel *k)
{
	struct kp_plan p;

	fx_health(f, h);
	p = fx_plan(f);
	sim_apply(s, &p.objs);
	kp_plan_free(&p);
	kernel_of(k, s, true);
}

START_TEST(dump_skips_what_is_there)
{
	struct fx f;
	struct sim s = {0};
	struct kp_kernel k;
	struct kp_choice want;
	struct kp_have have = {.kernel = &k};
	struct kp_changes ch;

	/* The kernel as the previous xfrmd left it: on tunnel 1. Now tunnel 2. */
	fx_init(&f, POLICY, AS, XFRM, IMM, FC, 0);
	kernel_left(&f, H_PRI, &s, &k);
	fx_health(&f, H_STB);
	ch = diff(&f, &have, false, &want);
	ck_assert_str_eq(
	    fx_changes_str(&ch),
	    "out 10.1.0.0/16 10.2.0.0/16 prio 100500 tunnel 192.0.2.2 198.51.100.2 reqid 100009\n"
	    "out 10.1.0.0/16 10.3.0.0/24 prio 100500 tunnel 192.0.2.2 198.51.100.2 reqid 100009\n"
	    "out 2001:db8:1::/48 2001:db8:2::/48 prio 100500 tunnel 192.0.2.2 198.51.100.2 reqid "
	    "100009\n"
	    "route 10.2.0.0/16 table 254 metric 100 unicast via 203.0.113.2 dev 4\n"
	    "route 10.3.0.0/24 table 254 metric 100 unicast via 203.0.113.2 dev 4\n"
	    "route 2001:db8:2::/48 table 254 metric 100 unicast via 203.0.113.2 dev 4\n");
	kp_changes_free(&ch);

	/* Without the routes read, every route is written (and deleted). */
	kp_kernel_free(&k);
	kernel_of(&k, &s, false);
	ch = diff(&f, &have, false, &want);
	ck_assert_uint_eq(ch.n_policies, 3);
	ck_assert_uint_eq(ch.n_routes, 4);
	kp_changes_free(&ch);
	kp_kernel_free(&k);
}
END_TEST

/* The kernel has the plan: a sync writes nothing, but deletions of
 * policies (fail open) are always sent (gone is fine). */
START_TEST(dump_as_wanted_writes_nothing)
{
	struct fx f;
	struct kp_plan p;
	struct sim s = {0};
	struct kp_kernel k;
	struct kp_choice want;
	struct kp_have have = {.kernel = &k};
	struct kp_changes ch;

	fx_nth(&f, _i / 4);
	fx_health(&f, (enum health)(_i % 4));
	p = fx_plan(&f);
	sim_apply(&s, &p.objs);
	kernel_of(&k, &s, true);
	ch = diff(&f, &have, false, &want);
	for (size_t i = 0; i < ch.n_policies; i++)
		ck_assert(ch.policies[i].del);
	ck_assert_msg(!ch.n_routes, "%s", fx_changes_str(&ch));
	ck_assert_uint_eq(ch.n_policies,
			  f.cfg.mode == POLICY && p.choice.out == KP_OUT_NONE ? 9 : 0);
	kp_changes_free(&ch);
	kp_kernel_free(&k);
	kp_plan_free(&p);
}
END_TEST

/* Fail open against a dump: every policy deletion is sent, even of a
 * policy the kernel has exactly as the deletion reads (in/fwd accept
 * any tunnel); route deletions only where the kernel has the route. */
START_TEST(dump_then_fail_open)
{
	struct fx f;
	struct sim s = {0};
	struct kp_kernel k;
	struct kp_choice want;
	struct kp_have have = {.kernel = &k};
	struct kp_changes ch;

	fx_init(&f, POLICY, AS, XFRM, IMM, FO, 0);
	kernel_left(&f, H_PRI, &s, &k);
	fx_health(&f, H_NONE);
	ch = diff(&f, &have, false, &want);
	ck_assert_str_eq(fx_changes_str(&ch),
			 "del out 10.1.0.0/16 10.2.0.0/16 prio 100500\n"
			 "del in 10.2.0.0/16 10.1.0.0/16 prio 100500\n"
			 "del fwd 10.2.0.0/16 10.1.0.0/16 prio 100500\n"
			 "del out 10.1.0.0/16 10.3.0.0/24 prio 100500\n"
			 "del in 10.3.0.0/24 10.1.0.0/16 prio 100500\n"
			 "del fwd 10.3.0.0/24 10.1.0.0/16 prio 100500\n"
			 "del out 2001:db8:1::/48 2001:db8:2::/48 prio 100500\n"
			 "del in 2001:db8:2::/48 2001:db8:1::/48 prio 100500\n"
			 "del fwd 2001:db8:2::/48 2001:db8:1::/48 prio 100500\n"
			 "del route 10.2.0.0/16 table 254 metric 100\n"
			 "del route 10.3.0.0/24 table 254 metric 100\n"
			 "del route 2001:db8:2::/48 table 254 metric 100\n");
	kp_changes_free(&ch);
	kp_kernel_free(&k);
}
END_TEST

/* --- start-up: did the previous xfrmd leave this connection's objects? -------------- */

START_TEST(in_kernel)
{
	struct fx f;
	struct sim s = {0};
	struct kp_kernel k;
	struct kp_plan p;

	fx_init(&f, POLICY, AS, XFRM, IMM, FC, 0);
	fx_health(&f, H_NONE);
	kp_kernel_init(&k);
	ck_assert(!kp_in_kernel(&f.in, &k)); /* nothing read */
	p = fx_plan(&f);
	sim_apply(&s, &p.objs);
	kernel_of(&k, &s, false);
	ck_assert(kp_in_kernel(&f.in, &k)); /* an "out" per pair, whatever it does */
	kp_kernel_free(&k);
	s.pol[sim_policy(&s, &p.objs.policies[3].p)].dir = NL_POLICY_IN; /* 10.1/16 > 10.3/24 */
	kernel_of(&k, &s, false);
	ck_assert(!kp_in_kernel(&f.in, &k));
	kp_kernel_free(&k);
	kp_plan_free(&p);

	fx_init(&f, ROUTE, AS, XFRM, IMM, FC, 0);
	fx_health(&f, H_NONE);
	memset(&s, 0, sizeof(s));
	p = fx_plan(&f);
	sim_apply(&s, &p.objs);
	kernel_of(&k, &s, false);
	ck_assert(!kp_in_kernel(&f.in, &k)); /* routes not read */
	kp_kernel_free(&k);
	kernel_of(&k, &s, true);
	ck_assert(kp_in_kernel(&f.in, &k)); /* the published routes; 10.9/24 is not */
	kp_kernel_free(&k);
	s.rt[0].metric = 7;
	kernel_of(&k, &s, true);
	ck_assert(!kp_in_kernel(&f.in, &k));
	kp_kernel_free(&k);
	kp_plan_free(&p);
}
END_TEST

/* --- prune and retire ------------------------------------------------------------------- */

static struct nl_route route(const char *dst, uint32_t table, uint32_t metric)
{
	struct nl_route r;

	memset(&r, 0, sizeof(r));
	r.dst = fx_prefix(dst);
	r.table = table;
	r.metric = metric;
	r.type = NL_ROUTE_BLACKHOLE;
	return r;
}

static struct nl_policy policy(const char *src, const char *dst, enum nl_policy_dir dir)
{
	struct nl_policy p;

	memset(&p, 0, sizeof(p));
	p.src = fx_prefix(src);
	p.dst = fx_prefix(dst);
	p.dir = dir;
	p.priority = 100500;
	p.action = NL_POLICY_BLOCK;
	return p;
}

static const char *removal_str(const struct kp_removal *r)
{
	static char text[4096];
	size_t n = 0;

	text[0] = '\0';
	for (size_t i = 0; i < r->n_routes; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\n",
				      fx_route_str(&r->routes[i].r, r->routes[i].del));
	for (size_t i = 0; i < r->n_policies; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\n",
				      fx_policy_str(&r->policies[i], true));
	for (size_t i = 0; i < r->n_links; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "link %s\n", r->links[i]);
	return text;
}

/* A route-mode connection "lab": tunnels 11 and 13, 10.7.0.0/16 in table 100. */
static void fx_lab(struct fx *f)
{
	fx_init(f, ROUTE, AA, XFRM, IMM, FC, 0);
	f->cfg.tunnels[0].id = 11;
	f->cfg.tunnels[1].id = 13;
	f->remote[0] = fx_prefix("10.7.0.0/16");
	f->cfg.n_remote = 1;
	f->routes[0] = (struct kp_route_obj){f->remote[0], 100, 100, true};
	f->in.n_routes = 1;
}

START_TEST(prune)
{
	struct fx vpc, lab;
	struct kp_wanted w;
	struct kp_removal rm;
	struct xerr e;
	struct nl_route routes[] = {
	    route("10.2.0.0/16", 254, 100),   route("10.9.0.0/24", 254, 50),
	    route("10.7.0.0/16", 100, 100),   route("10.7.0.0/16", 100, 200),
	    route("198.51.100.1/32", 211, 1), route("10.8.0.0/16", 254, 100),
	};
	struct nl_policy pols[] = {
	    policy("10.1.0.0/16", "10.2.0.0/16", NL_POLICY_OUT),
	    policy("10.2.0.0/16", "10.1.0.0/16", NL_POLICY_IN),
	    policy("10.2.0.0/16", "10.1.0.0/16", NL_POLICY_FWD),
	    policy("10.1.0.0/16", "10.8.0.0/16", NL_POLICY_OUT),
	    policy("10.1.0.0/16", "10.2.0.0/16", NL_POLICY_IN),
	    policy("10.1.0.0/16", "10.7.0.0/16", NL_POLICY_OUT),
	};
	struct nl_link links[4];

	memset(links, 0, sizeof(links));
	strcpy(links[0].spec.name, "xfrmd11");
	strcpy(links[1].spec.name, "xfrmd13");
	strcpy(links[2].spec.name, "xfrmd7");
	strcpy(links[3].spec.name, "xfrmd011");
	fx_init(&vpc, POLICY, AS, XFRM, IMM, FC, 0);
	fx_lab(&lab);
	kp_wanted_init(&w);
	ck_assert(!kp_wanted_add(&w, &vpc.cfg, vpc.routes, 4, NULL));
	ck_assert(!kp_wanted_add(&w, &lab.cfg, lab.routes, 1, NULL));
	kp_wanted_seal(&w);
	ck_assert(!kp_prune(&w, routes, 6, 211, pols, 6, links, 4, &rm, &e));
	ck_assert_str_eq(removal_str(&rm), "del route 10.9.0.0/24 table 254 metric 50\n"
					   "del route 10.7.0.0/16 table 100 metric 200\n"
					   "del route 10.8.0.0/16 table 254 metric 100\n"
					   "del out 10.1.0.0/16 10.8.0.0/16 prio 100500\n"
					   "del in 10.1.0.0/16 10.2.0.0/16 prio 100500\n"
					   "del out 10.1.0.0/16 10.7.0.0/16 prio 100500\n"
					   "link xfrmd7\n"
					   "link xfrmd011\n");
	kp_removal_free(&rm);
	/* without a probe table, its routes are no exception */
	ck_assert(!kp_prune(&w, routes, 6, 0, NULL, 0, NULL, 0, &rm, &e));
	ck_assert_uint_eq(rm.n_routes, 4);
	kp_removal_free(&rm);
	kp_wanted_free(&w);
}
END_TEST

/* What retire is given: mine, the keys of old (its 4 routes); keep, what
 * cur (its first n routes) wants of them. */
static void retire_sets(struct fx *old, struct fx *cur, size_t n, struct kp_wanted *mine,
			struct kp_wanted *keep)
{
	kp_wanted_init(mine);
	ck_assert(!kp_retire_keys(mine, &old->cfg, old->routes, 4));
	kp_wanted_seal(mine);
	kp_wanted_init(keep);
	ck_assert(!kp_wanted_add(keep, &cur->cfg, cur->routes, n, mine));
	kp_wanted_seal(keep);
}

/* An old connection's objects go unless a running one wants them: only
 * its keys are looked for (only). Routes go published or not. */
START_TEST(retire)
{
	struct fx old, cur;
	struct kp_wanted mine, keep;
	struct kp_removal rm;
	struct xerr e;

	fx_init(&old, POLICY, AS, XFRM, IMM, FC, 0);
	fx_init(&cur, POLICY, AS, XFRM, IMM, FC, 0);
	cur.cfg.n_remote = 1; /* 10.2.0.0/16 only */
	cur.routes[1] = (struct kp_route_obj){fx_prefix("10.5.0.0/16"), 254, 100, true};
	retire_sets(&old, &cur, 2, &mine, &keep);
	ck_assert_uint_eq(keep.routes.n, 1); /* 10.5.0.0/16 is none of old's */
	ck_assert_uint_eq(keep.sels.n, 2);
	ck_assert(!kp_retire(&old.cfg, old.routes, 4, &keep, &rm, &e));
	ck_assert_str_eq(removal_str(&rm), "del route 10.3.0.0/24 table 254 metric 100\n"
					   "del route 2001:db8:2::/48 table 254 metric 100\n"
					   "del route 10.9.0.0/24 table 254 metric 50\n"
					   "del out 10.1.0.0/16 10.3.0.0/24 prio 100500\n"
					   "del in 10.3.0.0/24 10.1.0.0/16 prio 100500\n"
					   "del fwd 10.3.0.0/24 10.1.0.0/16 prio 100500\n"
					   "del out 2001:db8:1::/48 2001:db8:2::/48 prio 100500\n"
					   "del in 2001:db8:2::/48 2001:db8:1::/48 prio 100500\n"
					   "del fwd 2001:db8:2::/48 2001:db8:1::/48 prio 100500\n");
	kp_removal_free(&rm);
	kp_wanted_free(&keep);
	kp_wanted_free(&mine);

	/* route mode: the links of tunnels no running connection has */
	fx_init(&old, ROUTE, AS, XFRM, IMM, FC, 0);
	fx_init(&cur, ROUTE, AS, XFRM, IMM, FC, 0);
	cur.cfg.tunnels[0].id = 8;
	cur.routes[0].published = false; /* unpublished: not kept */
	retire_sets(&old, &cur, 4, &mine, &keep);
	ck_assert(!kp_retire(&old.cfg, old.routes, 4, &keep, &rm, &e));
	ck_assert_str_eq(removal_str(&rm), "del route 10.2.0.0/16 table 254 metric 100\n"
					   "del route 10.9.0.0/24 table 254 metric 50\n"
					   "link xfrmd7\n");
	kp_removal_free(&rm);
	kp_wanted_free(&keep);
	kp_wanted_free(&mine);
}
END_TEST

/* What may be held follows the config, not the health. */
START_TEST(wanted_ignores_health)
{
	struct fx f;
	struct kp_wanted w;
	struct nl_policy out = policy("2001:db8:1::/48", "2001:db8:2::/48", NL_POLICY_OUT);
	struct nl_policy fwd = policy("2001:db8:2::/48", "2001:db8:1::/48", NL_POLICY_FWD);
	struct nl_policy mixed = policy("10.1.0.0/16", "2001:db8:2::/48", NL_POLICY_OUT);
	struct nl_route r = route("10.2.0.0/16", 254, 100);

	fx_init(&f, POLICY, AS, XFRM, IMM, FO, 0);
	kp_wanted_init(&w);
	ck_assert(!kp_wanted_add(&w, &f.cfg, f.routes, 4, NULL));
	kp_wanted_seal(&w);
	ck_assert(kp_wanted_policy(&w, &out));
	ck_assert(kp_wanted_policy(&w, &fwd));
	ck_assert(!kp_wanted_policy(&w, &mixed));
	ck_assert(kp_wanted_route(&w, &r));
	r.table = 100;
	ck_assert(!kp_wanted_route(&w, &r));
	ck_assert(!kp_wanted_link(&w, "xfrmd7")); /* policy mode has no links */
	ck_assert_uint_eq(w.sels.n, 6);
	ck_assert_uint_eq(w.routes.n, 3);
	kp_wanted_free(&w);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kplan_diff");
	TCase *tc = tcase_create("diff");
	TCase *own = tcase_create("owned");

	tcase_add_loop_test(tc, every_transition, 0, 32 * 16);
	tcase_add_loop_test(tc, unknown_kernel_writes_the_plan, 0, 32 * 4);
	tcase_add_loop_test(tc, dump_as_wanted_writes_nothing, 0, 32 * 4);
	tcase_add_test(tc, policy_failover_moves_out_and_routes_only);
	tcase_add_test(tc, policy_fail_closed_blocks_and_blackholes);
	tcase_add_test(tc, policy_fail_open_deletes);
	tcase_add_test(tc, route_active_active_loses_one);
	tcase_add_test(tc, route_deletions_last);
	tcase_add_test(tc, routes_again);
	tcase_add_test(tc, dump_skips_what_is_there);
	tcase_add_test(tc, dump_then_fail_open);
	tcase_add_test(tc, in_kernel);
	suite_add_tcase(s, tc);
	tcase_add_test(own, prune);
	tcase_add_test(own, retire);
	tcase_add_test(own, wanted_ignores_health);
	suite_add_tcase(s, own);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
