#include "health.h"

bool health_seq_fresh(uint16_t next_seq, uint16_t seq, uint32_t window)
{
	/* how many probes ago seq was sent: 1 = the last one */
	uint16_t ago = (uint16_t)(next_seq - seq);

	return ago >= 1 && ago <= window;
}

void health_answers_sent(struct health_answers *a)
{
	a->bits <<= 1;
}

bool health_answers_first(struct health_answers *a, uint16_t next_seq, uint16_t seq)
{
	uint16_t ago = (uint16_t)(next_seq - seq);
	uint64_t bit;

	if (ago < 1)
		return false;
	if (ago > 64) /* older than the record: counted, not deduplicated */
		return true;
	bit = (uint64_t)1 << (ago - 1);
	if (a->bits & bit)
		return false;
	a->bits |= bit;
	return true;
}

bool health_probes_lost(uint16_t next_seq, uint16_t newest_answered, uint32_t loss)
{
	/* echoes sent after the newest answered one */
	uint16_t unanswered = (uint16_t)(next_seq - 1 - newest_answered);

	return unanswered >= loss;
}

uint64_t health_restart_delay(uint64_t prev_ms, uint64_t restart_after_ms)
{
	uint64_t next = prev_ms ? prev_ms * 2 : restart_after_ms;

	if (next > HEALTH_RESTART_MAX_MS)
		next = HEALTH_RESTART_MAX_MS;
	return next < restart_after_ms ? restart_after_ms : next;
}

bool health_restart_wanted(const struct health_tunnel *t)
{
	return t->ike_up && t->child_up && t->probing && !t->outbound_proven && t->needed;
}
