/*
 * vici_probe: drives a real charon through xfrmd's VICI client.
 *
 *   vici_probe [-v] URI NAME [KEEP...]
 *
 * Loads connection NAME, checks it shows up in get-conns and list-conns,
 * lists SAs, unloads NAME again and checks it is gone, while every KEEP
 * connection (loaded by someone else) is present before and after. The
 * first batch of commands is queued at once, so charon sees them strictly
 * one after the other. Prints one line per result; -v also dumps the
 * trees of streamed events. Exits 1 on any failed check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vici_client.h"

#define TIMEOUT_MS 10000

struct probe {
	const char *name;
	bool verbose;
	int failures;
	char conns[4096];     /* names from the latest get-conns, space separated */
	char listed[4096];    /* names from list-conn events */
	unsigned list_sa;     /* list-sa events */
	bool list_conns_done; /* list-conns response seen */
};

static struct probe P;

static void check(bool ok, const char *what)
{
	if (ok)
		return;
	printf("FAIL: %s\n", what);
	P.failures++;
}

static void dump(const struct vici_node *n, int depth)
{
	for (n = n->child; n; n = n->next) {
		switch (n->type) {
		case VICI_NODE_VALUE:
			printf("%*s%s = %s\n", depth * 2, "", n->name ? n->name : "-",
			       (const char *)n->value);
			break;
		case VICI_NODE_LIST:
			printf("%*s%s = [", depth * 2, "", n->name);
			for (const struct vici_node *i = n->child; i; i = i->next)
				printf(" %s", (const char *)i->value);
			printf(" ]\n");
			break;
		case VICI_NODE_SECTION:
			printf("%*s%s {\n", depth * 2, "", n->name);
			dump(n, depth + 1);
			printf("%*s}\n", depth * 2, "");
			break;
		}
	}
}

/* Is word one of the space separated words in list? */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

static void add_word(char *list, size_t size, const char *word)
{
	size_t n = strlen(list);

	snprintf(list + n, size - n, "%s%s", n ? " " : "", word);
}

static const char *status_str(enum vici_status s)
{
	switch (s) {
	case VICI_OK:
		return "ok";
	case VICI_UNKNOWN:
		return "unknown";
	case VICI_DISCONNECTED:
		return "disconnected";
	case VICI_PROTOCOL_ERROR:
		return "protocol-error";
	}
	return "?";
}

static void on_version(void *ctx, enum vici_status st, const struct vici_node *r)
{
	printf("version: status=%s daemon=%s version=%s sysname=%s machine=%s\n", status_str(st),
	       vici_get_str(r, "daemon", "-"), vici_get_str(r, "version", "-"),
	       vici_get_str(r, "sysname", "-"), vici_get_str(r, "machine", "-"));
	check(st == VICI_OK, "version answered");
	check(strcmp(vici_get_str(r, "daemon", ""), "charon") == 0, "daemon is charon");
}

static void on_success(void *ctx, enum vici_status st, const struct vici_node *r)
{
	const char *label = ctx;
	bool want = strstr(label, "missing") == NULL;

	printf("%s: status=%s success=%s errmsg=%s\n", label, status_str(st),
	       vici_get_str(r, "success", "-"), vici_get_str(r, "errmsg", "-"));
	check(st == VICI_OK, label);
	check(vici_get_bool(r, "success") == want, label);
}

static void on_get_conns(void *ctx, enum vici_status st, const struct vici_node *r)
{
	const struct vici_node *list = vici_child(r, "conns");

	P.conns[0] = '\0';
	for (const struct vici_node *i = list ? list->child : NULL; i; i = i->next)
		add_word(P.conns, sizeof(P.conns), (const char *)i->value);
	printf("get-conns (%s): status=%s conns=[%s]\n", (const char *)ctx, status_str(st),
	       P.conns);
	check(st == VICI_OK && list && list->type == VICI_NODE_LIST, "get-conns has a conns list");
}

/* Registration and unknown-command outcomes: ctx is "label=expected". */
static void on_status(void *ctx, enum vici_status st, const struct vici_node *r)
{
	const char *label = ctx, *want = strchr(label, '=') + 1;

	printf("%.*s: status=%s\n", (int)(want - label - 1), label, status_str(st));
	check(strcmp(status_str(st), want) == 0, label);
}

