/*
 * Many route changes at once (publishing thousands of prefixes). Requests
 * go out in windows, a window's requests in one datagram, without waiting
 * for each answer; the answers (errors, and the ACK of the window's last
 * request) are collected after each window and mapped back to their route
 * by sequence number.
 *
 * Most changes need no look at the routing table: an add is exclusive
 * (NLM_F_EXCL), so it cannot touch anyone's route, and a delete names
 * xfrmd's protocol, which the kernel matches, so it cannot remove anyone
 * else's. Only when the kernel answers "exists" (add) or "no such route"
 * (delete) must xfrmd know who holds the key: then the tables of the batch
 * are read, once per (family, table) into a hash set, and those changes
 * (and the rest of the batch) are decided from it: replace xfrmd's own
 * route, refuse another protocol's.
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <stdlib.h>
#include <string.h>

#include "nl_common.h"
#include "nl_route_int.h"
#include "plural.h"

/* Requests in flight: their answers when all fail (under 1 KiB each as
 * the kernel counts them) must fit the socket's receive buffer (set in
 * nl_route_apply), or the kernel drops some (the batch fails: ENOBUFS). */
#define WINDOW 64

struct key {
	uint32_t table, metric;
	uint8_t family, len;
	uint8_t addr[16];
};

/* What the kernel holds under one key of the batch. */
struct slot {
	struct key k;
	bool used, ours;
	int other; /* another protocol's number, -1: none */
};

struct owners {
	struct slot *s;
	size_t mask;
};

static void key_make(struct key *k, int family, uint8_t len, const void *addr, uint32_t table,
		     uint32_t metric)
{
	memset(k, 0, sizeof(*k)); /* padding too: keys are hashed and compared as bytes */
	k->family = (uint8_t)family;
	k->len = len;
	k->table = table;
	k->metric = metric;
	if (addr)
		memcpy(k->addr, addr, nlk_family_len(family));
}

static void key_of(const struct nl_route *r, struct key *k)
{
	key_make(k, r->dst.addr.family, r->dst.len, r->dst.addr.bytes, r->table, route_metric(r));
}

static size_t key_hash(const struct key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	uint64_t h = 14695981039346656037ull; /* FNV-1a */

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return (size_t)h;
}

/* The key's slot; a free one when add, else NULL when absent. */
static struct slot *owners_find(struct owners *o, const struct key *k, bool add)
{
	for (size_t i = key_hash(k) & o->mask;; i = (i + 1) & o->mask) {
		struct slot *s = &o->s[i];

		if (!s->used) {
			if (!add)
				return NULL;
			s->used = true;
			s->k = *k;
			s->other = -1;
			return s;
		}
		if (!memcmp(&s->k, k, sizeof(*k)))
			return s;
	}
}

static int owners_init(struct owners *o, const struct nl_route_change *c, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	o->s = calloc(cap, sizeof(*o->s));
	o->mask = cap - 1;
	if (!o->s)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct key k;

		key_of(&c[i].r, &k);
		owners_find(o, &k, true);
	}
	return 0;
}

/* A dumped route, parsed by hand: libnl's full parse of every route of a
 * large table costs more than the rest of the batch. */
static int owners_msg(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct rtmsg *rtm = nlmsg_data(h);
	struct nlattr *tb[RTA_MAX + 1];
	struct slot *s;
	struct key k;

	if (h->nlmsg_type != RTM_NEWROUTE || nlmsg_parse(h, sizeof(*rtm), tb, RTA_MAX, NULL) < 0 ||
	    (rtm->rtm_flags & RTM_F_CLONED) || rtm->rtm_tos)
		return NL_OK;
	if (tb[RTA_DST] && (size_t)nla_len(tb[RTA_DST]) != nlk_family_len(rtm->rtm_family))
		return NL_OK;
	key_make(&k, rtm->rtm_family, rtm->rtm_dst_len, tb[RTA_DST] ? nla_data(tb[RTA_DST]) : NULL,
		 tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table,
		 tb[RTA_PRIORITY] ? nla_get_u32(tb[RTA_PRIORITY]) : 0);
	s = owners_find(arg, &k, false);
	if (s && rtm->rtm_protocol == XFRMD_RTPROT)
		s->ours = true;
	else if (s)
		s->other = rtm->rtm_protocol;
	return NL_OK;
}

