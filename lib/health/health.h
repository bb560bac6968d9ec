/*
 * What a tunnel's probes prove, and the decisions built on it. Pure: no
 * clock, no I/O; times are milliseconds on one monotonic clock, 0 = never.
 *
 * A tunnel carries traffic only when probes sent on it are answered
 * (outbound proven). The answer may come back over any tunnel of the
 * connection: it is recognised by the probe's identifier and a sequence
 * number sent recently, never by the SA it arrived on. Packets arriving on
 * the tunnel's inbound SAs prove the other direction only: they are shown
 * to operators and never make a tunnel healthy.
 *
 * A tunnel whose IKE and CHILD SAs look up but whose probes go unanswered
 * for restart_after (a peer that cleared its side silently) is restarted:
 * its IKE SA deleted and initiated again, then again with a doubling delay
 * while it stays unproven.
 */
#ifndef XFRMD_HEALTH_H
#define XFRMD_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

/* An answer's sequence number is fresh when it is one of the last
 * `window` sent before next_seq (the number the next probe will carry):
 * a late answer proves the path was up back then, not now. */
bool health_seq_fresh(uint16_t next_seq, uint16_t seq, uint32_t window);

/* The probe's verdict, before the next echo goes out: dead once the last
 * `loss` echoes sent after the newest answered one went unanswered.
 * Counted in echoes sent, not in time, so a stall of xfrmd's own loop (a
 * busy machine: no echo sent, no answer read) never looks like loss. */
bool health_probes_lost(uint16_t next_seq, uint16_t newest_answered, uint32_t loss);

/* Which of the last 64 echoes were answered, so that each counts once in
 * the statistics however many copies of its answer arrive (a peer running
 * xfrmd answers over both tunnels, and its kernel too). Bit i: the echo
 * sent i + 1 echoes before next_seq. */
struct health_answers {
	uint64_t bits;
};
/* An echo went out: every bit moves one place. */
void health_answers_sent(struct health_answers *a);
/* True the first time seq (sent before next_seq) is answered; an echo
 * older than the last 64 is not recorded and always counts. */
bool health_answers_first(struct health_answers *a, uint16_t next_seq, uint16_t seq);

/* Stale-tunnel restarts: the first waits restart_after_ms, each next one
 * twice the previous, at most HEALTH_RESTART_MAX_MS (but never less than
 * restart_after_ms). prev_ms 0: the first. */
#define HEALTH_RESTART_MAX_MS 60000u
uint64_t health_restart_delay(uint64_t prev_ms, uint64_t restart_after_ms);

/* Whether the stale-tunnel rule applies now: IKE and CHILD SAs up, probes
 * running and unanswered, and the link needing the tunnel (not a standby
 * while another tunnel carries traffic: restarting it would gain nothing,
 * and a peer that uses one CHILD_SA at a time for the same subnets, as
 * Libreswan's policy-based conns do, would move to the restarted one, away
 * from the tunnel carrying traffic). */
struct health_tunnel {
	bool ike_up, child_up, probing, outbound_proven, needed;
};
bool health_restart_wanted(const struct health_tunnel *t);

#endif
