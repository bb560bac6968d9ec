#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charon.h"

static void copy_str(char *dst, size_t len, const struct vici_node *sec, const char *key)
{
	snprintf(dst, len, "%s", vici_get_str(sec, key, ""));
}

static uint32_t hex32(const struct vici_node *sec, const char *key)
{
	return (uint32_t)strtoul(vici_get_str(sec, key, "0"), NULL, 16);
}

static void parse_child(const struct vici_node *sec, struct charon_child *ch)
{
	memset(ch, 0, sizeof(*ch));
	copy_str(ch->name, sizeof(ch->name), sec, "name");
	copy_str(ch->state, sizeof(ch->state), sec, "state");
	copy_str(ch->encr_alg, sizeof(ch->encr_alg), sec, "encr-alg");
	copy_str(ch->integ_alg, sizeof(ch->integ_alg), sec, "integ-alg");
	copy_str(ch->dh_group, sizeof(ch->dh_group), sec, "dh-group");
	ch->uniqueid = (uint32_t)vici_get_u64(sec, "uniqueid", 0);
	ch->reqid = (uint32_t)vici_get_u64(sec, "reqid", 0);
	ch->spi_in = hex32(sec, "spi-in");
	ch->spi_out = hex32(sec, "spi-out");
	ch->encap = vici_get_bool(sec, "encap");
	ch->encr_keysize = (unsigned)vici_get_u64(sec, "encr-keysize", 0);
	ch->bytes_in = vici_get_u64(sec, "bytes-in", 0);
	ch->bytes_out = vici_get_u64(sec, "bytes-out", 0);
	ch->packets_in = vici_get_u64(sec, "packets-in", 0);
	ch->packets_out = vici_get_u64(sec, "packets-out", 0);
	ch->install_time = vici_get_u64(sec, "install-time", 0);
	ch->rekey_time = vici_get_u64(sec, "rekey-time", 0);
	ch->life_time = vici_get_u64(sec, "life-time", 0);
}

static void parse_ike_fields(const struct vici_node *sec, struct charon_ike *ike)
{
	ike->uniqueid = (uint32_t)vici_get_u64(sec, "uniqueid", 0);
	ike->version = (unsigned)vici_get_u64(sec, "version", 0);
	copy_str(ike->state, sizeof(ike->state), sec, "state");
	copy_str(ike->local_host, sizeof(ike->local_host), sec, "local-host");
	copy_str(ike->remote_host, sizeof(ike->remote_host), sec, "remote-host");
	copy_str(ike->local_id, sizeof(ike->local_id), sec, "local-id");
	copy_str(ike->remote_id, sizeof(ike->remote_id), sec, "remote-id");
	copy_str(ike->initiator_spi, sizeof(ike->initiator_spi), sec, "initiator-spi");
	copy_str(ike->responder_spi, sizeof(ike->responder_spi), sec, "responder-spi");
	copy_str(ike->encr_alg, sizeof(ike->encr_alg), sec, "encr-alg");
	copy_str(ike->integ_alg, sizeof(ike->integ_alg), sec, "integ-alg");
	copy_str(ike->prf_alg, sizeof(ike->prf_alg), sec, "prf-alg");
	copy_str(ike->dh_group, sizeof(ike->dh_group), sec, "dh-group");
	ike->encr_keysize = (unsigned)vici_get_u64(sec, "encr-keysize", 0);
	ike->initiator = vici_get_bool(sec, "initiator");
	ike->nat_any = vici_get_bool(sec, "nat-any");
	ike->established = vici_get_u64(sec, "established", 0);
	ike->rekey_time = vici_get_u64(sec, "rekey-time", 0);
}

int charon_parse_ike(const struct vici_node *section, struct charon_ike *out, struct xerr *e)
{
	const struct vici_node *children;

	memset(out, 0, sizeof(*out));
	if (!section || section->type != VICI_NODE_SECTION || !section->name)
		return xerr_set(e, "IKE SA report is not a named section");
	if (strlen(section->name) >= sizeof(out->name))
		return xerr_set(e, "IKE SA name too long");
	strcpy(out->name, section->name);
	parse_ike_fields(section, out);
	children = vici_child(section, "child-sas");
	if (!children || children->type != VICI_NODE_SECTION)
		return 0;
	for (const struct vici_node *ch = children->child; ch; ch = ch->next) {
		if (ch->type != VICI_NODE_SECTION)
			continue;
		if (out->n_children == CHARON_CHILDREN_MAX)
			break;
		parse_child(ch, &out->children[out->n_children++]);
	}
	return 0;
}

const struct charon_child *charon_installed_child(const struct charon_ike *ike)
{
	const struct charon_child *best = NULL;

	for (size_t i = 0; ike && i < ike->n_children; i++)
		if (!strcmp(ike->children[i].state, "INSTALLED") &&
		    (!best || ike->children[i].uniqueid > best->uniqueid))
			best = &ike->children[i];
	return best;
}

bool charon_ike_usable(const struct charon_ike *ike)
{
	return ike && !strcmp(ike->state, "ESTABLISHED") && charon_installed_child(ike);
}