static void on_list_conns(void *ctx, enum vici_status st, const struct vici_node *r)
{
	printf("list-conns: status=%s streamed=[%s]\n", status_str(st), P.listed);
	check(st == VICI_OK, "list-conns answered");
	P.list_conns_done = true;
}

static void on_list_sas(void *ctx, enum vici_status st, const struct vici_node *r)
{
	printf("list-sas: status=%s streamed=%u\n", status_str(st), P.list_sa);
	check(st == VICI_OK, "list-sas answered");
}

static void on_event(void *ctx, const char *event, const struct vici_node *msg)
{
	if (strcmp(event, "list-conn") == 0) {
		/* One connection per event, keyed by its name. */
		for (const struct vici_node *n = msg->child; n; n = n->next) {
			const struct vici_node *ch = vici_child(n, "children");

			add_word(P.listed, sizeof(P.listed), n->name);
			printf("list-conn %s: version=%s local_addrs=%s children=%s\n", n->name,
			       vici_get_str(n, "version", "-"),
			       vici_child(n, "local_addrs") && vici_child(n, "local_addrs")->child
				   ? (const char *)vici_child(n, "local_addrs")->child->value
				   : "-",
			       ch && ch->child ? ch->child->name : "-");
		}
		check(!P.list_conns_done, "list-conn events come before the response");
	} else if (strcmp(event, "list-sa") == 0) {
		P.list_sa++;
	} else {
		printf("event %s\n", event);
	}
	if (P.verbose) {
		printf("--- %s\n", event);
		dump(msg, 1);
	}
}

static void on_close(void *ctx, const char *reason)
{
	printf("connection lost: %s\n", reason);
}

static int conn_msg(const char *name, uint8_t **msg, size_t *len, struct xerr *e)
{
	struct vici_builder *b = vici_builder_new();

	vici_begin_section(b, name);
	vici_add_kv_str(b, "version", "2");
	vici_begin_list(b, "local_addrs");
	vici_add_item_str(b, "192.0.2.1");
	vici_end_list(b);
	vici_begin_list(b, "remote_addrs");
	vici_add_item_str(b, "192.0.2.2");
	vici_end_list(b);
	vici_begin_list(b, "proposals");
	vici_add_item_str(b, "aes128gcm16-prfsha256-ecp256");
	vici_end_list(b);
	vici_begin_section(b, "local");
	vici_add_kv_str(b, "auth", "psk");
	vici_add_kv_str(b, "id", "gw-a.example");
	vici_end_section(b);
	vici_begin_section(b, "remote");
	vici_add_kv_str(b, "auth", "psk");
	vici_add_kv_str(b, "id", "gw-b.example");
	vici_end_section(b);
	vici_begin_section(b, "children");
	vici_begin_section(b, "net");
	vici_begin_list(b, "local_ts");
	vici_add_item_str(b, "10.1.0.0/16");
	vici_end_list(b);
	vici_begin_list(b, "remote_ts");
	vici_add_item_str(b, "10.2.0.0/16");
	vici_end_list(b);
	vici_begin_list(b, "esp_proposals");
	vici_add_item_str(b, "aes128gcm16");
	vici_end_list(b);
	vici_add_kv_str(b, "mode", "tunnel");
	vici_add_kv_str(b, "start_action", "none");
	vici_end_section(b);
	vici_end_section(b);
	vici_end_section(b);
	return vici_builder_finish(b, msg, len, e);
}

static int kv_msg(const char *key, const char *value, uint8_t **msg, size_t *len, struct xerr *e)
{
	struct vici_builder *b = vici_builder_new();

	vici_add_kv_str(b, key, value);
	return vici_builder_finish(b, msg, len, e);
}

