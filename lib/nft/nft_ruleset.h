/*
 * xfrmd's nftables table, "table inet xfrmd", as text for libnftables:
 * built whole from a config (pure), so applying it replaces the table in
 * one transaction and never touches another table.
 *
 * chain clamp    forward, priority mangle: the MSS clamp of connections
 *                with mss, on TCP SYNs (and SYN-ACKs) of their traffic,
 *                route mode by the tunnels' links, policy mode by their
 *                prefixes with IPsec (rt ipsec exists out, meta ipsec in).
 * chain premark  prerouting, priority mangle (before DNAT): a NAT
 *                connection's traffic towards the far side's ingress
 *                externals gets meta mark gateway.nat.mark + id (routed by
 *                xfrmd's fwmark rule into table gateway.nat.table + id,
 *                where the far side's real prefixes lead into its
 *                tunnels); connections from its tunnels get that ct mark.
 * chain prenat   prerouting dstnat: from the tunnels, egress externals
 *                back to our real prefixes; from elsewhere, ingress
 *                externals to the far side's real prefixes.
 * chain postnat  postrouting srcnat: into the tunnels, our real prefixes
 *                to their egress externals; connections from the tunnels
 *                (ct mark), the far side's real prefixes to their ingress
 *                externals.
 * Every rule carries comment "conn NAME": libnftables' errors quote the
 * line, so they name the connection.
 */
#ifndef XFRMD_NFT_RULESET_H
#define XFRMD_NFT_RULESET_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "xerr.h"

#define NFT_TABLE "xfrmd" /* family inet */

/* The table's text for cfg's connections (their tunnels' ids set: the
 * links are "xfrmd<id>", the NAT marks derive from them); NULL with e on
 * out of memory, or when a NAT connection's first tunnel id is past
 * CFG_NAT_ID_MAX (no mark or table for it). *empty: no connection wants a rule (the table goes).
 * The caller frees it. */
char *nft_ruleset(const struct cfg_config *cfg, bool *empty, struct xerr *e);
/* What replaces xfrmd's table with ruleset in one transaction: create it
 * (so the delete never fails), delete it, and the new one unless empty. */
char *nft_ruleset_replace(const char *ruleset, bool empty, struct xerr *e);

/* For people (xfrmctl validate): "connection NAME: MSS clamp 1350 (auto:
 * to the path MTU); NAT egress A -> B, ingress C -> D"; false: c puts
 * nothing in the table. */
bool nft_conn_summary(const struct cfg_connection *c, char *buf, size_t len);

/* Whether c puts rules in the table. */
bool nft_conn_wants(const struct cfg_connection *c);

#endif
