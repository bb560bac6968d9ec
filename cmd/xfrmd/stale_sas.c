/*
 * charon removes its SAs when it stops, not when it is killed; a new charon
 * knows nothing of the old ones, which linger until their hard lifetime.
 * Only ESP SAs with a reqid of xfrmd's tunnels are considered, and only
 * those missing from two lists in a row: one list may miss a CHILD_SA that
 * charon moves between IKE SAs (IKE rekey) while it enumerates them.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>

#include "charon_link.h"
#include "forward.h"
#include "log.h"
#include "nl_xfrm.h"
#include "sa_index.h"
#include "xfrmd.h"

static struct spi_set suspects; /* missing from the previous list, sorted */

static bool stale_candidate(const struct kernel_sa *sa, time_t before, const struct spi_set *listed)
{
	return sa->proto == IPPROTO_ESP && charon_reqid_is_tunnel(sa->reqid) && sa->add_time &&
	       (time_t)sa->add_time < before && !spi_set_has(listed, sa->spi);
}

static int cmp_spi(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

bool forward_prune_sas(struct xfrmd *d, time_t before)
{
	struct kernel_sa_table k;
	struct spi_set next = {0};
	struct xerr e;
	/* charon's SPIs sorted once: every SA list runs this, with thousands
	 * of SAs on each side */
	struct spi_set listed;

	if (spi_set_build(&listed, charon_link_sas(d)))
		return false; /* out of memory: the next list tries again */
	if (nl_xfrm_dump_sas(&k, &e)) {
		log_err("kernel: %s", e.msg);
		spi_set_free(&listed);
		return false;
	}
	next.v = malloc((k.n + 1) * sizeof(*next.v));
	for (size_t i = 0; next.v && i < k.n; i++) {
		const struct kernel_sa *sa = &k.sa[i];

		if (!stale_candidate(sa, before, &listed))
			continue;
		if (!spi_set_has(&suspects, sa->spi)) {
			next.v[next.n++] = sa->spi;
			continue;
		}
		if (nl_xfrm_sa_delete(sa, &e))
			log_err("prune: %s", e.msg);
		else
			log_info("removed SA %08x (reqid %u) that charon does not know (left by a "
				 "charon that died)",
				 sa->spi, sa->reqid);
	}
	kernel_sa_table_free(&k);
	spi_set_free(&listed);
	if (next.n)
		qsort(next.v, next.n, sizeof(*next.v), cmp_spi);
	spi_set_free(&suspects);
	suspects = next;
	return next.n > 0;
}

void forward_prune_sas_forget(void)
{
	spi_set_free(&suspects);
}
