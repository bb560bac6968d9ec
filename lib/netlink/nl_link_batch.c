/*
 * Many links at once (the single-link calls are in nl_link.c).
 * An apply creates a link per route-mode tunnel: thousands. One at a time,
 * each took a socket, a lookup, the create, a second lookup, the mark, two
 * sysctl files and the up, each waiting for the kernel. Here the links come
 * from one dump, and the requests for the missing ones go out in windows,
 * a window's requests in one datagram: create them all, then mark them
 * (alias and IPv4 disable_policy in one request), then set them up and
 * read their ifindex. The order per link is the single call's.
 */
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl_common.h"
#include "nl_link_int.h"

/* Requests in flight; a window's answers (ACKs and link messages of about
 * 2 KiB) must fit the receive buffer set in nl_link_ensure_all. */
#define LINK_WINDOW 32

struct link_req {
	size_t spec;  /* index into the specs */
	uint32_t seq; /* the request expecting an answer */
	bool get;     /* the answer is the link (RTM_NEWLINK), not an ACK */
	bool done;
	int err;     /* negative libnl error */
	int ifindex; /* get: the link's */
};

struct link_window {
	struct nl_sock *sk;
	struct link_req req[2 * LINK_WINDOW];
	size_t n;
	unsigned char out[2 * LINK_WINDOW * 512];
	size_t out_len;
};

/* Queues msg (freed here) in the window's datagram. */
static int window_put(struct link_window *w, struct nl_msg *msg, size_t spec, bool get)
{
	struct nlmsghdr *h;
	size_t len;

	nl_complete_msg(w->sk, msg); /* sequence number, port */
	h = nlmsg_hdr(msg);
	len = NLMSG_ALIGN(h->nlmsg_len);
	if (len > sizeof(w->out) - w->out_len || w->n == 2 * LINK_WINDOW) {
		nlmsg_free(msg);
		return -NLE_MSGSIZE; /* never: a window's requests fit by construction */
	}
	memcpy(w->out + w->out_len, h, h->nlmsg_len);
	memset(w->out + w->out_len + h->nlmsg_len, 0, len - h->nlmsg_len);
	w->out_len += len;
	w->req[w->n++] = (struct link_req){.spec = spec, .seq = h->nlmsg_seq, .get = get};
	nlk_count_sent(1);
	nlmsg_free(msg);
	return 0;
}

static struct link_req *window_find(struct link_window *w, uint32_t seq)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->req[i].seq == seq && !w->req[i].done)
			return &w->req[i];
	return NULL;
}

static void window_answer(struct link_window *w, const struct nlmsghdr *h, size_t *left)
{
	struct link_req *r = window_find(w, h->nlmsg_seq);

	if (!r)
		return;
	if (h->nlmsg_type == NLMSG_ERROR) {
		int error = ((const struct nlmsgerr *)nlmsg_data(h))->error;

		r->err = error ? -nl_syserr2nlerr(error) : 0;
	} else if (h->nlmsg_type == RTM_NEWLINK && r->get) {
		r->ifindex = ((const struct ifinfomsg *)nlmsg_data(h))->ifi_index;
	} else {
		return;
	}
	r->done = true;
	(*left)--;
}

/* Sends the window's datagram and reads an answer to every request. */
static int window_run(struct link_window *w)
{
	size_t left = w->n;
	int err = w->out_len ? nl_sendto(w->sk, w->out, w->out_len) : 0;

	w->out_len = 0;
	if (err < 0)
		return err;
	while (left) {
		struct sockaddr_nl peer;
		unsigned char *buf = NULL;
		int len = nl_recv(w->sk, &peer, &buf, NULL);

		if (len <= 0) {
			free(buf);
			return len < 0 ? len : -NLE_FAILURE;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; nlmsg_ok(h, len);
		     h = nlmsg_next(h, &len))
			window_answer(w, h, &left);
		free(buf);
	}
	return 0;
}

