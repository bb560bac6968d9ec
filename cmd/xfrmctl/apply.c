/* apply and plan: send a config file to xfrmd, to apply or only to plan. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "jget.h"
#include "plural.h"
#include "xfrmctl.h"

#define APPLY_TIMEOUT_MS 300000 /* thousands of tunnels, one VICI call each */

/* Exit statuses of plan, for CI (terraform's -detailed-exitcode). */
enum { PLAN_NO_CHANGE = 0, PLAN_ERROR = 1, PLAN_CHANGES = 2 };

struct file_opts {
	const char *path;
	bool json, has_generation;
	unsigned long long generation;
};

static void print_actions(struct json_object *resp)
{
	struct json_object *actions = jarr(resp, "actions");

	for (size_t i = 0; i < jlen(actions); i++) {
		struct json_object *a = json_object_array_get_idx(actions, i);

		const char *key = jstr(a, "key_id");

		printf("  %-14s %s%s%s%s\n", jstr(a, "action"), jstr(a, "name"),
		       *key ? " (key " : "", key, *key ? ")" : "");
	}
}

static void print_applied(struct json_object *resp)
{
	size_t n = jlen(jarr(resp, "actions"));
	unsigned long long same = jnum(resp, "unchanged");

	printf("applied generation %s: %zu %s, %llu %s unchanged\n", jstr(resp, "generation"), n,
	       plural(n, "change", "changes"), same, plural(same, "tunnel", "tunnels"));
	print_actions(resp);
	if (*jstr(resp, "host"))
		printf("on host %s\n", jstr(resp, "host"));
	printf("config sha256 %s\n", jstr(resp, "config_hash"));
}

static const char *charon_words(const char *change)
{
	static const struct {
		const char *change, *words;
	} w[] = {
	    {"none", "charon unchanged"},
	    {"add", "loaded and started"},
	    {"remove", "stopped and unloaded"},
	    {"renegotiate-ike", "IKE SA renegotiated"},
	    {"new-child-sa", "new CHILD_SA, IKE SA kept"},
	    {"reload", "reloaded into charon (it had lost it)"},
	    {"reload-credentials", "certificate, key or CAs reloaded, SAs kept"},
	};

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (!strcmp(change, w[i].change))
			return w[i].words;
	return change;
}

/* A tunnel interface's MTU change: in place, the SAs untouched. */
static void print_link_mtu(struct json_object *m)
{
	const char *from = jstr(m, "from"), *to = jstr(m, "to");

	printf("; interface MTU %s -> %s", *from ? from : "(not given)",
	       *to ? to : "(not given: the link keeps its MTU)");
	if (*to)
		printf(", changed in place");
}

static void print_conn(struct json_object *c)
{
	static const struct {
		const char *change, *mark;
	} marks[] = {{"add", "+"}, {"remove", "-"}, {"change", "~"}, {"none", "="}};
	struct json_object *fields = jarr(c, "fields"), *tunnels = jarr(c, "tunnels");
	const char *change = jstr(c, "change"), *mark = "?";

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (!strcmp(change, marks[i].change))
			mark = marks[i].mark;
	printf("  %s connection %s", mark, jstr(c, "name"));
	for (size_t i = 0; i < jlen(fields); i++)
		printf("%s%s", i ? ", " : ": ",
		       json_object_get_string(json_object_array_get_idx(fields, i)));
	printf("%s\n", !strcmp(change, "none") ? " (unchanged)" : "");
	if (!strcmp(change, "none"))
		return;
	for (size_t i = 0; i < jlen(tunnels); i++) {
		struct json_object *t = json_object_array_get_idx(tunnels, i);

		struct json_object *mtu = NULL;

		printf("      tunnel %s: %s", jstr(t, "tunnel"), charon_words(jstr(t, "charon")));
		if (json_object_object_get_ex(t, "link_mtu", &mtu) && mtu)
			print_link_mtu(mtu);
		printf("\n");
	}
}

/* A gateway on several hosts: this host's share. */
static void print_host(struct json_object *resp)
{
	struct json_object *h = NULL, *runs, *away;

	if (!json_object_object_get_ex(resp, "host", &h) || !h)
		return;
	runs = jarr(h, "runs");
	away = jarr(h, "away");
	printf("  host %s runs %zu %s", jstr(h, "name"), jlen(runs),
	       jlen(runs) == 1 ? "tunnel" : "tunnels");
	for (size_t i = 0; i < jlen(runs); i++) {
		struct json_object *t = json_object_array_get_idx(runs, i);

		printf("%s%s t%s", i ? ", " : ": ", jstr(t, "connection"), jstr(t, "tunnel"));
	}
	printf("\n");
	for (size_t i = 0; i < jlen(away); i++) {
		struct json_object *t = json_object_array_get_idx(away, i);

		printf("    %s t%s: on host %s\n", jstr(t, "connection"), jstr(t, "tunnel"),
		       jstr(t, "host"));
	}
}

