/*
 * Sorted views of charon's SA table and the kernel's SA dump, built once
 * per pass. Status reports and SA list refreshes look up every tunnel; a
 * linear search per tunnel made them quadratic in the number of tunnels
 * (2,000 tunnels: millions of string compares per `xfrmctl status`).
 */
#ifndef XFRMD_SA_INDEX_H
#define XFRMD_SA_INDEX_H

#include "sa_table.h"
#include "xfrmd.h"

/* charon's IKE SAs by name; equal names keep their table order. */
struct sa_index {
	const struct charon_ike **v;
	size_t n;
};
/* -1: out of memory (the caller falls back to the sa_table_* scans). */
int sa_index_build(struct sa_index *x, const struct sa_table *t);
void sa_index_free(struct sa_index *x);
/* Same answers as sa_table_find and sa_table_best. */
const struct charon_ike *sa_index_find(const struct sa_index *x, const char *name);
const struct charon_ike *sa_index_best(const struct sa_index *x, const char *name);

/* The kernel's SAs by SPI and protocol. */
struct kernel_sa_index {
	const struct kernel_sa **v;
	size_t n;
};
int kernel_sa_index_build(struct kernel_sa_index *x, const struct kernel_sa_table *t);
void kernel_sa_index_free(struct kernel_sa_index *x);
/* Same answer as kernel_sa_find. */
const struct kernel_sa *kernel_sa_index_find(const struct kernel_sa_index *x, uint32_t spi,
					     uint8_t proto);

/* Every CHILD_SA SPI (in and out) charon listed, sorted. */
struct spi_set {
	uint32_t *v;
	size_t n;
};
int spi_set_build(struct spi_set *s, const struct sa_table *t);
bool spi_set_has(const struct spi_set *s, uint32_t spi);
void spi_set_free(struct spi_set *s);

#endif
