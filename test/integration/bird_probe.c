/*
 * bird_probe SOCKET COMMAND...: runs each command through lib/bird's client
 * on an event loop, one after the other, and prints one line per reply:
 *   configure...           "configure ok CODE" or "configure error FILE:LINE:COL TEXT"
 *   show protocols [all]   "proto NAME STATE BGPSTATE ROUTES_IMPORTED" per protocol
 *   anything else          "reply CODE LAST-LINE"
 * Exits 1 when the client reports an error (timeout, lost connection).
 */
#include <stdio.h>
#include <string.h>

#include "bird_client.h"
#include "bird_proto.h"
#include "loop.h"

struct probe {
	struct loop *loop;
	struct bird_client *c;
	char **cmds;
	int n, next, failed;
};

static void print_reply(const char *cmd, const struct bird_reply *r)
{
	struct bird_configure conf;
	struct bird_protos ps;
	struct xerr e;

	if (strncmp(cmd, "configure", 9) == 0) {
		bird_configure_parse(r, &conf);
		if (conf.ok)
			printf("configure ok %04d\n", conf.code);
		else
			printf("configure error %s:%u:%u %s\n", conf.file, conf.line, conf.col,
			       conf.text);
	} else if (strncmp(cmd, "show protocols", 14) == 0 && bird_protos_parse(r, &ps, &e) == 0) {
		for (size_t i = 0; i < ps.n; i++) {
			const struct bird_proto *p = &ps.v[i];

			printf("proto %s %s %s %lu\n", p->name, p->state_text,
			       p->bgp ? bird_bgp_name(p->bgp) : "-",
			       p->n_channels ? p->channels[0].imported : 0);
		}
		bird_protos_free(&ps);
	} else {
		printf("reply %04d %s\n", r->code, bird_reply_last(r));
	}
	fflush(stdout);
}

static void send_next(struct probe *p);

static void on_reply(void *ctx, enum bird_status st, const struct bird_reply *r, const char *why)
{
	struct probe *p = ctx;

	if (st != BIRD_REPLY) {
		fprintf(stderr, "bird_probe: %s: %s\n", p->cmds[p->next - 1], why);
		p->failed = 1;
		loop_quit(p->loop);
		return;
	}
	print_reply(p->cmds[p->next - 1], r);
	send_next(p);
}

static void send_next(struct probe *p)
{
	struct xerr e;

	if (p->next == p->n) {
		loop_quit(p->loop);
		return;
	}
	if (bird_client_command(p->c, p->cmds[p->next++], 5000, on_reply, p, &e) < 0) {
		fprintf(stderr, "bird_probe: %s\n", e.msg);
		p->failed = 1;
		loop_quit(p->loop);
	}
}

static void on_closed(void *ctx, const char *why)
{
	struct probe *p = ctx;

	fprintf(stderr, "bird_probe: closed: %s\n", why);
	p->failed = 1;
	loop_quit(p->loop);
}

int main(int argc, char **argv)
{
	struct probe p = {.cmds = argv + 2, .n = argc - 2};
	struct xerr e;

	if (argc < 3) {
		fprintf(stderr, "usage: bird_probe SOCKET COMMAND...\n");
		return 2;
	}
	p.loop = loop_new(&e);
	if (!p.loop)
		return 1;
	p.c = bird_client_new(p.loop, &(struct bird_client_cbs){.closed = on_closed, .ctx = &p});
	if (!p.c || bird_client_connect(p.c, argv[1], &e) < 0) {
		fprintf(stderr, "bird_probe: %s\n", p.c ? e.msg : "out of memory");
		return 1;
	}
	send_next(&p); /* queued: goes out after the greeting */
	loop_run(p.loop);
	bird_client_free(p.c);
	loop_free(p.loop);
	return p.failed;
}
