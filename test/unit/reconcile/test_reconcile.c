/* The planner: what charon is told for each difference between the
 * desired config, the running config and what charon has loaded. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile.h"

#include "check_main.h"

#define ONE_CONN                                                                                   \
	"{\"gateway\":{\"name\":\"gw\"},\"connections\":[{\"name\":\"b\","                         \
	"\"local_prefixes\":[\"10.1.0.0/24\"],\"remote_prefixes\":[\"10.2.0.0/24\"],"              \
	"\"tunnels\":[{\"local\":\"192.0.2.1\",\"remote\":\"192.0.2.101\",\"psk\":\"%s\"},"        \
	"{\"local\":\"192.0.2.2\",\"remote\":\"192.0.2.102\",\"psk\":\"other-key\"}]}]}"

static struct cfg_config *load(const char *psk)
{
	char buf[2048];
	struct xerr e;
	struct cfg_config *c;

	snprintf(buf, sizeof(buf), ONE_CONN, psk);
	c = cfg_load_string(buf, strlen(buf), NULL, &e);
	ck_assert_msg(c != NULL, "%s", e.msg);
	return c;
}

static struct cfg_config *empty(void)
{
	const char *s = "{\"gateway\":{\"name\":\"gw\"},\"connections\":[]}";
	struct xerr e;
	struct cfg_config *c = cfg_load_string(s, strlen(s), NULL, &e);

	ck_assert_msg(c != NULL, "%s", e.msg);
	return c;
}

/* "kind name, kind name, ..." for compact assertions. */
static const char *plan_str(const struct rc_plan *p)
{
	static char buf[1024];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s %s", i ? ", " : "",
					rc_kind_name(p->a[i].kind), p->a[i].name);
	return buf;
}

static char names_store[4][CHARON_NAME_MAX];

/* Connections and their keys, both loaded. */
static struct rc_loaded loaded_of(size_t n, ...)
{
	struct rc_loaded l = {.n = n, .names = names_store, .n_keys = n, .keys = names_store};
	va_list ap;

	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		snprintf(names_store[i], CHARON_NAME_MAX, "%s", va_arg(ap, const char *));
	va_end(ap);
	return l;
}

START_TEST(fresh_gateway_loads_and_starts_every_tunnel)
{
	struct cfg_config *want = load("key-1");
	struct rc_loaded none = loaded_of(0);
	struct rc_plan p;
	struct xerr e;

	ck_assert_int_eq(reconcile_plan(want, NULL, &none, &p, &e), 0);
	ck_assert_str_eq(plan_str(&p),
			 "load-shared xfrmd-b-t1, load-conn xfrmd-b-t1, start xfrmd-b-t1, "
			 "load-shared xfrmd-b-t2, load-conn xfrmd-b-t2, start xfrmd-b-t2");
	ck_assert_uint_eq(p.a[1].tunnel, 0);
	ck_assert_uint_eq(p.a[4].tunnel, 1);
	rc_plan_free(&p);
	cfg_free(want);
}
END_TEST

START_TEST(same_config_does_nothing)
{
	struct cfg_config *want = load("key-1"), *run = load("key-1");
	struct rc_loaded both = loaded_of(2, "xfrmd-b-t1", "xfrmd-b-t2");
	struct rc_plan p;
	struct xerr e;

	ck_assert_int_eq(reconcile_plan(want, run, &both, &p, &e), 0);
	ck_assert_uint_eq(p.n, 0);
	ck_assert_uint_eq(p.unchanged, 2);
	rc_plan_free(&p);
	cfg_free(want);
	cfg_free(run);
}
END_TEST