static bool seen_before(const struct nl_route_change *c, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (c[j].r.dst.addr.family == c[i].r.dst.addr.family &&
		    c[j].r.table == c[i].r.table)
			return true;
	return false;
}

/* One dump per (family, table) of the batch: a handful, often one. */
static int owners_read(struct nl_sock *sk, struct owners *o, const struct nl_route_change *c,
		       size_t n, struct xerr *e)
{
	for (size_t i = 0; i < n; i++) {
		struct nl_msg *msg;
		int err;

		if (seen_before(c, i))
			continue;
		msg = route_dump_msg(sk, c[i].r.dst.addr.family, c[i].r.table, 0);
		err = msg ? nlk_dump(sk, msg, owners_msg, o) : -NLE_NOMEM;
		if (err < 0 && err != -NLE_OBJ_NOTFOUND) /* no such table: nothing held */
			return route_err(e, &c[i].r, "reading the routing table: %s",
					 nl_geterror(err));
	}
	return 0;
}

/* The first failure is kept, the others counted. */
struct outcome {
	struct xerr first;
	size_t failed;
};

static void failed(struct outcome *out, const struct xerr *one)
{
	if (!out->failed++)
		out->first = *one;
}

/* Requests sent and waiting for their answer. */
struct window {
	size_t n;
	size_t idx[WINDOW];
	uint32_t seq[WINDOW];
	bool done[WINDOW];
	bool blind[WINDOW]; /* sent before the tables were read */
	/* The requests not sent yet: one datagram for the window, which the
	 * kernel takes message by message, not a syscall each. Only its last
	 * message asks for an ACK: the kernel answers a failure anyway, and
	 * handles the messages in order, so once the last one's answer is in,
	 * the others without an answer succeeded. */
	unsigned char out[WINDOW * 256];
	size_t out_len, last; /* last: where the last message starts */
	uint32_t end_seq;     /* the last request sent that asks for an ACK */
};

struct batch {
	struct nl_sock *sk;
	const struct nl_route_change *c;
	size_t n;
	struct owners o;
	bool read;		/* o holds who has each key */
	size_t *again, n_again; /* blind changes to decide from the tables */
	struct window w;
	struct outcome out;
};

static void ack_one(struct batch *b, uint32_t seq, int error)
{
	struct window *w = &b->w;
	struct xerr one;

	for (size_t i = 0; i < w->n; i++) {
		const struct nl_route_change *ch = &b->c[w->idx[i]];
		int err;

		if (w->seq[i] != seq || w->done[i])
			continue;
		w->done[i] = true;
		err = error ? -nl_syserr2nlerr(error) : 0;
		/* Someone holds the key (add), or not xfrmd (delete): whose is it? */
		if (w->blind[i] && err == (ch->del ? -NLE_OBJ_NOTFOUND : -NLE_EXIST)) {
			b->again[b->n_again++] = w->idx[i];
			return;
		}
		if (err == -NLE_OBJ_NOTFOUND && ch->del)
			err = 0; /* gone is fine */
		if (err < 0) {
			route_err(&one, &ch->r, "%s%s", ch->del ? "deleting: " : "",
				  nl_geterror(err));
			failed(&b->out, &one);
		}
		return;
	}
}

static int window_flush(struct batch *b)
{
	struct window *w = &b->w;
	struct nlmsghdr *h = (struct nlmsghdr *)(w->out + w->last);
	int err = 0;

	if (w->out_len) {
		h->nlmsg_flags |= NLM_F_ACK;
		w->end_seq = h->nlmsg_seq;
		err = nl_sendto(b->sk, w->out, w->out_len);
	}
	w->out_len = 0;
	return err < 0 ? err : 0;
}

