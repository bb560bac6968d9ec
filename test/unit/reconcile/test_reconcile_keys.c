/* The planner and X.509 private keys in charon: a key get-keys no longer
 * lists is loaded again (with its connection, the SAs kept), and a key no
 * tunnel keeps is unloaded at the plan's end, never while another tunnel
 * has the same key (same id). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile.h"

#include "check_main.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ID_C "cccccccccccccccccccccccccccccccccccccccc"

#define TWO_TUNNELS                                                                                \
	"{\"gateway\":{\"name\":\"gw\"},\"connections\":[{\"name\":\"b\","                         \
	"\"local_prefixes\":[\"10.1.0.0/24\"],\"remote_prefixes\":[\"10.2.0.0/24\"],"              \
	"\"tunnels\":[{\"local\":\"192.0.2.1\",\"remote\":\"192.0.2.101\",\"psk\":\"k1\"},"        \
	"{\"local\":\"192.0.2.2\",\"remote\":\"192.0.2.102\",\"psk\":\"k2\"}]}]}"

static struct cfg_config *load(void)
{
	struct xerr e;
	struct cfg_config *c = cfg_load_string(TWO_TUNNELS, strlen(TWO_TUNNELS), NULL, &e);

	ck_assert_msg(c != NULL, "%s", e.msg);
	return c;
}

/* Tunnel t turned X.509 with these stand-in key bytes. */
static void x509_of(struct cfg_config *cfg, size_t t, const char *key)
{
	struct cfg_tunnel *tun = &cfg->conns[0].tunnels[t];
	struct cfg_x509 *x = calloc(1, sizeof(*x));

	x->cert_file = strdup("gw.pem");
	x->key_file = strdup("gw.key");
	x->ca_file = strdup("ca.pem");
	x->cert = (struct cfg_blob){(uint8_t *)strdup("cert"), 4};
	x->key = (struct cfg_blob){(uint8_t *)strdup(key), strlen(key)};
	x->ca[0] = (struct cfg_blob){(uint8_t *)strdup("ca"), 2};
	x->n_ca = 1;
	memset(tun->psk, 0, sizeof(tun->psk));
	tun->x509 = x;
}

/* "kind name[ id], ..." */
static const char *plan_str(const struct rc_plan *p)
{
	static char buf[2048];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s %s%s%.4s",
					i ? ", " : "", rc_kind_name(p->a[i].kind), p->a[i].name,
					p->a[i].kind == RC_UNLOAD_KEY ? " " : "", p->a[i].key_id);
	return buf;
}

static char conns[2][CHARON_NAME_MAX] = {"xfrmd-b-t1", "xfrmd-b-t2"};
static char listed[4][CHARON_KEY_ID_MAX];
static struct rc_key recorded[4];

/* Both connections and shared keys loaded; get-keys lists ids (NULL-ended); recorded:
 * name, id pairs (NULL-ended). */
static struct rc_loaded view(const char *const *ids, const char *const *rec)
{
	struct rc_loaded l = {.n = 2,
			      .names = conns,
			      .n_keys = 2,
			      .keys = conns,
			      .keys_listed = true,
			      .key_ids = listed};

	for (; ids && *ids; ids++)
		snprintf(listed[l.n_key_ids++], CHARON_KEY_ID_MAX, "%s", *ids);
	for (; rec && *rec; rec += 2) {
		snprintf(recorded[l.n_tunnel_keys].name, CHARON_NAME_MAX, "%s", rec[0]);
		snprintf(recorded[l.n_tunnel_keys].id, CHARON_KEY_ID_MAX, "%s", rec[1]);
		l.n_tunnel_keys++;
	}
	l.tunnel_keys = recorded;
	return l;
}

static const char *plan_of(struct cfg_config *want, struct cfg_config *run,
			   const struct rc_loaded *l, struct rc_plan *p)
{
	struct xerr e;

	ck_assert_msg(reconcile_plan(want, run, l, p, &e) == 0, "%s", e.msg);
	return plan_str(p);
}

/* get-keys lists the recorded id: nothing to do. Not listed (someone
 * cleared charon's credentials): the key and the connection (its
 * certificates went too) again, no stop and no start. No id recorded (a
 * state file of an older xfrmd): loaded again, which tells the id. */
