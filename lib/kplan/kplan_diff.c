/* From what the kernel has to what a connection wants: ordered changes. */
#include "kplan.h"
#include "kplan_int.h"

#include <stdlib.h>
#include <string.h>

void kp_kernel_init(struct kp_kernel *k)
{
	memset(k, 0, sizeof(*k));
	key_set_init(&k->policies, sizeof(struct nl_policy));
	key_set_init(&k->out_sels, sizeof(struct kp_sel));
	key_set_init(&k->routes, sizeof(struct route_key));
	key_set_init(&k->route_states, sizeof(struct route_state_key));
}

int kp_kernel_add_policies(struct kp_kernel *k, const struct nl_policy *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct nl_policy key;
		struct kp_sel sel;

		nl_policy_key(&v[i], &key);
		kp_sel_key(&sel, &v[i].src, &v[i].dst, true);
		if (key_set_add(&k->policies, &key) ||
		    (v[i].dir == NL_POLICY_OUT && key_set_add(&k->out_sels, &sel))) {
			key_set_free(&k->policies);
			key_set_free(&k->out_sels);
			return -1;
		}
	}
	key_set_seal(&k->policies);
	key_set_seal(&k->out_sels);
	k->policies_read = true;
	return 0;
}

int kp_kernel_add_routes(struct kp_kernel *k, const struct nl_route *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (route_keys_add(&k->routes, &v[i].dst, v[i].table, v[i].metric) ||
		    route_states_add(&k->route_states, &v[i])) {
			key_set_free(&k->routes);
			key_set_free(&k->route_states);
			return -1;
		}
	key_set_seal(&k->routes);
	key_set_seal(&k->route_states);
	k->routes_read = true;
	return 0;
}

void kp_kernel_free(struct kp_kernel *k)
{
	key_set_free(&k->policies);
	key_set_free(&k->out_sels);
	key_set_free(&k->routes);
	key_set_free(&k->route_states);
	kp_kernel_init(k);
}

static bool policy_there(const struct kp_kernel *k, const struct nl_policy *p)
{
	struct nl_policy key;

	if (!k || !k->policies_read)
		return false;
	nl_policy_key(p, &key);
	return key_set_has(&k->policies, &key);
}

int kp_diff_policies(const struct kp_conn *c, const struct kp_choice *ch,
		     const struct kp_have *have, struct kp_changes *out, struct xerr *e)
{
	const struct kp_choice *last = have->last;
	unsigned which = 0;
	size_t from = out->n_policies, kept = from;

	if (!last || last->out != ch->out)
		which |= KP_WHICH_OUT;
	if (!last || last->inbound != ch->inbound)
		which |= KP_WHICH_INBOUND;
	if (kp_policies_of(c, ch, which, out, e))
		return -1;
	for (size_t i = from; i < out->n_policies; i++)
		if (out->policies[i].del || !policy_there(have->kernel, &out->policies[i].p))
			out->policies[kept++] = out->policies[i];
	out->n_policies = kept;
	return 0;
}

bool kp_routes_changed(const struct kp_choice *ch, const struct kp_have *have, bool again)
{
	return again || !have->last || !kp_same_via(have->last, ch);
}

/* The kernel has it already: a route as wanted, or no route to delete. */
static bool route_done(const struct kp_kernel *k, const struct nl_route_change *rc)
{
	const struct nl_route *r = &rc->r;

	if (!k || !k->routes_read)
		return false;
	return rc->del ? !route_keys_has(&k->routes, &r->dst, r->table, r->metric)
		       : route_states_has(&k->route_states, r);
}

int kp_diff_routes(const struct kp_conn *c, const struct kp_choice *ch, const struct kp_have *have,
		   bool again, struct kp_changes *out, struct xerr *e)
{
	size_t from = out->n_routes, n, kept = 0;
	struct nl_route_change *tmp;

	if (!kp_routes_changed(ch, have, again) || !c->n_routes)
		return 0;
	if (kp_routes_of(c, ch, out, e))
		return -1;
	n = out->n_routes - from;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp) {
		out->n_routes = from;
		return xerr_set(e, "out of memory");
	}
	memcpy(tmp, out->routes + from, n * sizeof(*tmp));
	/* Replacements first, deletions after: a stable partition. */
	for (int del = 0; del <= 1; del++)
		for (size_t i = 0; i < n; i++)
			if (tmp[i].del == (bool)del && !route_done(have->kernel, &tmp[i]))
				out->routes[from + kept++] = tmp[i];
	out->n_routes = from + kept;
	free(tmp);
	return 0;
}

static int sel_in_kernel(void *ctx, const struct kp_key *k)
{
	const struct kp_kernel *kernel = ctx;

	if (k->kind != KP_KEY_SEL || !k->sel.out)
		return 0;
	return !key_set_has(&kernel->out_sels, &k->sel);
}

static int route_in_kernel(void *ctx, const struct kp_key *k)
{
	const struct kp_kernel *kernel = ctx;

	if (k->kind != KP_KEY_ROUTE)
		return 0;
	return !key_set_has(&kernel->routes, &k->route);
}

bool kp_in_kernel(const struct kp_conn *c, const struct kp_kernel *k)
{
	if (c->cfg->mode == CFG_MODE_POLICY)
		return k->policies_read &&
		       !kp_owned_each(c->cfg, NULL, 0, false, sel_in_kernel, (void *)k);
	return k->routes_read &&
	       !kp_owned_each(c->cfg, c->routes, c->n_routes, false, route_in_kernel, (void *)k);
}