/* Reads answers until the last request's; the window's requests without
 * an error succeeded. */
static int window_collect(struct batch *b)
{
	struct window *w = &b->w;
	bool end = false;
	int err = window_flush(b);

	if (err < 0)
		return err;
	while (w->n && !end) {
		struct sockaddr_nl peer;
		unsigned char *buf = NULL;
		int len = nl_recv(b->sk, &peer, &buf, NULL);

		if (len <= 0) {
			free(buf);
			return len < 0 ? len : -NLE_FAILURE;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; nlmsg_ok(h, len);
		     h = nlmsg_next(h, &len)) {
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			ack_one(b, h->nlmsg_seq, ((struct nlmsgerr *)nlmsg_data(h))->error);
			end = end || h->nlmsg_seq == w->end_seq;
		}
		free(buf);
	}
	w->n = 0;
	return 0;
}

/* Puts the request for ch in the window's datagram (sent when full).
 * blind: an add must not find the key taken (NLM_F_EXCL); else it
 * replaces, as decided from the tables. */
static int request_pack(struct batch *b, const struct nl_route_change *ch, bool blind,
			uint32_t *seq)
{
	struct rtnl_route *rt = route_build(&ch->r, ch->del);
	struct nl_msg *msg = NULL;
	struct nlmsghdr *h;
	size_t len;
	int err = -NLE_NOMEM;

	if (rt)
		err = ch->del ? rtnl_route_build_del_request(rt, 0, &msg)
			      : rtnl_route_build_add_request(rt, blind ? NLM_F_EXCL : NLM_F_REPLACE,
							     &msg);
	if (rt)
		rtnl_route_put(rt);
	if (err < 0)
		return err;
	nl_complete_msg(b->sk, msg); /* sequence number, port */
	h = nlmsg_hdr(msg);
	*seq = h->nlmsg_seq;
	len = NLMSG_ALIGN(h->nlmsg_len);
	if (len > sizeof(b->w.out) - b->w.out_len && (err = window_flush(b)) < 0) {
		nlmsg_free(msg);
		return err;
	}
	if (len > sizeof(b->w.out)) { /* never for xfrmd's routes */
		h->nlmsg_flags |= NLM_F_ACK;
		b->w.end_seq = h->nlmsg_seq;
		err = nl_send_auto(b->sk, msg);
	} else {
		h->nlmsg_flags &= ~NLM_F_ACK; /* but the datagram's last (window_flush) */
		nlk_count_sent(1);
		b->w.last = b->w.out_len;
		memcpy(b->w.out + b->w.out_len, h, h->nlmsg_len);
		memset(b->w.out + b->w.out_len + h->nlmsg_len, 0, len - h->nlmsg_len);
		b->w.out_len += len;
		err = 0;
	}
	nlmsg_free(msg);
	return err < 0 ? err : 0;
}

static int send_one(struct batch *b, size_t i, bool blind)
{
	struct window *w = &b->w;
	int err;

	w->idx[w->n] = i;
	w->done[w->n] = false;
	w->blind[w->n] = blind;
	err = request_pack(b, &b->c[i], blind, &w->seq[w->n]);
	if (err < 0)
		return err;
	return ++w->n == WINDOW ? window_collect(b) : 0;
}

/* Whether change ch goes to the kernel; a refusal is a failure, a delete
 * of what is not there is nothing to do. The protocol in a delete makes
 * the kernel pick xfrmd's route even if another one shares the key. */
static bool wanted(struct owners *o, const struct nl_route_change *ch, struct outcome *out)
{
	struct xerr one;
	struct slot *s;
	struct key k;

	if ((ch->del ? route_check_key(&ch->r, &one) : route_check(&ch->r, &one)) < 0) {
		failed(out, &one);
		return false;
	}
	key_of(&ch->r, &k);
	s = owners_find(o, &k, false);
	if (s && s->other >= 0 && (!ch->del || !s->ours)) {
		route_refuse(&ch->r, s->other, &one);
		failed(out, &one);
		return false;
	}
	return !ch->del || (s && s->ours);
}