static struct nl_msg *link_msg(int type, int flags, const char *name)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (msg && (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
		    nla_put_string(msg, IFLA_IFNAME, name) < 0)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* The mark, and for a VTI the IPv4 policy switch: the kernel ignores both
 * in a create request, but takes them together in one change. */
static struct nl_msg *mark_msg(const struct nl_link_spec *s)
{
	struct nl_msg *msg = link_msg(RTM_NEWLINK, NLM_F_ACK, s->name);
	struct nlattr *spec, *inet, *conf;

	if (!msg || nla_put_string(msg, IFLA_IFALIAS, XFRMD_LINK_ALIAS) < 0)
		goto fail;
	if (s->kind != NL_LINK_VTI)
		return msg;
	if (!(spec = nla_nest_start(msg, IFLA_AF_SPEC)) || !(inet = nla_nest_start(msg, AF_INET)) ||
	    !(conf = nla_nest_start(msg, IFLA_INET_CONF)) ||
	    nla_put_u32(msg, IPV4_DEVCONF_NOPOLICY, 1) < 0)
		goto fail;
	nla_nest_end(msg, conf);
	nla_nest_end(msg, inet);
	nla_nest_end(msg, spec);
	return msg;
fail:
	nlmsg_free(msg);
	return NULL;
}

/* Up, then the link itself: its ifindex (no statistics, a smaller answer). */
static int up_put(struct link_window *w, const struct nl_link_spec *s, size_t spec)
{
	struct nl_msg *up = link_msg(RTM_NEWLINK, NLM_F_ACK, s->name);
	struct nl_msg *get = link_msg(RTM_GETLINK, 0, s->name);
	struct ifinfomsg *ifi;
	int err = -NLE_NOMEM;

	if (up && get && nla_put_u32(get, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) >= 0) {
		ifi = nlmsg_data(nlmsg_hdr(up));
		ifi->ifi_flags = ifi->ifi_change = IFF_UP;
		err = window_put(w, up, spec, false);
		up = NULL;
		if (err >= 0)
			err = window_put(w, get, spec, true);
		get = NULL;
	}
	nlmsg_free(up);
	nlmsg_free(get);
	return err;
}

static int create_put(struct link_window *w, const struct nl_link_spec *s, size_t spec)
{
	struct rtnl_link *want = link_build(s);
	struct nl_msg *msg = NULL;
	int err = -NLE_NOMEM;

	if (want) {
		err = rtnl_link_build_add_request(want, NLM_F_CREATE | NLM_F_EXCL, &msg);
		rtnl_link_put(want);
	}
	if (err < 0)
		return err;
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	return window_put(w, msg, spec, false);
}

static int create_error(const struct nl_link_spec *s, int err, struct xerr *e)
{
	const char *type = link_spec_type(s);

	if (err == -NLE_OPNOTSUPP)
		return xerr_set(e, "creating %s link %s: the kernel has no %s links (module %s)",
				type, s->name, type, link_type_module(type));
	return xerr_set(e, "creating %s link %s: %s%s", type, s->name, nl_geterror(err),
			err == -NLE_NODEV && s->kind == NL_LINK_XFRM
			    ? " (Linux before 5.4 wants an underlying device)"
			    : "");
}

/* The first failure of a batch: the others still get done or undone. */
struct link_fail {
	struct xerr *e;
	size_t *at;
	bool any;
};

static bool fail_first(struct link_fail *f, size_t spec)
{
	if (f->any)
		return false;
	f->any = true;
	*f->at = spec;
	return true;
}

/* A link created but not marked would be refused from then on: removed
 * again, as the single call does. Waits for the kernel's answer. */
static void unmake(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l = rtnl_link_alloc();

	if (!l)
		return;
	rtnl_link_set_name(l, name);
	nl_socket_enable_auto_ack(sk);
	(void)rtnl_link_delete(sk, l);
	nl_socket_disable_auto_ack(sk);
	rtnl_link_put(l);
}

/* The IPv6 policy switch has no netlink attribute: its sysctl file. */
static int vti_disable_policy6(const char *name, struct xerr *e)
{
	char path[96];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_policy", name);
	if (link_write_sysctl(path, e) < 0)
		return xerr_wrap(e, "link %s: disabling policy checks", name);
	return 0;
}

/* Runs the window and keeps in ok[] only the requests that succeeded; the
 * first failure goes to f (what names it: what). */
static int window_check(struct link_window *w, const struct nl_link_spec *s, bool *ok,
			struct link_fail *f, const char *what)
{
	int err = window_run(w);

	if (err < 0)
		return err;
	for (size_t i = 0; i < w->n; i++) {
		const struct link_req *r = &w->req[i];

		if (r->err >= 0 || !ok[r->spec])
			continue;
		ok[r->spec] = false;
		if (!fail_first(f, r->spec))
			continue;
		if (what)
			xerr_set(f->e, "link %s: %s: %s", s[r->spec].name, what,
				 nl_geterror(r->err));
		else
			create_error(&s[r->spec], r->err, f->e);
	}
	return 0;
}

static int mark_put(struct link_window *w, const struct nl_link_spec *s, size_t spec)
{
	struct nl_msg *msg = mark_msg(s);

	return msg ? window_put(w, msg, spec, false) : -NLE_NOMEM;
}

/* Between mark and up, as the single call does it. */
static void policy6_all(const struct link_window *w, const struct nl_link_spec *s, bool *ok,
			struct link_fail *f)
{
	struct xerr one;

	for (size_t i = 0; i < w->n; i++) {
		size_t k = w->req[i].spec;

		if (!ok[k] || s[k].kind != NL_LINK_VTI || vti_disable_policy6(s[k].name, &one) == 0)
			continue;
		ok[k] = false;
		if (fail_first(f, k) && f->e)
			*f->e = one;
	}
}

/* Creates, marks and sets up todo[0..n), at most LINK_WINDOW links. */
static int create_window(struct link_window *w, const struct nl_link_spec *s, const size_t *todo,
			 size_t n, bool *ok, int *ifindex, struct link_fail *f)
{
	int err = 0;

	w->n = 0;
	for (size_t i = 0; i < n && err >= 0; i++) {
		ok[todo[i]] = true;
		err = create_put(w, &s[todo[i]], todo[i]);
	}
	if (err >= 0 && (err = window_check(w, s, ok, f, NULL)) >= 0)
		w->n = 0;
	for (size_t i = 0; i < n && err >= 0; i++)
		if (ok[todo[i]])
			err = mark_put(w, &s[todo[i]], todo[i]);
	if (err >= 0 && (err = window_check(w, s, ok, f, "marking it as xfrmd's")) >= 0) {
		for (size_t i = 0; i < w->n; i++)
			if (w->req[i].err < 0)
				unmake(w->sk, s[w->req[i].spec].name);
		policy6_all(w, s, ok, f);
		w->n = 0;
	}
	for (size_t i = 0; i < n && err >= 0; i++)
		if (ok[todo[i]])
			err = up_put(w, &s[todo[i]], todo[i]);
	if (err >= 0 && (err = window_check(w, s, ok, f, "setting it up")) >= 0)
		for (size_t i = 0; i < w->n; i++)
			if (w->req[i].get && ok[w->req[i].spec])
				ifindex[w->req[i].spec] = w->req[i].ifindex;
	return err;
}

static int create_all(struct nl_sock *sk, const struct nl_link_spec *s, size_t n_specs,
		      const size_t *todo, size_t n, int *ifindex, struct link_fail *f)
{
	struct link_window *w = calloc(1, sizeof(*w));
	bool *ok = calloc(n_specs, sizeof(*ok));
	int err = 0;

	if (!w || !ok) {
		free(w);
		free(ok);
		return xerr_set(f->e, "links: out of memory");
	}
	w->sk = sk;
	nl_socket_disable_auto_ack(sk); /* a get is answered by the link alone */
	nl_socket_disable_msg_peek(sk); /* a syscall per answer, not two */
	(void)nl_socket_set_buffer_size(sk, 512 * 1024, 0);
	for (size_t i = 0; i < n && !f->any && err >= 0; i += LINK_WINDOW)
		err = create_window(w, s, todo + i, n - i < LINK_WINDOW ? n - i : LINK_WINDOW, ok,
				    ifindex, f);
	free(w);
	free(ok);
	if (err < 0)
		return xerr_set(f->e, "links: netlink: %s", nl_geterror(err));
	return f->any ? -1 : 0;
}

struct named_link {
	const char *name;
	struct rtnl_link *l;
};

static int cmp_named_link(const void *a, const void *b)
{
	return strcmp(((const struct named_link *)a)->name, ((const struct named_link *)b)->name);
}

/* The cache's links sorted by name: thousands are looked up. */
static struct named_link *links_by_name(struct nl_cache *cache, size_t *n)
{
	struct named_link *v = calloc((size_t)nl_cache_nitems(cache) + 1, sizeof(*v));

	*n = 0;
	for (struct nl_object *o = nl_cache_get_first(cache); v && o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;

		if (rtnl_link_get_name(l))
			v[(*n)++] = (struct named_link){rtnl_link_get_name(l), l};
	}
	if (v)
		qsort(v, *n, sizeof(*v), cmp_named_link);
	return v;
}

/* One link that exists already (l, a reference handed over): adopted
 * (ifindex set), replaced (*gone: to be created anew) or refused. */
static int ensure_existing(struct nl_sock *sk, const struct nl_link_spec *s, struct rtnl_link *l,
			   int *ifindex, bool *gone, struct xerr *e)
{
	int rc = link_reuse(sk, s, &l, e);

	*gone = rc == 0 && !l;
	if (rc == 0 && l && (rc = link_finish(sk, s, l, e)) == 0)
		*ifindex = rtnl_link_get_ifindex(l);
	if (l)
		rtnl_link_put(l);
	return rc;
}

/* What the kernel has of the specs' names: a few are asked for one by
 * one (an apply that changed a connection), many read in one dump. */
struct link_names {
	struct nl_cache *cache;
	struct named_link *by_name;
	size_t n;
};

#define LINK_FEW 8

static int names_read(struct nl_sock *sk, size_t n_specs, struct link_names *ln, struct xerr *e)
{
	int err;

	memset(ln, 0, sizeof(*ln));
	if (n_specs <= LINK_FEW)
		return 0;
	if ((err = rtnl_link_alloc_cache(sk, AF_UNSPEC, &ln->cache)) < 0)
		return xerr_set(e, "listing links: %s", nl_geterror(err));
	if (!(ln->by_name = links_by_name(ln->cache, &ln->n)))
		return xerr_set(e, "listing links: out of memory");
	return 0;
}

/* The link called name with a reference, or *l NULL if there is none. */
static int names_get(struct nl_sock *sk, const struct link_names *ln, const char *name,
		     struct rtnl_link **l, struct xerr *e)
{
	struct named_link key = {name, NULL}, *hit;

	if (!ln->cache) {
		int err = link_get(sk, name, l);

		if (err < 0)
			return xerr_set(e, "link %s: looking it up: %s", name, nl_geterror(err));
		return 0;
	}
	hit =
	    ln->n ? bsearch(&key, ln->by_name, ln->n, sizeof(*ln->by_name), cmp_named_link) : NULL;
	*l = hit ? hit->l : NULL;
	if (*l)
		nl_object_get((struct nl_object *)*l);
	return 0;
}

/* The specs' links that exist; the others' indexes go to todo. Stops at
 * the first refusal (f). */
static int ensure_all_existing(struct nl_sock *sk, const struct nl_link_spec *s, size_t n,
			       int *ifindex, size_t *todo, size_t *n_todo, struct link_fail *f)
{
	struct link_names ln;

	if (names_read(sk, n, &ln, f->e) == 0)
		for (size_t i = 0; i < n && !f->any; i++) {
			struct rtnl_link *l = NULL;
			bool gone = true;

			if (names_get(sk, &ln, s[i].name, &l, f->e) < 0 ||
			    (l && ensure_existing(sk, &s[i], l, &ifindex[i], &gone, f->e) < 0))
				fail_first(f, i);
			else if (gone)
				todo[(*n_todo)++] = i;
		}
	else
		fail_first(f, 0);
	free(ln.by_name);
	if (ln.cache)
		nl_cache_free(ln.cache);
	return f->any ? -1 : 0;
}

int nl_link_ensure_all(const struct nl_link_spec *s, size_t n, int *ifindex, size_t *failed,
		       struct xerr *e)
{
	struct link_fail f = {.e = e, .at = failed};
	struct nl_sock *sk;
	size_t *todo, n_todo = 0;
	int rc = -1;

	*failed = 0;
	for (size_t i = 0; i < n; i++)
		if (link_check(&s[i], e) < 0) {
			*failed = i;
			return -1;
		}
	if (!n)
		return 0;
	if (!(todo = calloc(n, sizeof(*todo))))
		return xerr_set(e, "links: out of memory");
	if ((sk = nlk_open(NETLINK_ROUTE, e))) {
		rc = ensure_all_existing(sk, s, n, ifindex, todo, &n_todo, &f);
		if (rc == 0 && n_todo)
			rc = create_all(sk, s, n, todo, n_todo, ifindex, &f);
		nl_socket_free(sk);
	}
	free(todo);
	return rc;
}

int nl_link_ensure(const struct nl_link_spec *s, int *ifindex, struct xerr *e)
{
	size_t failed;

	return nl_link_ensure_all(s, 1, ifindex, &failed, e);
}
