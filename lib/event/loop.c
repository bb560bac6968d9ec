#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define LOOP_MAX_SIGNALS 8

struct loop_io {
	struct loop *loop;
	int fd;
	loop_io_cb cb;
	void *ctx;
	bool dead;
	struct loop_io *next_dead;
};

/* Timers sit in a list sorted by deadline: the daemon has a few per tunnel
 * and re-arms them rarely, so insertion cost does not matter yet. */
struct loop_timer {
	struct loop *loop;
	loop_timer_cb cb;
	void *ctx;
	uint64_t deadline;
	bool armed;
	struct loop_timer *prev, *next;
};

struct loop_signal {
	int signo;
	loop_signal_cb cb;
	void *ctx;
};

struct loop {
	int epfd;
	bool quit;
	struct loop_timer *timers;
	struct loop_io *dead; /* freed after the current dispatch round */
	int sigfd;
	struct loop_io *sigio;
	sigset_t sigmask;
	size_t n_signals;
	struct loop_signal signals[LOOP_MAX_SIGNALS];
};

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct loop *loop_new(struct xerr *e)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l) {
		xerr_set(e, "out of memory");
		return NULL;
	}
	l->sigfd = -1;
	sigemptyset(&l->sigmask);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		xerr_set(e, "epoll_create1: %s", strerror(errno));
		free(l);
		return NULL;
	}
	return l;
}

static void free_dead(struct loop *l)
{
	while (l->dead) {
		struct loop_io *io = l->dead;

		l->dead = io->next_dead;
		free(io);
	}
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	if (l->sigio)
		loop_io_del(l->sigio);
	if (l->sigfd >= 0)
		close(l->sigfd);
	while (l->timers)
		loop_timer_stop(l->timers);
	free_dead(l);
	close(l->epfd);
	free(l);
}

void loop_quit(struct loop *l)
{
	l->quit = true;
}

struct loop_io *loop_io_add(struct loop *l, int fd, uint32_t events, loop_io_cb cb, void *ctx,
			    struct xerr *e)
{
	struct loop_io *io = calloc(1, sizeof(*io));
	struct epoll_event ev = {.events = events};

	if (!io) {
		xerr_set(e, "out of memory");
		return NULL;
	}
	*io = (struct loop_io){.loop = l, .fd = fd, .cb = cb, .ctx = ctx};
	ev.data.ptr = io;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		xerr_set(e, "epoll_ctl(add fd %d): %s", fd, strerror(errno));
		free(io);
		return NULL;
	}
	return io;
}

int loop_io_set_events(struct loop_io *io, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = io};

	return epoll_ctl(io->loop->epfd, EPOLL_CTL_MOD, io->fd, &ev);
}

void loop_io_del(struct loop_io *io)
{
	if (!io || io->dead)
		return;
	epoll_ctl(io->loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	/* epoll_wait may already hold a pointer to io in this round. */
	io->dead = true;
	io->next_dead = io->loop->dead;
	io->loop->dead = io;
}

struct loop_timer *loop_timer_new(struct loop *l, loop_timer_cb cb, void *ctx)
{
	struct loop_timer *t = calloc(1, sizeof(*t));

	if (t) {
		t->loop = l;
		t->cb = cb;
		t->ctx = ctx;
	}
	return t;
}

void loop_timer_stop(struct loop_timer *t)
{
	if (!t || !t->armed)
		return;
	if (t->prev)
		t->prev->next = t->next;
	else
		t->loop->timers = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
	t->armed = false;
}

void loop_timer_arm(struct loop_timer *t, uint64_t ms)
{
	loop_timer_arm_at(t, loop_now_ms() + ms);
}

void loop_timer_arm_at(struct loop_timer *t, uint64_t deadline_ms)
{
	struct loop_timer **pos, *prev = NULL;

	loop_timer_stop(t);
	t->deadline = deadline_ms;
	for (pos = &t->loop->timers; *pos && (*pos)->deadline <= t->deadline; pos = &(*pos)->next)
		prev = *pos;
	t->next = *pos;
	t->prev = prev;
	if (*pos)
		(*pos)->prev = t;
	*pos = t;
	t->armed = true;
}

int loop_timer_armed(const struct loop_timer *t)
{
	return t->armed;
}

void loop_timer_free(struct loop_timer *t)
{
	loop_timer_stop(t);
	free(t);
}

static void on_signalfd(void *ctx, int fd, uint32_t events)
{
	struct loop *l = ctx;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		for (size_t i = 0; i < l->n_signals; i++)
			if (l->signals[i].signo == (int)si.ssi_signo)
				l->signals[i].cb(l->signals[i].ctx, (int)si.ssi_signo);
	}
}

int loop_signal_add(struct loop *l, int signo, loop_signal_cb cb, void *ctx, struct xerr *e)
{
	if (l->n_signals == LOOP_MAX_SIGNALS)
		return xerr_set(e, "too many signal handlers");
	sigaddset(&l->sigmask, signo);
	if (sigprocmask(SIG_BLOCK, &l->sigmask, NULL))
		return xerr_set(e, "sigprocmask: %s", strerror(errno));
	l->sigfd = signalfd(l->sigfd, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sigfd < 0)
		return xerr_set(e, "signalfd: %s", strerror(errno));
	if (!l->sigio) {
		l->sigio = loop_io_add(l, l->sigfd, EPOLLIN, on_signalfd, l, e);
		if (!l->sigio)
			return -1;
	}
	l->signals[l->n_signals++] = (struct loop_signal){signo, cb, ctx};
	return 0;
}

static int next_timeout(const struct loop *l)
{
	uint64_t now;

	if (!l->timers)
		return -1;
	now = loop_now_ms();
	if (l->timers->deadline <= now)
		return 0;
	return (int)(l->timers->deadline - now > 60000 ? 60000 : l->timers->deadline - now);
}

static void run_timers(struct loop *l)
{
	uint64_t now = loop_now_ms();

	while (l->timers && l->timers->deadline <= now) {
		struct loop_timer *t = l->timers;

		loop_timer_stop(t);
		t->cb(t->ctx);
	}
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[64];

	l->quit = false;
	while (!l->quit) {
		int n = epoll_wait(l->epfd, evs, 64, next_timeout(l));

		if (n < 0 && errno != EINTR)
			return -1;
		for (int i = 0; i < n; i++) {
			struct loop_io *io = evs[i].data.ptr;

			if (!io->dead)
				io->cb(io->ctx, io->fd, evs[i].events);
		}
		free_dead(l);
		run_timers(l);
	}
	return 0;
}
