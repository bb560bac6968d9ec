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

#include "health.h"

#ifndef ICMP_FILTER
#define ICMP_FILTER 1 /* linux/icmp.h, which clashes with netinet/ip_icmp.h */
#endif

/* Answers to the peer's echoes per interval and tunnel, at most: the peer
 * sends one per interval; anything more is not a probe of ours to help. */
#define PEER_ANSWERS_MAX 4

struct probe {
	struct probe_spec spec;
	int fd;	 /* sends, pinned to the tunnel; receives nothing */
	int rfd; /* receives answers and the peer's echoes, from any tunnel */
	struct loop_io *io;
	struct loop_timer *timer;
	probe_cb cb;
	probe_inbound_fn inbound;
	void *ctx;
	uint16_t seq;		  /* the next echo's */
	uint16_t newest_answered; /* the newest echo answered (seq - 1 at start) */
	unsigned peer_answers;	  /* this interval */
	struct health_answers answers;
	struct probe_stats st;
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

/* Bound to the device, not just preferring it (IP_UNICAST_IF): IPv6 looks
 * routes up strictly by device only for a bound socket, and the probe
 * table holds one route per tunnel to the same target. */
static int pin_to_interface(int fd, const struct probe_spec *s, struct xerr *e)
{
	int idx = s->ifindex;

	if (setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &idx, sizeof(idx)))
		return xerr_set(e, "probe: outgoing interface: %s", strerror(errno));
	return 0;
}

/* The sending socket queues nothing: the receiving one sees it all. */
static int receive_nothing(int fd, int v6, struct xerr *e)
{
	int rc;

	if (v6) {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		rc = setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	} else {
		uint32_t all = ~0u; /* ICMP_FILTER: a bit per type to drop */

		rc = setsockopt(fd, IPPROTO_RAW, ICMP_FILTER, &all, sizeof(all));
	}
	return rc ? xerr_set(e, "probe: socket filter: %s", strerror(errno)) : 0;
}

/* A raw ICMP socket bound to the probe's source; pinned to the tunnel if
 * it sends, or not pinned at all if it receives. */
static int open_socket(const struct probe_spec *s, bool sender, struct xerr *e)
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
	if (sender && (receive_nothing(fd, v6, e) ||
		       (s->ifindex ? pin_to_interface(fd, s, e) : pin_to_sa(fd, s, e)))) {
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

static void icmp_fill(uint8_t *pkt, size_t len, bool v6, bool reply, uint16_t ident, uint16_t seq)
{
	/* type, code, checksum, id, seq: the same layout for ICMP and ICMPv6 */
	pkt[0] = v6 ? (reply ? ICMP6_ECHO_REPLY : ICMP6_ECHO_REQUEST)
		    : (reply ? ICMP_ECHOREPLY : ICMP_ECHO);
	pkt[1] = pkt[2] = pkt[3] = 0;
	pkt[4] = (uint8_t)(ident >> 8);
	pkt[5] = (uint8_t)ident;
	pkt[6] = (uint8_t)(seq >> 8);
	pkt[7] = (uint8_t)seq;
	if (!v6) { /* the kernel fills in ICMPv6 checksums */
		uint16_t c = inet_csum(pkt, len);

		memcpy(pkt + 2, &c, 2);
	}
}

static bool send_to_target(struct probe *p, const uint8_t *pkt, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	sockaddr_of(&p->spec.target, &ss, &sl);
	return sendto(p->fd, pkt, len, 0, (struct sockaddr *)&ss, sl) == (ssize_t)len;
}

static void send_echo(struct probe *p)
{
	uint8_t pkt[16] = {0};

	icmp_fill(pkt, sizeof(pkt), p->spec.source.family == AF_INET6, false, p->spec.ident,
		  p->seq++);
	health_answers_sent(&p->answers);
	if (send_to_target(p, pkt, sizeof(pkt)))
		p->st.sent++;
}

static void set_alive(struct probe *p, bool alive)
{
	if (p->st.alive == alive)
		return;
	p->st.alive = alive;
	p->cb(p->ctx, alive);
}

static void on_readable(void *ctx, int fd, uint32_t events);

static void on_timer(void *ctx)
{
	struct probe *p = ctx;
	uint64_t now;

	/* Answers already queued count before the verdict: after a stall
	 * (a busy machine) the timer may run before the socket is read. */
	on_readable(p, p->rfd, EPOLLIN);
	now = loop_now_ms();

	/* Inbound packets are recorded, never taken for an answer. */
	if (p->inbound && p->inbound(p->ctx))
		p->st.last_inbound_ms = now;
	if (health_probes_lost(p->seq, p->newest_answered, p->spec.loss))
		set_alive(p, false);
	p->peer_answers = 0;
	send_echo(p);
	loop_timer_arm(p->timer, p->spec.interval_ms);
}

/* An ICMP message as the socket returns it: IPv4 raw sockets include the
 * IP header, ICMPv6 ones do not. NULL if too short. */
static const uint8_t *icmp_of(const struct probe *p, const uint8_t *buf, size_t n, size_t *len)
{
	size_t off = 0;

	if (p->spec.source.family == AF_INET) {
		if (n < 20)
			return NULL;
		off = (size_t)(buf[0] & 0x0f) * 4;
	}
	if (n < off + 8)
		return NULL;
	*len = n - off;
	return buf + off;
}

static bool from_target(const struct probe *p, const struct sockaddr_storage *ss)
{
	if (p->spec.target.family == AF_INET)
		return ss->ss_family == AF_INET &&
		       !memcmp(&((const struct sockaddr_in *)ss)->sin_addr, p->spec.target.bytes,
			       4);
	return ss->ss_family == AF_INET6 &&
	       !memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, p->spec.target.bytes, 16);
}