/* Everything up to and including the streamed listings, queued at once. */
static int batch_load(struct vici_client *c, struct xerr *e)
{
	uint8_t *conn = NULL, *noblock = NULL;
	size_t conn_len, noblock_len;
	int ret = -1;

	if (conn_msg(P.name, &conn, &conn_len, e) < 0 ||
	    kv_msg("noblock", "yes", &noblock, &noblock_len, e) < 0)
		goto out;
	if (vici_client_request(c, "version", NULL, 0, on_version, NULL, e) < 0 ||
	    vici_client_request(c, "get-conns", NULL, 0, on_get_conns, "before", e) < 0 ||
	    vici_client_request(c, "load-conn", conn, conn_len, on_success, "load-conn", e) < 0 ||
	    vici_client_request(c, "get-conns", NULL, 0, on_get_conns, "loaded", e) < 0 ||
	    vici_client_register(c, "list-conn", on_status, "register list-conn=ok", e) < 0 ||
	    vici_client_request(c, "list-conns", NULL, 0, on_list_conns, NULL, e) < 0 ||
	    vici_client_unregister(c, "list-conn", on_status, "unregister list-conn=ok", e) < 0 ||
	    vici_client_register(c, "list-sa", on_status, "register list-sa=ok", e) < 0 ||
	    vici_client_request(c, "list-sas", noblock, noblock_len, on_list_sas, NULL, e) < 0 ||
	    vici_client_unregister(c, "list-sa", on_status, "unregister list-sa=ok", e) < 0)
		goto out;
	printf("queued: %zu\n", vici_client_pending(c));
	ret = vici_client_run(c, TIMEOUT_MS, e);
out:
	free(conn);
	free(noblock);
	return ret;
}

static int batch_unload(struct vici_client *c, struct xerr *e)
{
	uint8_t *own = NULL, *missing = NULL;
	size_t own_len, missing_len;
	int ret = -1;

	if (kv_msg("name", P.name, &own, &own_len, e) < 0 ||
	    kv_msg("name", "xfrmd-itest-missing", &missing, &missing_len, e) < 0)
		goto out;
	if (vici_client_request(c, "unload-conn", own, own_len, on_success, "unload-conn", e) < 0 ||
	    vici_client_request(c, "unload-conn", missing, missing_len, on_success,
				"unload-conn missing", e) < 0 ||
	    vici_client_request(c, "get-conns", NULL, 0, on_get_conns, "unloaded", e) < 0 ||
	    vici_client_request(c, "xfrmd-no-such-command", NULL, 0, on_status,
				"unknown command=unknown", e) < 0 ||
	    vici_client_register(c, "xfrmd-no-such-event", on_status,
				 "register unknown event=unknown", e) < 0)
		goto out;
	ret = vici_client_run(c, TIMEOUT_MS, e);
out:
	free(own);
	free(missing);
	return ret;
}

static void check_keep(char **keep, int nkeep, const char *when)
{
	char what[512];

	for (int i = 0; i < nkeep; i++) {
		snprintf(what, sizeof(what), "%s still loaded %s", keep[i], when);
		check(has_word(P.conns, keep[i]), what);
	}
}

int main(int argc, char **argv)
{
	struct xerr e = {{0}};
	struct vici_client *c;
	int arg = 1;

	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		P.verbose = true;
		arg++;
	}
	if (argc - arg < 2) {
		fprintf(stderr, "usage: vici_probe [-v] URI NAME [KEEP...]\n");
		return 2;
	}
	P.name = argv[arg + 1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	c = vici_client_new(on_event, on_close, NULL);
	if (!c || vici_client_connect(c, argv[arg], &e) < 0) {
		printf("FAIL: connect: %s\n", c ? e.msg : "out of memory");
		vici_client_free(c);
		return 1;
	}
	if (batch_load(c, &e) < 0) {
		printf("FAIL: %s\n", e.msg);
		P.failures++;
	}
	check(has_word(P.conns, P.name), "own connection listed by get-conns after load");
	check(has_word(P.listed, P.name), "own connection streamed by list-conns");
	check_keep(argv + arg + 2, argc - arg - 2, "after load");
	if (batch_unload(c, &e) < 0) {
		printf("FAIL: %s\n", e.msg);
		P.failures++;
	}
	check(!has_word(P.conns, P.name), "own connection gone after unload");
	check_keep(argv + arg + 2, argc - arg - 2, "after unload");
	vici_client_free(c);
	printf("%s\n", P.failures ? "probe FAILED" : "probe OK");
	return P.failures ? 1 : 0;
}