/* charon restarted: the config is the same, but charon lost tunnel 2. */
START_TEST(reloads_what_charon_lost)
{
	struct cfg_config *want = load("key-1"), *run = load("key-1");
	struct rc_loaded one = loaded_of(1, "xfrmd-b-t1");
	struct rc_plan p;
	struct xerr e;

	ck_assert_int_eq(reconcile_plan(want, run, &one, &p, &e), 0);
	ck_assert_str_eq(plan_str(&p),
			 "load-shared xfrmd-b-t2, load-conn xfrmd-b-t2, start xfrmd-b-t2");
	ck_assert_uint_eq(p.unchanged, 1);
	rc_plan_free(&p);
	cfg_free(want);
	cfg_free(run);
}
END_TEST

/* An administrator's `swanctl --load-creds` dropped tunnel 1's key. */
START_TEST(reloads_a_lost_key)
{
	struct cfg_config *want = load("key-1"), *run = load("key-1");
	struct rc_loaded l = loaded_of(2, "xfrmd-b-t1", "xfrmd-b-t2");
	struct rc_plan p;
	struct xerr e;

	l.keys = names_store + 1;
	l.n_keys = 1;
	ck_assert_int_eq(reconcile_plan(want, run, &l, &p, &e), 0);
	/* The key is put back; the running SAs are left alone. */
	ck_assert_str_eq(plan_str(&p), "load-shared xfrmd-b-t1");
	ck_assert_uint_eq(p.tunnels[0].change, RC_CHANGE_RELOAD);
	rc_plan_free(&p);
	cfg_free(want);
	cfg_free(run);
}
END_TEST

/* Tunnel t of cfg turned X.509, its certificate, key and CA bytes given
 * (stand-ins: the planner compares, charon_msg.c sends them as they are). */
static void x509_of(struct cfg_config *cfg, size_t t, const char *cert, const char *key,
		    const char *ca)
{
	struct cfg_tunnel *tun = &cfg->conns[0].tunnels[t];
	struct cfg_x509 *x = calloc(1, sizeof(*x));

	x->cert_file = strdup("gw.pem");
	x->key_file = strdup("gw.key");
	x->ca_file = strdup("ca.pem");
	x->cert = (struct cfg_blob){(uint8_t *)strdup(cert), strlen(cert)};
	x->key = (struct cfg_blob){(uint8_t *)strdup(key), strlen(key)};
	x->ca[0] = (struct cfg_blob){(uint8_t *)strdup(ca), strlen(ca)};
	x->n_ca = 1;
	memset(tun->psk, 0, sizeof(tun->psk));
	tun->x509 = x;
}

START_TEST(x509_fresh_loads_key_not_shared)
{
	struct cfg_config *want = load("key-1");
	struct rc_loaded none = loaded_of(0);
	struct rc_plan p;
	struct xerr e;

	x509_of(want, 0, "cert-1", "key-1", "ca-1");
	ck_assert_int_eq(reconcile_plan(want, NULL, &none, &p, &e), 0);
	ck_assert_str_eq(plan_str(&p),
			 "load-key xfrmd-b-t1, load-conn xfrmd-b-t1, start xfrmd-b-t1, "
			 "load-shared xfrmd-b-t2, load-conn xfrmd-b-t2, start xfrmd-b-t2");
	rc_plan_free(&p);
	cfg_free(want);
}
END_TEST

/* Rotation: new certificate and key, or new CAs: loaded again, the SAs
 * kept (no stop, no start). */
START_TEST(x509_rotation_reloads_without_restart)
{
	static const char *const next[][3] = {
	    {"cert-2", "key-2", "ca-1"}, {"cert-1", "key-1", "ca-2"}, {"cert-2", "key-1", "ca-1"}};
	struct rc_loaded both = loaded_of(2, "xfrmd-b-t1", "xfrmd-b-t2");

	for (size_t i = 0; i < sizeof(next) / sizeof(next[0]); i++) {
		struct cfg_config *want = load("key-1"), *run = load("key-1");
		struct rc_plan p;
		struct xerr e;

		x509_of(run, 0, "cert-1", "key-1", "ca-1");
		x509_of(want, 0, next[i][0], next[i][1], next[i][2]);
		ck_assert_int_eq(reconcile_plan(want, run, &both, &p, &e), 0);
		ck_assert_str_eq(plan_str(&p), "load-key xfrmd-b-t1, load-conn xfrmd-b-t1");
		ck_assert_uint_eq(p.tunnels[0].change, RC_CHANGE_CREDS);
		ck_assert_str_eq(rc_change_name(p.tunnels[0].change), "reload-credentials");
		ck_assert_uint_eq(p.unchanged, 1);
		rc_plan_free(&p);
		cfg_free(want);
		cfg_free(run);
	}
}
END_TEST

