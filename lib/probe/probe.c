#include "probe.h"

#include <errno.h>
#include <linux/ipsec.h>
#include <linux/xfrm.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

struct probe {
	struct probe_spec spec;
	int fd;
	struct loop_io *io;
	struct loop_timer *timer;
	probe_cb cb;
	probe_inbound_fn inbound;
	void *ctx;
	uint16_t seq;
	uint64_t last_reply_ms, started_ms, sent, received;
	bool alive;
};

static void sockaddr_of(const struct ipaddr *a, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->bytes, 4);
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->bytes, 16);
		*len = sizeof(*sin6);
	}
}

static void addr_to_xfrm(const struct ipaddr *a, xfrm_address_t *x)
{
	memset(x, 0, sizeof(*x));
	memcpy(x, a->bytes, a->family == AF_INET ? 4 : 16);
}

/* A socket policy overrides the global ones for this socket's packets. */
static int pin_to_sa(int fd, const struct probe_spec *s, struct xerr *e)
{
	struct {
		struct xfrm_userpolicy_info pol;
		struct xfrm_user_tmpl tmpl;
	} req;
	int v6 = s->source.family == AF_INET6;

	memset(&req, 0, sizeof(req));
	req.pol.dir = XFRM_POLICY_OUT;
	req.pol.action = XFRM_POLICY_ALLOW;
	req.pol.sel.family = (uint16_t)s->source.family;
	req.pol.lft.soft_byte_limit = req.pol.lft.hard_byte_limit = XFRM_INF;
	req.pol.lft.soft_packet_limit = req.pol.lft.hard_packet_limit = XFRM_INF;
	req.tmpl.family = (uint16_t)s->tun_local.family;
	req.tmpl.id.proto = IPPROTO_ESP;
	addr_to_xfrm(&s->tun_remote, &req.tmpl.id.daddr);
	addr_to_xfrm(&s->tun_local, &req.tmpl.saddr);
	req.tmpl.mode = XFRM_MODE_TUNNEL;
	req.tmpl.reqid = s->reqid;
	req.tmpl.aalgos = req.tmpl.ealgos = req.tmpl.calgos = ~0u;
	if (setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_XFRM_POLICY : IP_XFRM_POLICY,
		       &req, sizeof(req)))
		return xerr_set(e, "probe: socket policy: %s", strerror(errno));
	return 0;
}

static int pin_to_interface(int fd, const struct probe_spec *s, struct xerr *e)
{
	int v6 = s->source.family == AF_INET6;
	/* IP_UNICAST_IF takes the index in network order; IPV6 in host order. */
	uint32_t idx = v6 ? (uint32_t)s->ifindex : htonl((uint32_t)s->ifindex);

	if (setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_UNICAST_IF : IP_UNICAST_IF,
		       &idx, sizeof(idx)))
		return xerr_set(e, "probe: outgoing interface: %s", strerror(errno));
	return 0;
}

static int open_socket(const struct probe_spec *s, struct xerr *e)
{
	int v6 = s->source.family == AF_INET6;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);

	if (fd < 0)
		return xerr_set(e, "probe: socket: %s", strerror(errno));
	sockaddr_of(&s->source, &ss, &len);
	if (bind(fd, (struct sockaddr *)&ss, len)) {
		char a[PREFIX_STRLEN];

		xerr_set(e, "probe: source %s: %s", ipaddr_str(&s->source, a, sizeof(a)),
			 strerror(errno));
		close(fd);
		return -1;
	}
	if (s->ifindex ? pin_to_interface(fd, s, e) : pin_to_sa(fd, s, e)) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint16_t inet_csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void send_echo(struct probe *p)
{
	/* type, code, checksum, id, seq: the same layout for ICMP and ICMPv6 */
	uint8_t pkt[16] = {0};
	int v6 = p->spec.source.family == AF_INET6;
	struct sockaddr_storage ss;
	socklen_t len;

	pkt[0] = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	pkt[4] = (uint8_t)(p->spec.ident >> 8);
	pkt[5] = (uint8_t)p->spec.ident;
	pkt[6] = (uint8_t)(p->seq >> 8);
	pkt[7] = (uint8_t)p->seq;
	p->seq++;
	if (!v6) { /* the kernel fills in ICMPv6 checksums */
		uint16_t c = inet_csum(pkt, sizeof(pkt));

		memcpy(pkt + 2, &c, 2);
	}
	sockaddr_of(&p->spec.target, &ss, &len);
	if (sendto(p->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&ss, len) == (ssize_t)sizeof(pkt))
		p->sent++;
}

static void set_alive(struct probe *p, bool alive)
{
	if (p->alive == alive)
		return;
	p->alive = alive;
	p->cb(p->ctx, alive);
}

static void check_inbound(struct probe *p, uint64_t now)
{
	if (p->inbound && p->inbound(p->ctx)) {
		p->last_reply_ms = now;
		set_alive(p, true);
	}
}

static void on_timer(void *ctx)
{
	struct probe *p = ctx;
	uint64_t now = loop_now_ms(), limit = (uint64_t)p->spec.interval_ms * p->spec.loss;
	uint64_t since;

	check_inbound(p, now);
	since = p->last_reply_ms ? p->last_reply_ms : p->started_ms;
	if (now - since > limit)
		set_alive(p, false);
	send_echo(p);
	loop_timer_arm(p->timer, p->spec.interval_ms);
}

/* Raw ICMP sockets see every echo reply on the host: keep ours. */
static bool is_our_reply(const struct probe *p, const uint8_t *buf, size_t n)
{
	size_t off = 0;

	if (p->spec.source.family == AF_INET) {
		if (n < sizeof(struct iphdr))
			return false;
		off = (size_t)(buf[0] & 0x0f) * 4;
		if (n < off + 8 || buf[off] != ICMP_ECHOREPLY)
			return false;
	} else if (n < 8 || buf[0] != ICMP6_ECHO_REPLY) {
		return false;
	}
	return (uint16_t)(buf[off + 4] << 8 | buf[off + 5]) == p->spec.ident;
}

static void on_readable(void *ctx, int fd, uint32_t events)
{
	struct probe *p = ctx;
	uint8_t buf[512];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		if (!is_our_reply(p, buf, (size_t)n))
			continue;
		p->received++;
		p->last_reply_ms = loop_now_ms();
		set_alive(p, true);
	}
}

struct probe *probe_start(struct loop *l, const struct probe_spec *s, probe_cb cb,
			  probe_inbound_fn inbound, void *ctx, struct xerr *e)
{
	struct probe *p = calloc(1, sizeof(*p));

	if (!p) {
		xerr_set(e, "out of memory");
		return NULL;
	}
	p->spec = *s;
	p->cb = cb;
	p->inbound = inbound;
	p->ctx = ctx;
	p->started_ms = loop_now_ms();
	p->alive = s->assume_alive;
	p->fd = open_socket(s, e);
	if (p->fd < 0) {
		free(p);
		return NULL;
	}
	p->io = loop_io_add(l, p->fd, EPOLLIN, on_readable, p, e);
	p->timer = loop_timer_new(l, on_timer, p);
	if (!p->io || !p->timer) {
		probe_stop(p);
		return NULL;
	}
	on_timer(p);
	return p;
}

void probe_stop(struct probe *p)
{
	if (!p)
		return;
	loop_io_del(p->io);
	loop_timer_free(p->timer);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

bool probe_alive(const struct probe *p)
{
	return p->alive;
}

uint64_t probe_sent(const struct probe *p)
{
	return p->sent;
}

uint64_t probe_received(const struct probe *p)
{
	return p->received;
}