START_TEST(missing_key_is_loaded_again)
{
	static const char *const a[] = {ID_A, NULL}, *const none[] = {NULL},
				 *const t1a[] = {"xfrmd-b-t1", ID_A, NULL};
	struct cfg_config *want = load(), *run = load();
	struct rc_loaded l = view(a, t1a);
	struct rc_plan p;

	x509_of(want, 0, "key-1");
	x509_of(run, 0, "key-1");
	ck_assert_str_eq(plan_of(want, run, &l, &p), "");
	rc_plan_free(&p);
	l = view(none, t1a);
	ck_assert_str_eq(plan_of(want, run, &l, &p), "load-key xfrmd-b-t1, load-conn xfrmd-b-t1");
	ck_assert_uint_eq(p.tunnels[0].change, RC_CHANGE_RELOAD);
	ck_assert_uint_eq(p.unchanged, 1);
	rc_plan_free(&p);
	l = view(a, NULL);
	ck_assert_str_eq(plan_of(want, run, &l, &p), "load-key xfrmd-b-t1, load-conn xfrmd-b-t1");
	rc_plan_free(&p);
	/* charon lost the connection too: loaded and started again */
	l = view(none, t1a);
	l.n = 1;
	l.names = conns + 1;
	ck_assert_str_eq(plan_of(want, run, &l, &p),
			 "load-key xfrmd-b-t1, load-conn xfrmd-b-t1, start xfrmd-b-t1");
	rc_plan_free(&p);
	cfg_free(want);
	cfg_free(run);
}
END_TEST

/* Rotation: the old key goes after the new one and the connection are in. */
START_TEST(rotation_unloads_the_old_key_last)
{
	static const char *const a[] = {ID_A, NULL}, *const t1a[] = {"xfrmd-b-t1", ID_A, NULL};
	struct cfg_config *want = load(), *run = load();
	struct rc_loaded l = view(a, t1a);
	struct rc_plan p;

	x509_of(run, 0, "key-1");
	x509_of(want, 0, "key-2");
	ck_assert_str_eq(plan_of(want, run, &l, &p),
			 "load-key xfrmd-b-t1, load-conn xfrmd-b-t1, unload-key xfrmd-b-t1 aaaa");
	ck_assert_str_eq(p.a[2].key_id, ID_A);
	rc_plan_free(&p);
	/* a new certificate alone loads the same key again: its id may
	 * well be the same, the step is checked then (rc_key_in_use) */
	cfg_free(want);
	want = load();
	x509_of(want, 0, "key-1");
	free(want->conns[0].tunnels[0].x509->cert.v);
	want->conns[0].tunnels[0].x509->cert = (struct cfg_blob){(uint8_t *)strdup("cert-2"), 6};
	ck_assert_str_eq(plan_of(want, run, &l, &p),
			 "load-key xfrmd-b-t1, load-conn xfrmd-b-t1, unload-key xfrmd-b-t1 aaaa");
	rc_plan_free(&p);
	/* turned PSK: the shared key in, the private key out */
	cfg_free(want);
	want = load();
	ck_assert_str_eq(plan_of(want, run, &l, &p),
			 "stop xfrmd-b-t1, load-shared xfrmd-b-t1, load-conn xfrmd-b-t1, "
			 "start xfrmd-b-t1, unload-key xfrmd-b-t1 aaaa");
	rc_plan_free(&p);
	cfg_free(want);
	cfg_free(run);
}
END_TEST

/* A tunnel removed: its key goes, unless charon no longer has it. */
START_TEST(removal_unloads_its_key)
{
	static const char *const a[] = {ID_A, NULL}, *const none[] = {NULL},
				 *const t2a[] = {"xfrmd-b-t2", ID_A, NULL};
	struct cfg_config *want = load(), *run = load();
	struct rc_loaded l = view(a, t2a);
	struct rc_plan p;

	want->conns[0].n_tunnels = 1; /* t2 goes */
	x509_of(run, 1, "key-1");
	ck_assert_str_eq(plan_of(want, run, &l, &p),
			 "stop xfrmd-b-t2, unload-conn xfrmd-b-t2, unload-shared xfrmd-b-t2, "
			 "unload-key xfrmd-b-t2 aaaa");
	rc_plan_free(&p);
	l = view(none, t2a);
	ck_assert_str_eq(plan_of(want, run, &l, &p),
			 "stop xfrmd-b-t2, unload-conn xfrmd-b-t2, unload-shared xfrmd-b-t2");
	rc_plan_free(&p);
	want->conns[0].n_tunnels = 2;
	cfg_free(want);
	cfg_free(run);
}
END_TEST

/* Two tunnels with one key file: one key in charon. It stays while either
 * keeps it, and goes once when both change. */