/* Another expected remote identity is another IKE SA; so is PSK -> X.509,
 * whose shared key goes. */
START_TEST(x509_identity_or_method_change_renegotiates)
{
	struct cfg_config *want = load("key-1"), *run = load("key-1");
	struct rc_loaded both = loaded_of(2, "xfrmd-b-t1", "xfrmd-b-t2");
	struct rc_plan p;
	struct xerr e;

	x509_of(run, 0, "cert-1", "key-1", "ca-1");
	x509_of(want, 0, "cert-1", "key-1", "ca-1");
	free(want->conns[0].tunnels[0].remote_id);
	want->conns[0].tunnels[0].remote_id = strdup("C=CH, CN=other");
	ck_assert_int_eq(reconcile_plan(want, run, &both, &p, &e), 0);
	ck_assert_str_eq(plan_str(&p), "stop xfrmd-b-t1, load-key xfrmd-b-t1, "
				       "load-conn xfrmd-b-t1, start xfrmd-b-t1");
	ck_assert_uint_eq(p.tunnels[0].change, RC_CHANGE_IKE);
	rc_plan_free(&p);
	cfg_free(want);
	cfg_free(run);

	want = load("key-1");
	run = load("key-1");
	x509_of(want, 0, "cert-1", "key-1", "ca-1");
	ck_assert_int_eq(reconcile_plan(want, run, &both, &p, &e), 0);
	ck_assert_str_eq(plan_str(&p), "stop xfrmd-b-t1, unload-shared xfrmd-b-t1, "
				       "load-key xfrmd-b-t1, load-conn xfrmd-b-t1, "
				       "start xfrmd-b-t1");
	rc_plan_free(&p);
	cfg_free(want);
	cfg_free(run);
}
END_TEST

/* charon restarted (its connection gone): the key goes again with it. No
 * shared key is listed for an X.509 tunnel, and that is no reason to
 * reload it while charon has the connection. */
START_TEST(x509_key_follows_the_connection)
{
	struct cfg_config *want = load("key-1"), *run = load("key-1");
	struct rc_loaded l = loaded_of(2, "xfrmd-b-t1", "xfrmd-b-t2");
	struct rc_plan p;
	struct xerr e;

	x509_of(run, 0, "cert-1", "key-1", "ca-1");
	x509_of(want, 0, "cert-1", "key-1", "ca-1");
	l.keys = names_store + 1; /* only t2's shared key */
	l.n_keys = 1;
	ck_assert_int_eq(reconcile_plan(want, run, &l, &p, &e), 0);
	ck_assert_uint_eq(p.n, 0);
	rc_plan_free(&p);
	l.names = names_store + 1; /* charon lost t1 */
	l.n = 1;
	ck_assert_int_eq(reconcile_plan(want, run, &l, &p, &e), 0);
	ck_assert_str_eq(plan_str(&p),
			 "load-key xfrmd-b-t1, load-conn xfrmd-b-t1, start xfrmd-b-t1");
	ck_assert_uint_eq(p.tunnels[0].change, RC_CHANGE_RELOAD);
	rc_plan_free(&p);
	cfg_free(want);
	cfg_free(run);
}
END_TEST

