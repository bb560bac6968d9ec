/* The daemon's sorted SA views (sa_index.c) answer like the linear scans
 * they replace (sa_table.c), and the reaction histogram (reaction.c)
 * counts right. */
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "sa_index.h"

#include "check_main.h"
#include "reaction.h"
#include "sa_table.h"

static void ike(struct sa_table *t, const char *name, uint32_t uniqueid, const char *state,
		uint32_t spi_in, uint32_t spi_out)
{
	struct charon_ike *x = &t->ike[t->n++];

	memset(x, 0, sizeof(*x));
	strcpy(x->name, name);
	strcpy(x->state, state);
	x->uniqueid = uniqueid;
	if (spi_in) {
		x->n_children = 1;
		strcpy(x->children[0].state, "INSTALLED");
		x->children[0].spi_in = spi_in;
		x->children[0].spi_out = spi_out;
	}
}

static struct charon_ike store[16];

/* Three tunnels; t2 has a duplicate IKE SA (both ends initiated). */
static struct sa_table table(void)
{
	struct sa_table t = {.ike = store, .cap = 16};

	ike(&t, "xfrmd-b-t1", 5, "ESTABLISHED", 0x100, 0x101);
	ike(&t, "xfrmd-a-t2", 7, "ESTABLISHED", 0x200, 0x201);
	ike(&t, "xfrmd-a-t1", 3, "CONNECTING", 0, 0);
	ike(&t, "xfrmd-a-t2", 9, "CONNECTING", 0, 0);
	return t;
}

START_TEST(sa_index_answers_like_the_scans)
{
	struct sa_table t = table();
	struct sa_index x;

	ck_assert_int_eq(sa_index_build(&x, &t), 0);
	/* find: the first in table order, as sa_table_find */
	ck_assert_ptr_eq(sa_index_find(&x, "xfrmd-b-t1"), &store[0]);
	ck_assert_ptr_eq(sa_index_find(&x, "xfrmd-a-t2"), &store[1]);
	ck_assert_ptr_eq(sa_index_find(&x, "xfrmd-a-t1"), &store[2]);
	ck_assert_ptr_null(sa_index_find(&x, "xfrmd-c-t1"));
	ck_assert_ptr_null(sa_index_find(&x, "x"));
	/* best, as sa_table_best: the usable one wins over a newer one still
	 * negotiating; without a usable one, the newest */
	ck_assert_ptr_eq(sa_index_best(&x, "xfrmd-a-t2"), &store[1]);
	ck_assert_ptr_eq(sa_index_best(&x, "xfrmd-a-t1"), &store[2]);
	ck_assert_ptr_null(sa_index_best(&x, "xfrmd-c-t1"));
	store[1].children[0].state[0] = 'X'; /* no longer installed: t2 unusable */
	ck_assert_ptr_eq(sa_index_best(&x, "xfrmd-a-t2"), &store[3]);
	sa_index_free(&x);
}
END_TEST

/* The scans themselves (sa_table.c), on the same table. */
START_TEST(sa_table_scans)
{
	struct sa_table t = table();
	struct sa_table grown = {0};

	ck_assert_ptr_eq(sa_table_find(&t, "xfrmd-a-t2"), &store[1]);
	ck_assert_ptr_null(sa_table_find(&t, "xfrmd-c-t1"));
	ck_assert_ptr_eq(sa_table_next(&t, "xfrmd-a-t2", NULL), &store[1]);
	ck_assert_ptr_eq(sa_table_next(&t, "xfrmd-a-t2", &store[1]), &store[3]);
	ck_assert_ptr_null(sa_table_next(&t, "xfrmd-a-t2", &store[3]));
	ck_assert_ptr_eq(sa_table_best(&t, "xfrmd-a-t2"), &store[1]);
	ck_assert_ptr_eq(sa_table_best(&t, "xfrmd-a-t1"), &store[2]);
	ck_assert_ptr_null(sa_table_best(&t, "xfrmd-c-t1"));
	store[1].children[0].state[0] = 'X'; /* no longer installed: t2 unusable */
	ck_assert_ptr_eq(sa_table_best(&t, "xfrmd-a-t2"), &store[3]);
	/* copies in order, growing as needed */
	for (size_t i = 0; i < 3 * t.n; i++)
		sa_table_add(&grown, &store[i % t.n]);
	ck_assert_uint_eq(grown.n, 12);
	ck_assert_uint_ge(grown.cap, 12);
	ck_assert_uint_eq(grown.ike[9].uniqueid, store[1].uniqueid);
	sa_table_clear(&grown);
	ck_assert_uint_eq(grown.n, 0);
	ck_assert_ptr_null(sa_table_find(&grown, "xfrmd-a-t2"));
	free(grown.ike);
}
END_TEST

