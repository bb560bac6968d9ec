/*
 * The BGP parts of a status report: per tunnel of a connection with a bgp
 * section, its BIRD protocol, the state BIRD last reported, whether health
 * lets it run, and its routes in BIRD (summed over the session's
 * channels). Pure: status.c hands in what bird_link keeps.
 */
#include <stdio.h>

#include "bird_conf.h"
#include "status_bgp.h"

_Static_assert(BIRD_CONF_NAME_MAX <= REPORT_PROTO_MAX, "a report holds every protocol name");

const char *status_bgp_state(const struct bird_proto *p, int enabled)
{
	if (!p)
		return "unknown";
	/* BIRD says only "down" of a disabled protocol: xfrmd knows why */
	if (p->state == BIRD_PS_DOWN || p->bgp == BIRD_BGP_DOWN)
		return enabled == 0 ? "disabled" : "down";
	if (p->bgp_text[0])
		return p->bgp_text;
	return p->state_text[0] ? p->state_text : "unknown";
}

static void routes_fill(struct report_bgp *o, const struct bird_proto *p)
{
	o->has_prefixes = true;
	for (size_t i = 0; i < p->n_channels && i < BIRD_CHANNELS_MAX; i++) {
		const struct bird_channel *ch = &p->channels[i];

		if (ch->receive.hit)
			o->limit_hit = true;
		if (!ch->has_routes)
			continue;
		o->accepted += ch->imported;
		o->filtered += ch->filtered;
		o->announced += ch->exported;
	}
}

void status_bgp_fill(struct report_bgp *o, const struct cfg_connection *c,
		     const struct cfg_tunnel *t, const struct bird_proto *p, int enabled)
{
	*o = (struct report_bgp){
	    .state = status_bgp_state(p, enabled),
	    .enabled = enabled < 0 ? -1 : enabled > 0,
	    .since = p && p->since[0] ? p->since : NULL,
	    .local = t->inside.local,
	    .neighbor = t->inside.peer,
	    .local_asn = c->bgp.local_asn,
	    .peer_asn = c->bgp.peer_asn,
	    .last_error = p ? p->last_error : "",
	};
	if (bird_conf_proto_name(c, t, o->protocol, sizeof(o->protocol)))
		o->protocol[0] = '\0';
	if (p)
		routes_fill(o, p);
}

bool status_has_bgp(const struct cfg_config *cfg)
{
	for (size_t i = 0; cfg && i < cfg->n_conns; i++)
		if (cfg->conns[i].bgp.enabled)
			return true;
	return false;
}