/* A rollback removing a tunnel whose load-conn failed: nothing to unload. */
START_TEST(removal_skips_unload_of_what_charon_lacks)
{
	struct cfg_config *want = empty(), *run = load("key-1");
	struct rc_loaded one = loaded_of(1, "xfrmd-b-t1");
	struct rc_plan p;
	struct xerr e;

	ck_assert_int_eq(reconcile_plan(want, run, &one, &p, &e), 0);
	ck_assert_str_eq(plan_str(&p), "stop xfrmd-b-t1, unload-conn xfrmd-b-t1, "
				       "unload-shared xfrmd-b-t1, stop xfrmd-b-t2, "
				       "unload-shared xfrmd-b-t2");
	rc_plan_free(&p);
	cfg_free(want);
	cfg_free(run);
}
END_TEST

START_TEST(changed_key_restarts_only_that_tunnel)
{
	struct cfg_config *want = load("key-2"), *run = load("key-1");
	struct rc_loaded both = loaded_of(2, "xfrmd-b-t1", "xfrmd-b-t2");
	struct rc_plan p;
	struct xerr e;

	ck_assert_int_eq(reconcile_plan(want, run, &both, &p, &e), 0);
	ck_assert_str_eq(plan_str(&p), "stop xfrmd-b-t1, load-shared xfrmd-b-t1, "
				       "load-conn xfrmd-b-t1, start xfrmd-b-t1");
	rc_plan_free(&p);
	cfg_free(want);
	cfg_free(run);
}
END_TEST

#define VARIANT                                                                                    \
	"{\"gateway\":{\"name\":\"gw\"},\"connections\":[{\"name\":\"b\","                         \
	"\"local_prefixes\":[\"10.1.0.0/24\"],\"remote_prefixes\":[%s],%s"                         \
	"\"tunnels\":[{\"local\":\"192.0.2.1\",\"remote\":\"192.0.2.101\",\"psk\":\"key-1\"},"     \
	"{\"local\":\"192.0.2.2\",\"remote\":\"192.0.2.102\",\"psk\":\"other-key\"}]}]}"

/* remote: the remote_prefixes list; extra: more connection keys, "k":v, */
static struct cfg_config *variant(const char *remote, const char *extra)
{
	char buf[2048];
	struct xerr e;
	struct cfg_config *c;

	snprintf(buf, sizeof(buf), VARIANT, remote, extra);
	c = cfg_load_string(buf, strlen(buf), NULL, &e);
	ck_assert_msg(c != NULL, "%s", e.msg);
	return c;
}

static const char *changes_str(const struct rc_plan *p)
{
	static char buf[512];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_tunnels; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s %s", i ? ", " : "",
					p->tunnels[i].name, rc_change_name(p->tunnels[i].change));
	return buf;
}

/* A prefix added: traffic selectors are CHILD_SA settings, the IKE SA stays. */
START_TEST(prefix_change_replaces_only_the_child_sa)
{
	struct cfg_config *run = variant("\"10.2.0.0/24\"", "");
	struct cfg_config *want = variant("\"10.2.0.0/24\", \"10.3.0.0/24\"", "");
	struct rc_loaded both = loaded_of(2, "xfrmd-b-t1", "xfrmd-b-t2");
	struct rc_plan p;
	struct xerr e;

	ck_assert_int_eq(reconcile_plan(want, run, &both, &p, &e), 0);
	ck_assert_str_eq(plan_str(&p), "load-conn xfrmd-b-t1, rekey-child xfrmd-b-t1, "
				       "load-conn xfrmd-b-t2, rekey-child xfrmd-b-t2");
	ck_assert_str_eq(changes_str(&p), "xfrmd-b-t1 new-child-sa, xfrmd-b-t2 new-child-sa");
	rc_plan_free(&p);
	cfg_free(want);
	cfg_free(run);
}
END_TEST

START_TEST(ike_change_renegotiates)
{
	struct cfg_config *run = variant("\"10.2.0.0/24\"", "");
	struct cfg_config *want = variant("\"10.2.0.0/24\"", "\"dpd\":{\"interval\":5},");
	struct rc_loaded both = loaded_of(2, "xfrmd-b-t1", "xfrmd-b-t2");
	struct rc_plan p;
	struct xerr e;

	ck_assert_int_eq(reconcile_plan(want, run, &both, &p, &e), 0);
	ck_assert_str_eq(changes_str(&p), "xfrmd-b-t1 renegotiate-ike, xfrmd-b-t2 renegotiate-ike");
	ck_assert_str_eq(p.a[0].name, "xfrmd-b-t1");
	ck_assert_uint_eq(p.a[0].kind, RC_STOP);
	rc_plan_free(&p);
	cfg_free(want);
	cfg_free(run);
}
END_TEST

