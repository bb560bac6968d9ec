/* xfrmd's nftables table and its NAT routing rules (lib/nft renders the table). */
#ifndef XFRMD_NFT_LINK_H
#define XFRMD_NFT_LINK_H

#include <stdbool.h>

#include "config.h"
#include "xerr.h"

/* Replaces "table inet xfrmd" with cfg's in one libnftables transaction
 * (no rule wanted: the table is removed), unless force is false and the
 * text is the one this process applied last; then the NAT connections'
 * fwmark rules (protocol XFRMD_RTPROT, xfrmd's own: others of xfrmd's
 * with a fwmark go). A refused table changes nothing; the error names the
 * connection whose rule nft refused. No other table is touched. */
int nft_link_sync(const struct cfg_config *cfg, bool force, struct xerr *e);
/* The text nft_link_sync last applied (NULL: none yet), for tests and `plan`. */
const char *nft_link_last(void);

#endif
