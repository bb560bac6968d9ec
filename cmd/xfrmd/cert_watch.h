/*
 * Warnings of X.509 certificates near or past their end (cert_watch.c).
 */
#ifndef XFRMD_CERT_WATCH_H
#define XFRMD_CERT_WATCH_H

struct xfrmd;

/* Logs the applied config's certificates that expire within 30 days (a
 * warning) or have expired (an error), and again every day after. */
void cert_watch_apply(struct xfrmd *d);

#endif