/* A CHILD_SA lifetime changed: a new CHILD_SA; an IKE_SA one: the IKE_SA
 * renegotiated; the same ones again: nothing. */
START_TEST(lifetime_changes)
{
	struct cfg_config *run = variant("\"10.2.0.0/24\"", "\"esp\":{\"life_time\":3900},");
	struct cfg_config *child = variant("\"10.2.0.0/24\"", "\"esp\":{\"life_time\":3901},");
	struct cfg_config *ike = variant("\"10.2.0.0/24\"", "\"esp\":{\"life_time\":3900},"
							    "\"ike\":{\"rand_time\":0},");
	struct cfg_config *same = variant("\"10.2.0.0/24\"", "\"esp\":{\"life_time\":3900},");
	struct cfg_config *none = variant("\"10.2.0.0/24\"", "");
	struct rc_loaded both = loaded_of(2, "xfrmd-b-t1", "xfrmd-b-t2");
	struct rc_plan p;
	struct xerr e;

	ck_assert_int_eq(reconcile_plan(child, run, &both, &p, &e), 0);
	ck_assert_str_eq(changes_str(&p), "xfrmd-b-t1 new-child-sa, xfrmd-b-t2 new-child-sa");
	rc_plan_free(&p);
	ck_assert_int_eq(reconcile_plan(ike, run, &both, &p, &e), 0);
	ck_assert_str_eq(changes_str(&p), "xfrmd-b-t1 renegotiate-ike, xfrmd-b-t2 renegotiate-ike");
	rc_plan_free(&p);
	ck_assert_int_eq(reconcile_plan(same, run, &both, &p, &e), 0);
	ck_assert_uint_eq(p.n, 0);
	ck_assert_str_eq(changes_str(&p), "xfrmd-b-t1 none, xfrmd-b-t2 none");
	rc_plan_free(&p);
	/* Taking the key away again is a change too: charon's default returns. */
	ck_assert_int_eq(reconcile_plan(none, run, &both, &p, &e), 0);
	ck_assert_str_eq(changes_str(&p), "xfrmd-b-t1 new-child-sa, xfrmd-b-t2 new-child-sa");
	rc_plan_free(&p);
	cfg_free(none);
	cfg_free(same);
	cfg_free(ike);
	cfg_free(child);
	cfg_free(run);
}
END_TEST

/* ike.fragmentation is the IKE_SA's: a change renegotiates it. A route-mode
 * connection's mtu is the kernel's (its links, changed in place): charon
 * is not told, the SAs stay. */
START_TEST(fragmentation_and_mtu_changes)
{
	struct cfg_config *run = variant("\"10.2.0.0/24\"", "\"mode\":\"route\",\"mtu\":1400,");
	struct cfg_config *mtu = variant("\"10.2.0.0/24\"", "\"mode\":\"route\",\"mtu\":1200,");
	struct cfg_config *frag = variant("\"10.2.0.0/24\"", "\"mode\":\"route\",\"mtu\":1400,"
							     "\"ike\":{\"fragmentation\":\"no\"},");
	struct cfg_config *yes = variant("\"10.2.0.0/24\"", "\"mode\":\"route\",\"mtu\":1400,"
							    "\"ike\":{\"fragmentation\":\"yes\"},");
	struct rc_loaded both = loaded_of(2, "xfrmd-b-t1", "xfrmd-b-t2");
	struct rc_plan p;
	struct xerr e;

	ck_assert_int_eq(reconcile_plan(mtu, run, &both, &p, &e), 0);
	ck_assert_uint_eq(p.n, 0);
	ck_assert_str_eq(changes_str(&p), "xfrmd-b-t1 none, xfrmd-b-t2 none");
	rc_plan_free(&p);
	ck_assert_int_eq(reconcile_plan(frag, run, &both, &p, &e), 0);
	ck_assert_str_eq(changes_str(&p), "xfrmd-b-t1 renegotiate-ike, xfrmd-b-t2 renegotiate-ike");
	rc_plan_free(&p);
	/* yes written out is the default: nothing changes */
	ck_assert_int_eq(reconcile_plan(yes, run, &both, &p, &e), 0);
	ck_assert_uint_eq(p.n, 0);
	rc_plan_free(&p);
	cfg_free(yes);
	cfg_free(frag);
	cfg_free(mtu);
	cfg_free(run);
}
END_TEST

