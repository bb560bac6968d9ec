/* reaction.c: the failover reaction histogram as the typed status report has it. */
#ifndef XFRMD_REACTION_H
#define XFRMD_REACTION_H

#include "report.h"
#include "xfrmd.h"

/* Buckets, and the latest samples oldest first. */
void reaction_report(const struct reaction_hist *h, struct report_reaction *out);

#endif