START_TEST(kernel_index_and_spi_set)
{
	struct kernel_sa sas[] = {
	    {.spi = 0x300, .proto = IPPROTO_ESP},
	    {.spi = 0x100, .proto = IPPROTO_AH},
	    {.spi = 0x100, .proto = IPPROTO_ESP},
	};
	struct kernel_sa_table k = {.n = 3, .sa = sas};
	struct kernel_sa_index kx;
	struct sa_table t = table();
	struct spi_set s;

	ck_assert_int_eq(kernel_sa_index_build(&kx, &k), 0);
	ck_assert_ptr_eq(kernel_sa_index_find(&kx, 0x100, IPPROTO_ESP), &sas[2]);
	ck_assert_ptr_eq(kernel_sa_index_find(&kx, 0x100, IPPROTO_AH), &sas[1]);
	ck_assert_ptr_null(kernel_sa_index_find(&kx, 0x200, IPPROTO_ESP));
	kernel_sa_index_free(&kx);
	ck_assert_int_eq(spi_set_build(&s, &t), 0);
	ck_assert(spi_set_has(&s, 0x101) && spi_set_has(&s, 0x200));
	ck_assert(!spi_set_has(&s, 0x300));
	spi_set_free(&s);
}
END_TEST

START_TEST(reaction_histogram_is_cumulative)
{
	struct reaction_hist h = {0};
	struct json_object *j, *recent;

	for (uint64_t us = 50; us <= 50 * 20; us += 50)
		reaction_record(&h, us); /* 20 samples, 50 us .. 1 ms */
	reaction_record(&h, 2000000);	 /* above every bucket */
	ck_assert_uint_eq(h.count, 21);
	ck_assert_uint_eq(h.le[0], 2);			   /* <= 100 us */
	ck_assert_uint_eq(h.le[3], 20);			   /* <= 1 ms */
	ck_assert_uint_eq(h.le[REACTION_BUCKETS - 1], 20); /* <= 1 s */
	ck_assert_uint_eq(h.max_us, 2000000);
	j = reaction_json(&h);
	recent = json_object_object_get(j, "recent_us");
	ck_assert_uint_eq(json_object_array_length(recent), REACTION_RECENT);
	ck_assert_uint_eq(json_object_get_uint64(json_object_array_get_idx(recent, 15)), 2000000);
	ck_assert_uint_eq(json_object_get_uint64(json_object_array_get_idx(recent, 0)), 300);
	json_object_put(j);
}
END_TEST

START_TEST(reaction_recent_before_the_ring_fills)
{
	struct reaction_hist h = {0};
	struct json_object *j, *recent;

	reaction_record(&h, 10);
	reaction_record(&h, 20);
	j = reaction_json(&h);
	recent = json_object_object_get(j, "recent_us");
	ck_assert_uint_eq(json_object_array_length(recent), 2);
	ck_assert_uint_eq(json_object_get_uint64(json_object_array_get_idx(recent, 0)), 10);
	json_object_put(j);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon_index");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sa_index_answers_like_the_scans);
	tcase_add_test(tc, sa_table_scans);
	tcase_add_test(tc, kernel_index_and_spi_set);
	tcase_add_test(tc, reaction_histogram_is_cumulative);
	tcase_add_test(tc, reaction_recent_before_the_ring_fills);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