/* Pairing and route settings are xfrmd's alone: charon is not told. */
START_TEST(xfrmd_only_change_leaves_charon_alone)
{
	struct cfg_config *run = variant("\"10.2.0.0/24\"", "");
	struct cfg_config *want = variant("\"10.2.0.0/24\"", "\"failback_hold_down\":5,");
	struct rc_loaded both = loaded_of(2, "xfrmd-b-t1", "xfrmd-b-t2");
	struct rc_plan p;
	struct xerr e;

	ck_assert_int_eq(reconcile_plan(want, run, &both, &p, &e), 0);
	ck_assert_uint_eq(p.n, 0);
	ck_assert_str_eq(changes_str(&p), "xfrmd-b-t1 none, xfrmd-b-t2 none");
	rc_plan_free(&p);
	cfg_free(want);
	cfg_free(run);
}
END_TEST

START_TEST(removal_stops_and_unloads_first)
{
	struct cfg_config *want = empty(), *run = load("key-1");
	struct rc_loaded both = loaded_of(2, "xfrmd-b-t1", "xfrmd-b-t2");
	struct rc_plan p;
	struct xerr e;

	ck_assert_int_eq(reconcile_plan(want, run, &both, &p, &e), 0);
	ck_assert_str_eq(plan_str(&p), "stop xfrmd-b-t1, unload-conn xfrmd-b-t1, "
				       "unload-shared xfrmd-b-t1, stop xfrmd-b-t2, "
				       "unload-conn xfrmd-b-t2, unload-shared xfrmd-b-t2");
	rc_plan_free(&p);
	cfg_free(want);
	cfg_free(run);
}
END_TEST

/* An administrator loaded a connection under the very name xfrmd would use. */
START_TEST(never_replaces_a_foreign_connection)
{
	struct cfg_config *want = load("key-1");
	struct rc_loaded foreign = loaded_of(1, "xfrmd-b-t2");
	struct rc_plan p;
	struct xerr e;

	ck_assert_int_eq(reconcile_plan(want, NULL, &foreign, &p, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "xfrmd-b-t2"));
	ck_assert_ptr_nonnull(strstr(e.msg, "did not load"));
	ck_assert_uint_eq(p.n, 0);
	cfg_free(want);
}
END_TEST

/* Look-alike names xfrmd never loaded are not in any plan. */
START_TEST(ignores_lookalike_names_it_does_not_own)
{
	struct cfg_config *want = empty();
	struct rc_loaded admin = loaded_of(2, "xfrmd-admin-t1", "site-c");
	struct rc_plan p;
	struct xerr e;

	ck_assert_int_eq(reconcile_plan(want, NULL, &admin, &p, &e), 0);
	ck_assert_uint_eq(p.n, 0);
	rc_plan_free(&p);
	cfg_free(want);
}
END_TEST

