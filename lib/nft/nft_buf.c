/* lib/nft's text buffer and the lists its rules share (nft_int.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "nft_int.h"

void nb_add(struct nbuf *b, const char *fmt, ...)
{
	va_list ap;

	if (b->oom)
		return;
	for (;;) {
		int n;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
		char *s = realloc(b->s, cap);

		if (!s) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

void nb_links(struct nbuf *b, const struct cfg_connection *c)
{
	/* lib/kplan names a tunnel's link "xfrmd<id>" (kp_links) */
	nb_add(b, "{ ");
	for (size_t t = 0; t < c->n_tunnels; t++)
		nb_add(b, "%s\"xfrmd%u\"", t ? ", " : "", c->tunnels[t].id);
	nb_add(b, " }");
}

bool nb_prefixes(struct nbuf *b, const struct prefix *v, size_t n, int family)
{
	char buf[PREFIX_STRLEN];
	bool any = false;

	for (size_t i = 0; i < n; i++)
		if (v[i].addr.family == family) {
			nb_add(b, "%s%s", any ? ", " : "{ ", prefix_str(&v[i], buf, sizeof(buf)));
			any = true;
		}
	if (any)
		nb_add(b, " }");
	return any;
}

/* The statement that clamps a SYN's MSS. */
void nb_clamp_to(struct nbuf *b, const struct cfg_connection *c, uint32_t mss)
{
	nb_add(b, " tcp flags syn / syn,rst");
	if (mss == CFG_MSS_AUTO)
		nb_add(b, " tcp option maxseg size set rt mtu");
	else
		nb_add(b, " tcp option maxseg size > %u tcp option maxseg size set %u", mss, mss);
	nb_add(b, " comment \"conn %s\"\n", c->name);
}

void nb_clamp(struct nbuf *b, const struct cfg_connection *c)
{
	nb_clamp_to(b, c, c->mss);
}