START_TEST(shared_key_goes_with_the_last_tunnel)
{
	static const char *const a[] = {ID_A, NULL}, *const both[] = {"xfrmd-b-t1", ID_A,
								      "xfrmd-b-t2", ID_A, NULL};
	struct cfg_config *want = load(), *run = load();
	struct rc_loaded l = view(a, both);
	struct rc_plan p;

	x509_of(run, 0, "key-1");
	x509_of(run, 1, "key-1");
	x509_of(want, 0, "key-2");
	x509_of(want, 1, "key-1");
	ck_assert_str_eq(plan_of(want, run, &l, &p), "load-key xfrmd-b-t1, load-conn xfrmd-b-t1");
	rc_plan_free(&p);
	cfg_free(want);
	want = load();
	x509_of(want, 0, "key-1");
	want->conns[0].n_tunnels = 1; /* t2 goes, t1 keeps the key */
	ck_assert_str_eq(plan_of(want, run, &l, &p),
			 "stop xfrmd-b-t2, unload-conn xfrmd-b-t2, unload-shared xfrmd-b-t2");
	rc_plan_free(&p);
	want->conns[0].n_tunnels = 2;
	cfg_free(want);
	want = load();
	x509_of(want, 0, "key-2");
	x509_of(want, 1, "key-2");
	ck_assert_str_eq(plan_of(want, run, &l, &p),
			 "load-key xfrmd-b-t1, load-conn xfrmd-b-t1, load-key xfrmd-b-t2, "
			 "load-conn xfrmd-b-t2, unload-key xfrmd-b-t1 aaaa");
	rc_plan_free(&p);
	cfg_free(want);
	cfg_free(run);
}
END_TEST

/* An id recorded for a tunnel no config has (a job cut short) is unloaded
 * by the next plan; one of another tunnel that keeps it is not. */
START_TEST(stale_record_is_unloaded)
{
	static const char *const ac[] = {ID_A, ID_C, NULL}, *const rec[] = {"xfrmd-b-t1",
									    ID_A,
									    "xfrmd-old-t1",
									    ID_C,
									    "xfrmd-old-t2",
									    ID_A,
									    NULL};
	struct cfg_config *want = load(), *run = load();
	struct rc_loaded l = view(ac, rec);
	struct rc_plan p;

	x509_of(run, 0, "key-1");
	x509_of(want, 0, "key-1");
	ck_assert_str_eq(plan_of(want, run, &l, &p), "unload-key xfrmd-old-t1 cccc");
	ck_assert_uint_eq(p.unchanged, 2);
	rc_plan_free(&p);
	cfg_free(want);
	cfg_free(run);
}
END_TEST

static const char *id_of(void *ctx, const char *name)
{
	const struct rc_loaded *l = ctx;

	for (size_t i = 0; i < l->n_tunnel_keys; i++)
		if (!strcmp(l->tunnel_keys[i].name, name))
			return l->tunnel_keys[i].id;
	return NULL;
}

/* When the unload step comes, a key loaded during the plan under another
 * tunnel's name may turn out to be the same key: it stays then. */
START_TEST(in_use_is_checked_against_the_new_config)
{
	static const char *const rec[] = {"xfrmd-b-t1", ID_A, "xfrmd-b-t2", ID_B, NULL};
	struct cfg_config *cfg = load();
	struct rc_loaded l = view(NULL, rec);

	x509_of(cfg, 0, "key-1");
	ck_assert(rc_key_in_use(cfg, ID_A, id_of, &l));
	/* t2 is PSK in this config: its recorded id does not count */
	ck_assert(!rc_key_in_use(cfg, ID_B, id_of, &l));
	ck_assert(!rc_key_in_use(cfg, ID_C, id_of, &l));
	x509_of(cfg, 1, "key-2");
	ck_assert(rc_key_in_use(cfg, ID_B, id_of, &l));
	ck_assert(!rc_key_in_use(NULL, ID_A, id_of, &l));
	cfg_free(cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reconcile_keys");
	TCase *tc = tcase_create("keys");

	tcase_add_test(tc, missing_key_is_loaded_again);
	tcase_add_test(tc, rotation_unloads_the_old_key_last);
	tcase_add_test(tc, removal_unloads_its_key);
	tcase_add_test(tc, shared_key_goes_with_the_last_tunnel);
	tcase_add_test(tc, stale_record_is_unloaded);
	tcase_add_test(tc, in_use_is_checked_against_the_new_config);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