START_TEST(names_round_trip)
{
	char name[CHARON_NAME_MAX], conn[CFG_NAME_MAX + 1];
	size_t t;

	ck_assert_int_eq(charon_tunnel_name("site-b-t2", 1, name, sizeof(name)), 0);
	ck_assert_str_eq(name, "xfrmd-site-b-t2-t1");
	ck_assert_int_eq(charon_parse_tunnel_name(name, conn, sizeof(conn), &t), 0);
	ck_assert_str_eq(conn, "site-b-t2");
	ck_assert_uint_eq(t, 1);
	ck_assert_int_eq(charon_parse_tunnel_name("xfrmd-x-t9", conn, sizeof(conn), &t), -1);
	ck_assert_int_eq(charon_parse_tunnel_name("other-x-t1", conn, sizeof(conn), &t), -1);
	ck_assert_int_eq(charon_parse_tunnel_name("xfrmd--t1", conn, sizeof(conn), &t), -1);
}
END_TEST

/* ONE_CONN on a gateway of two hosts: tunnel 1 on host a, 2 on host b.
 * host: the host selected (0: none, both tunnels). */
#define TWO_HOSTS                                                                                  \
	"{\"gateway\":{\"name\":\"gw\",\"hosts\":[{\"name\":\"a\",\"addresses\":[\"192.0.2.1\"]}," \
	"{\"name\":\"b\",\"addresses\":[\"192.0.2.2\"]}]},\"connections\":[{\"name\":\"b\","       \
	"\"local_prefixes\":[\"10.1.0.0/24\"],\"remote_prefixes\":[\"10.2.0.0/24\"],"              \
	"\"tunnels\":[{\"local\":\"192.0.2.1\",\"remote\":\"192.0.2.101\",\"psk\":\"key-1\"},"     \
	"{\"local\":\"192.0.2.2\",\"remote\":\"192.0.2.102\",\"psk\":\"other-key\"}]}]}"

static struct cfg_config *on_host(uint32_t host)
{
	struct xerr e;
	struct cfg_config *c = cfg_load_string(TWO_HOSTS, strlen(TWO_HOSTS), NULL, &e);

	ck_assert_msg(c != NULL, "%s", e.msg);
	ck_assert_int_eq(cfg_host_select(c, host, &e), 0);
	return c;
}

/* Host b runs only the document's tunnel 2: charon knows it as t2, as host
 * a would if it ran it, and the name leads back to position 0. */
START_TEST(names_by_number_on_a_host)
{
	struct cfg_config *b = on_host(2);
	struct rc_loaded none = loaded_of(0);
	char name[CHARON_NAME_MAX];
	size_t ci = 9, ti = 9, len;
	uint8_t *msg = NULL;
	struct rc_plan p;
	struct xerr e;

	ck_assert_uint_eq(b->conns[0].n_tunnels, 1);
	ck_assert_uint_eq(cfg_tunnel_number(&b->conns[0], 0), 2);
	ck_assert_int_eq(charon_conn_tunnel_name(&b->conns[0], 0, name, sizeof(name)), 0);
	ck_assert_str_eq(name, "xfrmd-b-t2");
	ck_assert_int_eq(charon_find_tunnel(b, "xfrmd-b-t2", &ci, &ti), 0);
	ck_assert_uint_eq(ci, 0);
	ck_assert_uint_eq(ti, 0);
	/* tunnel 1 is host a's; no tunnel 3, no connection x */
	ck_assert_int_eq(charon_find_tunnel(b, "xfrmd-b-t1", &ci, &ti), -1);
	ck_assert_int_eq(charon_find_tunnel(b, "xfrmd-b-t3", &ci, &ti), -1);
	ck_assert_int_eq(charon_find_tunnel(b, "xfrmd-x-t2", &ci, &ti), -1);
	ck_assert_int_eq(cfg_tunnel_at(&b->conns[0], 1), -1);
	/* what charon is sent carries that name */
	ck_assert_int_eq(charon_msg_load_conn(&b->conns[0], 0, &msg, &len, &e), 0);
	ck_assert_ptr_nonnull(memmem(msg, len, "xfrmd-b-t2", strlen("xfrmd-b-t2")));
	ck_assert_ptr_null(memmem(msg, len, "xfrmd-b-t1", strlen("xfrmd-b-t1")));
	free(msg);
	ck_assert_int_eq(reconcile_plan(b, NULL, &none, &p, &e), 0);
	ck_assert_str_eq(plan_str(&p),
			 "load-shared xfrmd-b-t2, load-conn xfrmd-b-t2, start xfrmd-b-t2");
	ck_assert_uint_eq(p.a[1].tunnel, 0); /* the position, to build messages from */
	ck_assert_uint_eq(p.n_tunnels, 1);
	ck_assert_uint_eq(p.tunnels[0].tunnel, 2); /* the number, for operators */
	rc_plan_free(&p);
	cfg_free(b);
}
END_TEST