/* An IPv4 delete of metric 0: the kernel takes it as "any metric", so it
 * could hit xfrmd's route under another key. It goes only when the tables
 * show xfrmd's route under its own. */
static bool any_metric(const struct nl_route_change *ch)
{
	return ch->del && ch->r.dst.addr.family == AF_INET && !ch->r.metric;
}

/* One dump per (family, table) of the batch, once; the answers to what is
 * in flight first. On a socket of its own: libnl checks a dump's sequence
 * numbers against what it sent, and the changes' ACKs are read raw. */
static int batch_read(struct batch *b, struct xerr *e)
{
	struct nl_sock *sk;
	int err;

	if (b->read)
		return 0;
	if (b->w.n && (err = window_collect(b)) < 0)
		return xerr_set(e, "routes: netlink: %s", nl_geterror(err));
	b->read = true;
	if (owners_init(&b->o, b->c, b->n) < 0)
		return xerr_set(e, "routes: out of memory");
	if (!(sk = nlk_open(NETLINK_ROUTE, e)))
		return -1;
	err = owners_read(sk, &b->o, b->c, b->n, e);
	nl_socket_free(sk);
	return err;
}

/* -1 with e set: the batch cannot go on (e names why); else every change
 * was made or its failure counted in b->out. */
static int changes_send(struct batch *b, struct xerr *e)
{
	int err = 0;

	for (size_t i = 0; i < b->n && err >= 0; i++) {
		const struct nl_route_change *ch = &b->c[i];
		struct xerr one;

		/* An answer that needs the tables: read them for the rest too. */
		if (!b->read && (b->n_again || any_metric(ch)) && batch_read(b, e) < 0)
			return -1;
		if (b->read) {
			if (wanted(&b->o, ch, &b->out))
				err = send_one(b, i, false);
		} else if (!ch->del && route_check(&ch->r, &one) < 0) {
			failed(&b->out, &one);
		} else {
			err = send_one(b, i, true);
		}
	}
	if (err >= 0 && b->w.n)
		err = window_collect(b);
	if (err >= 0 && b->n_again) {
		size_t n_again = b->n_again;

		if (batch_read(b, e) < 0)
			return -1;
		b->n_again = 0; /* sent now with the tables read: not blind */
		for (size_t j = 0; j < n_again && err >= 0; j++)
			if (wanted(&b->o, &b->c[b->again[j]], &b->out))
				err = send_one(b, b->again[j], false);
		if (err >= 0 && b->w.n)
			err = window_collect(b);
	}
	if (err < 0)
		return xerr_set(e, "routes: netlink: %s", nl_geterror(err));
	return 0;
}

int nl_route_apply(const struct nl_route_change *c, size_t n, struct xerr *e)
{
	struct batch b = {.c = c, .n = n};
	int rc;

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (route_check_key(&c[i].r, e) < 0)
			return -1; /* not even a key: the hash set cannot hold it */
	if (!(b.again = calloc(n, sizeof(*b.again))))
		return xerr_set(e, "routes: out of memory");
	if (!(b.sk = nlk_open(NETLINK_ROUTE, e))) {
		free(b.again);
		return -1;
	}
	nl_socket_disable_msg_peek(b.sk); /* a syscall per answer, not two */
	/* A window of failures (say every add finds its key taken) fits. */
	(void)nl_socket_set_buffer_size(b.sk, 256 * 1024, 0);
	rc = changes_send(&b, e);
	nl_socket_free(b.sk);
	free(b.o.s);
	free(b.again);
	if (rc < 0)
		return -1;
	if (!b.out.failed)
		return 0;
	if (e)
		*e = b.out.first;
	if (b.out.failed > 1)
		xerr_wrap(e, "%zu %s failed, the first", b.out.failed,
			  plural(b.out.failed, "route", "routes"));
	return -1;
}