/* Raw ICMP sockets see every echo on the host: keep answers to our own
 * echoes (identifier and a recent sequence number), and the peer's echoes
 * from our target, which we answer on this tunnel. */
static void on_icmp(struct probe *p, const uint8_t *m, size_t len, bool from_peer)
{
	bool v6 = p->spec.source.family == AF_INET6;
	uint16_t ident = (uint16_t)(m[4] << 8 | m[5]), seq = (uint16_t)(m[6] << 8 | m[7]);
	uint8_t echo = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	uint8_t reply = v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY;

	if (m[0] == reply && ident == p->spec.ident &&
	    health_seq_fresh(p->seq, seq, p->spec.loss + 1)) {
		if ((uint16_t)(seq - p->newest_answered) < 0x8000)
			p->newest_answered = seq;
		if (health_answers_first(&p->answers, p->seq, seq))
			p->st.answered++;
		p->st.last_answer_ms = loop_now_ms();
		set_alive(p, true);
	} else if (m[0] == echo && m[1] == 0 && from_peer && p->peer_answers < PEER_ANSWERS_MAX &&
		   len <= 1024) {
		uint8_t ans[1024];

		memcpy(ans, m, len);
		icmp_fill(ans, 8, v6, true, ident, seq);
		if (!v6) { /* the checksum covers the payload too */
			uint16_t c;

			ans[2] = ans[3] = 0;
			c = inet_csum(ans, len);
			memcpy(ans + 2, &c, 2);
		}
		p->peer_answers++;
		if (send_to_target(p, ans, len))
			p->st.peer_answered++;
	}
}

static void on_readable(void *ctx, int fd, uint32_t events)
{
	struct probe *p = ctx;
	uint8_t buf[1100];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	ssize_t n;

	(void)events;
	while ((n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl)) > 0) {
		size_t len;
		const uint8_t *m = icmp_of(p, buf, (size_t)n, &len);

		if (m)
			on_icmp(p, m, len, from_target(p, &ss));
		sl = sizeof(ss);
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
	p->st.started_ms = loop_now_ms();
	p->newest_answered = (uint16_t)(p->seq - 1);
	p->st.alive = s->assume_alive;
	p->rfd = -1;
	p->fd = open_socket(s, true, e);
	if (p->fd < 0 || (p->rfd = open_socket(s, false, e)) < 0) {
		if (p->fd >= 0)
			close(p->fd);
		free(p);
		return NULL;
	}
	p->io = loop_io_add(l, p->rfd, EPOLLIN, on_readable, p, e);
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
	if (p->rfd >= 0)
		close(p->rfd);
	free(p);
}

bool probe_alive(const struct probe *p)
{
	return p->st.alive;
}

uint64_t probe_sent(const struct probe *p)
{
	return p->st.sent;
}

uint64_t probe_received(const struct probe *p)
{
	return p->st.answered;
}

void probe_get_stats(const struct probe *p, struct probe_stats *out)
{
	*out = p->st;
}