/* A host's share changes: the same tunnel (connection and number) is the
 * same, wherever it sits in either config's tunnels. */
START_TEST(share_changes_match_by_number)
{
	struct cfg_config *b = on_host(2), *all = on_host(0);
	struct rc_loaded t2 = loaded_of(1, "xfrmd-b-t2");
	struct rc_plan p;
	struct xerr e;

	/* host b takes tunnel 1 over: only tunnel 1 is new */
	ck_assert_int_eq(reconcile_plan(all, b, &t2, &p, &e), 0);
	ck_assert_str_eq(plan_str(&p),
			 "load-shared xfrmd-b-t1, load-conn xfrmd-b-t1, start xfrmd-b-t1");
	ck_assert_uint_eq(p.unchanged, 1);
	ck_assert_str_eq(changes_str(&p), "xfrmd-b-t1 add, xfrmd-b-t2 none");
	ck_assert_uint_eq(p.tunnels[1].tunnel, 2);
	rc_plan_free(&p);

	/* and gives it back: tunnel 1 goes, tunnel 2 stays as it is */
	t2 = loaded_of(2, "xfrmd-b-t1", "xfrmd-b-t2");
	ck_assert_int_eq(reconcile_plan(b, all, &t2, &p, &e), 0);
	ck_assert_str_eq(plan_str(&p), "stop xfrmd-b-t1, unload-conn xfrmd-b-t1, "
				       "unload-shared xfrmd-b-t1");
	ck_assert_uint_eq(p.unchanged, 1);
	ck_assert_str_eq(changes_str(&p), "xfrmd-b-t1 remove, xfrmd-b-t2 none");
	ck_assert_uint_eq(p.tunnels[0].tunnel, 1);
	ck_assert_uint_eq(p.tunnels[1].tunnel, 2);
	rc_plan_free(&p);
	cfg_free(all);
	cfg_free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reconcile");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, fresh_gateway_loads_and_starts_every_tunnel);
	tcase_add_test(tc, same_config_does_nothing);
	tcase_add_test(tc, reloads_what_charon_lost);
	tcase_add_test(tc, reloads_a_lost_key);
	tcase_add_test(tc, x509_fresh_loads_key_not_shared);
	tcase_add_test(tc, x509_rotation_reloads_without_restart);
	tcase_add_test(tc, x509_identity_or_method_change_renegotiates);
	tcase_add_test(tc, x509_key_follows_the_connection);
	tcase_add_test(tc, removal_skips_unload_of_what_charon_lacks);
	tcase_add_test(tc, changed_key_restarts_only_that_tunnel);
	tcase_add_test(tc, removal_stops_and_unloads_first);
	tcase_add_test(tc, prefix_change_replaces_only_the_child_sa);
	tcase_add_test(tc, ike_change_renegotiates);
	tcase_add_test(tc, lifetime_changes);
	tcase_add_test(tc, fragmentation_and_mtu_changes);
	tcase_add_test(tc, xfrmd_only_change_leaves_charon_alone);
	tcase_add_test(tc, never_replaces_a_foreign_connection);
	tcase_add_test(tc, ignores_lookalike_names_it_does_not_own);
	tcase_add_test(tc, names_round_trip);
	tcase_add_test(tc, names_by_number_on_a_host);
	tcase_add_test(tc, share_changes_match_by_number);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