static void print_plan(struct json_object *resp)
{
	struct json_object *conns = jarr(resp, "connections"), *routes = jarr(resp, "routes");
	struct json_object *gw = jarr(resp, "gateway_fields");
	const char *hash = jstr(resp, "config_hash");

	printf("plan against generation %s (config sha256 %s)\n", jstr(resp, "generation"),
	       *hash ? hash : "none");
	printf("new config sha256 %s\n", jstr(resp, "new_hash"));
	for (size_t i = 0; i < jlen(gw); i++)
		printf("%s%s", i ? ", " : "  ~ gateway: ",
		       json_object_get_string(json_object_array_get_idx(gw, i)));
	if (jlen(gw))
		printf("\n");
	print_host(resp);
	for (size_t i = 0; i < jlen(conns); i++)
		print_conn(json_object_array_get_idx(conns, i));
	for (size_t i = 0; i < jlen(routes); i++) {
		struct json_object *r = json_object_array_get_idx(routes, i);

		printf("  route %s via %s (table %s, metric %s): %s\n", jstr(r, "prefix"),
		       jstr(r, "connection"), jstr(r, "table"), jstr(r, "metric"),
		       jstr(r, "change"));
	}
	for (size_t i = 0; i < jlen(jarr(resp, "bgp_sessions")); i++) {
		struct json_object *b = json_object_array_get_idx(jarr(resp, "bgp_sessions"), i);

		printf("  bgp session %s (%s tunnel %s): %s\n", jstr(b, "protocol"),
		       jstr(b, "connection"), jstr(b, "tunnel"), jstr(b, "change"));
	}
	for (size_t i = 0; i < jlen(jarr(resp, "nftables")); i++) {
		struct json_object *n = json_object_array_get_idx(jarr(resp, "nftables"), i);

		printf("  nftables table inet xfrmd, connection %s (mss, nat): %s\n",
		       jstr(n, "connection"), jstr(n, "change"));
	}
	if (jlen(jarr(resp, "actions"))) {
		printf("charon requests:\n");
		print_actions(resp);
	}
}

static bool plan_has_changes(struct json_object *resp)
{
	return jbool(resp, "changes");
}

static int parse_opts(int argc, char **argv, bool allow_generation, struct file_opts *fo)
{
	for (int i = 1; i < argc; i++) {
		const char *gen;
		char *end;

		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--file")) {
			if (!(fo->path = opt_value(argc, argv, &i, argv[0], "a file")))
				return -1;
		} else if (!strcmp(argv[i], "--json")) {
			fo->json = true;
		} else if (allow_generation && !strcmp(argv[i], "--expect-generation")) {
			if (!(gen = opt_value(argc, argv, &i, argv[0], "a generation number")))
				return -1;
			errno = 0;
			fo->generation = strtoull(gen, &end, 10);
			if (errno || *end || !*gen || !isdigit((unsigned char)gen[0])) {
				usage_error(argv[0],
					    "--expect-generation: '%s' is not a generation "
					    "number",
					    gen);
				return -1;
			}
			fo->has_generation = true;
		} else {
			usage_error(argv[0], "unexpected argument '%s'", argv[i]);
			return -1;
		}
	}
	if (!fo->path) {
		usage_error(argv[0], "which file? (-f FILE)");
		return -1;
	}
	return 0;
}

/* The file as a request: its text as it is (the daemon parses and checks
 * it, and names the file in its errors), read from the directory the key
 * files resolve against. */
static struct json_object *file_request(const char *cmd, const struct file_opts *fo)
{
	struct json_object *req;
	char dir[CFG_PATH_MAX];
	struct xerr e;
	size_t len;
	char *text = cfg_read_doc_text(fo->path, dir, &len, &e);

	if (!text) {
		fprintf(stderr, "%s\n", e.msg);
		return NULL;
	}
	req = json_object_new_object();
	json_object_object_add(req, CTL_CMD, json_object_new_string(cmd));
	json_object_object_add(req, CTL_ARG_CONFIG_TEXT,
			       json_object_new_string_len(text, (int)len));
	json_object_object_add(req, CTL_ARG_FILE, json_object_new_string(fo->path));
	json_object_object_add(req, CTL_ARG_BASE_DIR, json_object_new_string(dir));
	if (fo->has_generation)
		json_object_object_add(req, CTL_ARG_EXPECT_GENERATION,
				       json_object_new_uint64(fo->generation));
	explicit_bzero(text, len);
	free(text);
	return req;
}

static void print_json(struct json_object *resp)
{
	json_object_object_del(resp, CTL_OK);
	printf("%s\n", json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_NOSLASHESCAPE));
}

int cmd_apply(const struct ctl_opts *o, int argc, char **argv)
{
	struct file_opts fo = {0};
	struct json_object *req, *resp;

	if (parse_opts(argc, argv, true, &fo))
		return 2;
	req = file_request(CTL_CMD_APPLY, &fo);
	if (!req)
		return 1;
	resp = daemon_call(o, req, APPLY_TIMEOUT_MS);
	json_object_put(req);
	if (!resp)
		return 1;
	if (fo.json)
		print_json(resp);
	else
		print_applied(resp);
	json_object_put(resp);
	return 0;
}

int cmd_plan(const struct ctl_opts *o, int argc, char **argv)
{
	struct file_opts fo = {0};
	struct json_object *req, *resp;
	int rc;

	if (parse_opts(argc, argv, false, &fo))
		return PLAN_ERROR;
	req = file_request(CTL_CMD_PLAN, &fo);
	if (!req)
		return PLAN_ERROR;
	resp = daemon_call(o, req, APPLY_TIMEOUT_MS);
	json_object_put(req);
	if (!resp)
		return PLAN_ERROR;
	rc = plan_has_changes(resp) ? PLAN_CHANGES : PLAN_NO_CHANGE;
	if (fo.json)
		print_json(resp);
	else
		print_plan(resp);
	json_object_put(resp);
	return rc;
}
