/*
 * The daemon's single-threaded event loop: file descriptors (epoll),
 * one-shot timers and signals (signalfd). Callbacks run on the loop's
 * thread; any of them may add or remove watchers, including their own.
 */
#ifndef XFRMD_LOOP_H
#define XFRMD_LOOP_H

#include <stdint.h>

#include "xerr.h"

struct loop;
struct loop_io;
struct loop_timer;

typedef void (*loop_io_cb)(void *ctx, int fd, uint32_t events);
typedef void (*loop_timer_cb)(void *ctx);
typedef void (*loop_signal_cb)(void *ctx, int signo);

struct loop *loop_new(struct xerr *e);
void loop_free(struct loop *l);
/* Runs until loop_quit(); returns 0, or -1 if epoll itself fails. */
int loop_run(struct loop *l);
void loop_quit(struct loop *l);
/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t loop_now_ms(void);

struct loop_io *loop_io_add(struct loop *l, int fd, uint32_t events, loop_io_cb cb, void *ctx,
			    struct xerr *e);
int loop_io_set_events(struct loop_io *io, uint32_t events);
/* Stops watching; the fd is not closed. Safe inside any callback. */
void loop_io_del(struct loop_io *io);

struct loop_timer *loop_timer_new(struct loop *l, loop_timer_cb cb, void *ctx);
/* (Re)arms to fire once, ms from now. */
void loop_timer_arm(struct loop_timer *t, uint64_t ms);
/* The same at an absolute loop_now_ms() time (past: at the next turn). It
 * reads no clock: under user-mode Linux a clock read is a system call, and
 * an apply arms thousands of timers. */
void loop_timer_arm_at(struct loop_timer *t, uint64_t deadline_ms);
void loop_timer_stop(struct loop_timer *t);
int loop_timer_armed(const struct loop_timer *t);
void loop_timer_free(struct loop_timer *t);

/* Blocks signo for the process and delivers it through the loop. */
int loop_signal_add(struct loop *l, int signo, loop_signal_cb cb, void *ctx, struct xerr *e);

#endif
