/*
 * Certificates running out: each X.509 tunnel's local certificate and CAs
 * within CFG_CERT_WARN_DAYS of their end earn a warning, expired ones an
 * error (cfg_x509_warning says which). At every apply, then once a day
 * while nothing is applied: a reminder that comes back daily, never one
 * line per status request or metrics scrape.
 */
#include <time.h>

#include "applied.h"
#include "cert_watch.h"
#include "log.h"
#include "xfrmd.h"

#define CERT_WATCH_MS (24ull * 3600 * 1000)

static void log_certs(const struct cfg_config *cfg)
{
	int64_t now = (int64_t)time(NULL);
	char msg[768];
	bool expired;

	for (size_t i = 0; cfg && i < cfg->n_conns; i++)
		for (size_t t = 0; t < cfg->conns[i].n_tunnels; t++) {
			if (!cfg_x509_warning(&cfg->conns[i], t, now, msg, sizeof(msg), &expired))
				continue;
			if (expired)
				log_err("%s", msg);
			else
				log_warn("%s", msg);
		}
}

static void on_daily(void *ctx)
{
	struct xfrmd *d = ctx;

	log_certs(applied_cfg(d));
	loop_timer_arm(d->cert_watch, CERT_WATCH_MS);
}

void cert_watch_apply(struct xfrmd *d)
{
	log_certs(applied_cfg(d));
	if (!d->cert_watch)
		d->cert_watch = loop_timer_new(d->loop, on_daily, d);
	if (d->cert_watch)
		loop_timer_arm(d->cert_watch, CERT_WATCH_MS);
}
