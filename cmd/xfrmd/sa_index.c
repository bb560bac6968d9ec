#include "sa_index.h"
#include "sa_table.h"

#include <stdlib.h>
#include <string.h>

/* Ties break on the address: entries of one array, so table order. */
static int by_name(const void *a, const void *b)
{
	const struct charon_ike *x = *(const struct charon_ike *const *)a;
	const struct charon_ike *y = *(const struct charon_ike *const *)b;
	int d = strcmp(x->name, y->name);

	return d ? d : (x > y) - (x < y);
}

int sa_index_build(struct sa_index *x, const struct sa_table *t)
{
	x->n = 0;
	x->v = malloc((t->n + 1) * sizeof(*x->v));
	if (!x->v)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		x->v[x->n++] = &t->ike[i];
	qsort(x->v, x->n, sizeof(*x->v), by_name);
	return 0;
}

void sa_index_free(struct sa_index *x)
{
	free(x->v);
	x->v = NULL;
	x->n = 0;
}

/* Position of the first entry named `name`, or x->n. */
static size_t first_of(const struct sa_index *x, const char *name)
{
	size_t lo = 0, hi = x->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(x->v[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < x->n && !strcmp(x->v[lo]->name, name) ? lo : x->n;
}

const struct charon_ike *sa_index_find(const struct sa_index *x, const char *name)
{
	size_t i = first_of(x, name);

	return i < x->n ? x->v[i] : NULL;
}

const struct charon_ike *sa_index_best(const struct sa_index *x, const char *name)
{
	const struct charon_ike *best = NULL;

	for (size_t i = first_of(x, name); i < x->n && !strcmp(x->v[i]->name, name); i++) {
		const struct charon_ike *ike = x->v[i];
		bool usable = charon_ike_usable(ike), best_usable = charon_ike_usable(best);

		if (!best || (usable && !best_usable) ||
		    (usable == best_usable && ike->uniqueid > best->uniqueid))
			best = ike;
	}
	return best;
}

static int by_spi(const void *a, const void *b)
{
	const struct kernel_sa *x = *(const struct kernel_sa *const *)a;
	const struct kernel_sa *y = *(const struct kernel_sa *const *)b;

	if (x->spi != y->spi)
		return x->spi < y->spi ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return (x > y) - (x < y);
}

int kernel_sa_index_build(struct kernel_sa_index *x, const struct kernel_sa_table *t)
{
	x->n = 0;
	x->v = malloc((t->n + 1) * sizeof(*x->v));
	if (!x->v)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		x->v[x->n++] = &t->sa[i];
	qsort(x->v, x->n, sizeof(*x->v), by_spi);
	return 0;
}

void kernel_sa_index_free(struct kernel_sa_index *x)
{
	free(x->v);
	x->v = NULL;
	x->n = 0;
}

const struct kernel_sa *kernel_sa_index_find(const struct kernel_sa_index *x, uint32_t spi,
					     uint8_t proto)
{
	size_t lo = 0, hi = x->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct kernel_sa *m = x->v[mid];

		if (m->spi < spi || (m->spi == spi && m->proto < proto))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < x->n && x->v[lo]->spi == spi && x->v[lo]->proto == proto)
		return x->v[lo];
	return NULL;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

int spi_set_build(struct spi_set *s, const struct sa_table *t)
{
	s->n = 0;
	s->v = malloc((t->n * CHARON_CHILDREN_MAX * 2 + 1) * sizeof(*s->v));
	if (!s->v)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		for (size_t c = 0; c < t->ike[i].n_children; c++) {
			s->v[s->n++] = t->ike[i].children[c].spi_in;
			s->v[s->n++] = t->ike[i].children[c].spi_out;
		}
	qsort(s->v, s->n, sizeof(*s->v), u32_cmp);
	return 0;
}

bool spi_set_has(const struct spi_set *s, uint32_t spi)
{
	return s->v && bsearch(&spi, s->v, s->n, sizeof(*s->v), u32_cmp);
}

void spi_set_free(struct spi_set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
