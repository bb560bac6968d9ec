/* xfrmd: keeps charon and the kernel in line with the applied config. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applied.h"
#include "cert_watch.h"
#include "apply.h"
#include "bird_link.h"
#include "charon_link.h"
#include "commands.h"
#include "events.h"
#include "forward.h"
#include "host.h"
#include "instance_lock.h"
#include "log.h"
#include "plural.h"
#include "psk.h"
#include "reaction.h"
#include "runtime.h"
#include "state.h"
#include "status.h"
#include "wiring.h"
#include "xfrmd.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xfrmd [options]\n"
		"  -c, --control PATH    control socket (default " CTL_DEFAULT_SOCKET ");\n"
		"                        one xfrmd per socket and per state directory\n"
		"  -g, --group GROUP     the control socket's group (name or number): its members\n"
		"                        may read status; without -g, xfrmd's own group\n"
		"  -s, --state-dir DIR   applied config kept here (default " XFRMD_DEFAULT_STATE_DIR
		")\n"
		"  -v, --vici URI        charon's VICI socket, overriding gateway.vici\n"
		"  -H, --host NAME       this host's name in gateway.hosts (default: the one\n"
		"                        host whose addresses this machine has)\n"
		"      --bird-socket PATH, --bird-include PATH\n"
		"                        this host's BIRD control socket and include file,\n"
		"                        overriding gateway.bird (hosts sharing a file system)\n"
		"  -n, --check FILE      check a config file, print \"configuration OK\", exit\n"
		"      --realtime-priority N\n"
		"                        run at realtime priority N (SCHED_RR, 1-99): busy\n"
		"                        processes (charon) cannot delay a failover\n"
		"  -d, --debug           log debug messages\n"
		"  -V, --version         print the version and exit\n"
		"  -h, --help            this help\n");
}

static int check_config(const char *path)
{
	struct xerr e;
	struct cfg_config *cfg = cfg_load_file(path, &e);

	char warning[384];

	if (!cfg) {
		fprintf(stderr, "%s\n", e.msg); /* it names the file */
		return 1;
	}
	for (size_t i = 0; i < cfg->n_conns; i++)
		if (cfg_weak_warning(&cfg->conns[i], warning, sizeof(warning)))
			fprintf(stderr, "warning: %s\n", warning);
	cfg_free(cfg);
	printf("configuration OK\n");
	return 0;
}

/* A name first, so a group called "1000" still means that group. */
static int parse_group(const char *arg, gid_t *gid)
{
	struct group *gr = getgrnam(arg);
	char *end;
	unsigned long n;

	if (gr) {
		*gid = gr->gr_gid;
		return 0;
	}
	errno = 0;
	n = strtoul(arg, &end, 10);
	if (!*arg || *end || errno || n >= (gid_t)-1)
		return -1;
	*gid = (gid_t)n;
	return 0;
}

static void on_quit(void *ctx, int signo)
{
	struct xfrmd *d = ctx;

	log_info("signal %d: exiting (kernel SAs, policies and routes stay)", signo);
	loop_quit(d->loop);
}

static void on_nl_event(void *ctx, const struct nl_xfrm_event *ev)
{
	struct xfrmd *d = ctx;

	log_debug("kernel xfrm event %d spi %08x", ev->kind, ev->spi);
	if (ev->kind == NL_XFRM_SA_DEL || (ev->kind == NL_XFRM_SA_EXPIRE && ev->hard))
		runtime_sa_gone(d, ev->spi);
	else if (ev->kind == NL_XFRM_ACQUIRE)
		runtime_acquire(d, &ev->src, &ev->dst);
}

static void on_nl_io(void *ctx, int fd, uint32_t events)
{
	struct xfrmd *d = ctx;

	if (nl_xfrm_monitor_handle(d->nlmon))
		log_warn("kernel xfrm events were lost (socket overrun)");
}

/* A saved config loads without the checks earlier versions did not make
 * (cfg_load_saved); what they find is said once, at start. Key files are
 * restore_state's to read (this host's only). */
static void warn_if_refused_now(const char *text, size_t len, const char *base_dir)
{
	struct xerr e;
	struct cfg_config *strict = cfg_load_keys_later(text, len, base_dir, NULL, false, &e);

	if (!strict)
		log_warn("the saved config is kept, but applying it again would be refused: %s",
			 e.msg);
	cfg_free(strict);
}

static void restore_state(struct xfrmd *d)
{
	struct xerr e = {{0}};
	struct cfg_config *cfg;
	size_t len;
	char *text = state_load(d, &len, &e);

	if (!text) {
		if (e.msg[0])
			log_err("ignoring saved state: %s", e.msg);
		return;
	}
	cfg = cfg_load_keys_later(text, len, applied_base_dir(d), NULL, true, &e);
	if (cfg)
		warn_if_refused_now(text, len, applied_base_dir(d));
	if (cfg && (host_select(d, cfg, &e) || cfg_keys_read(cfg, NULL, &e))) {
		cfg_free(cfg);
		cfg = NULL;
	}
	if (cfg && applied_restore_text(d, text, len)) {
		cfg_free(cfg);
		cfg = NULL;
		xerr_set(&e, "out of memory");
	}
	explicit_bzero(text, len);
	free(text);
	if (!cfg) {
		log_err("saved config no longer loads, starting empty: %s", e.msg);
		return;
	}
	/* Ids and keys go into the config before it runs. */
	if (runtime_assign_ids(d, cfg, &e))
		log_err("restoring tunnel ids: %s", e.msg);
	if (psk_fill(d, cfg, true, &e))
		log_err("restoring generated keys: %s", e.msg);
	applied_swap_cfg(d, cfg); /* none ran before */
	log_info("restored generation %llu with %zu %s", (unsigned long long)applied_generation(d),
		 cfg->n_conns, plural(cfg->n_conns, "connection", "connections"));
	status_log_weak_crypto(cfg);
	cert_watch_apply(d);
}

static int open_kernel_events(struct xfrmd *d, struct xerr *e)
{
	d->nlmon = nl_xfrm_monitor_open(on_nl_event, d, e);
	if (!d->nlmon)
		return -1;
	d->nl_io = loop_io_add(d->loop, nl_xfrm_monitor_fd(d->nlmon), EPOLLIN, on_nl_io, d, e);
	return d->nl_io ? 0 : -1;
}

/* Before anything is read, bound or touched: one daemon per state
 * directory and per control socket (instance_lock.c). */
static int lock_instance(struct xfrmd *d, struct xerr *e)
{
	char dir[CFG_PATH_MAX], path[CFG_PATH_MAX + 16], what[CFG_PATH_MAX + 32];

	if (mkdir(d->opt.state_dir, 0700) && errno != EEXIST)
		return xerr_set(e, "%s: %s", d->opt.state_dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/xfrmd.lock", d->opt.state_dir);
	snprintf(what, sizeof(what), "state directory %s", d->opt.state_dir);
	if (instance_lock(path, what, &d->state_lock_fd, e))
		return -1;
	snprintf(dir, sizeof(dir), "%s", d->opt.control_path);
	if (mkdir(dirname(dir), 0755) && errno != EEXIST)
		return xerr_set(e, "%s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s.lock", d->opt.control_path);
	snprintf(what, sizeof(what), "control socket %s", d->opt.control_path);
	return instance_lock(path, what, &d->ctl_lock_fd, e);
}

static int open_control(struct xfrmd *d, struct xerr *e)
{
	d->ctl = ctl_server_new(d->loop, d->opt.control_path, d->opt.control_mode, commands_handle,
				d, e);
	if (!d->ctl)
		return -1;
	/* Narrowed, never widened: until now only the daemon's own group could connect. */
	if (d->opt.control_gid != (gid_t)-1 &&
	    chown(d->opt.control_path, (uid_t)-1, d->opt.control_gid))
		return xerr_set(e, "%s: group %u: %s", d->opt.control_path,
				(unsigned)d->opt.control_gid, strerror(errno));
	return 0;
}

static int start(struct xfrmd *d, struct xerr *e)
{
	if (lock_instance(d, e))
		return -1;
	d->loop = loop_new(e);
	if (!d->loop)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	if (loop_signal_add(d->loop, SIGTERM, on_quit, d, e) ||
	    loop_signal_add(d->loop, SIGINT, on_quit, d, e) || runtime_init(d, e) ||
	    bird_link_init(d, e))
		return -1;
	restore_state(d);
	bird_link_start(d, applied_cfg(d));
	d->link = charon_link_new(d->loop, d->opt.vici_override ? d->opt.vici_override
					   : applied_cfg(d)	? applied_cfg(d)->gateway.vici
								: "unix:///var/run/charon.vici");
	if (!d->link)
		return xerr_set(e, "out of memory");
	if (open_kernel_events(d, e) || open_control(d, e))
		return -1;
	/* Tunnels count as down until charon says otherwise: fail closed now. */
	if (runtime_rebuild(d, e))
		log_err("kernel: %s", e->msg);
	if (charon_link_start(d, &wiring_charon_ops, d))
		return xerr_set(e, "out of memory");
	return 0;
}

static void stop(struct xfrmd *d)
{
	apply_cancel_all(d);
	runtime_free(d);
	charon_link_free(d);
	bird_link_free(d);
	forward_prune_sas_forget(); /* the suspects of the link's list-sas */
	ctl_server_free(d->ctl);
	if (d->nl_io)
		loop_io_del(d->nl_io);
	nl_xfrm_monitor_close(d->nlmon);
	applied_free(d->applied);
	events_free(d);
	loop_free(d->loop);
}

/* Long-only options: past any character getopt_long returns. */
enum { OPT_RT_PRIORITY = 256, OPT_BIRD_SOCKET, OPT_BIRD_INCLUDE };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"control", required_argument, NULL, 'c'},
	    {"group", required_argument, NULL, 'g'},
	    {"state-dir", required_argument, NULL, 's'},
	    {"vici", required_argument, NULL, 'v'},
	    {"host", required_argument, NULL, 'H'},
	    {"bird-socket", required_argument, NULL, OPT_BIRD_SOCKET},
	    {"bird-include", required_argument, NULL, OPT_BIRD_INCLUDE},
	    {"check", required_argument, NULL, 'n'},
	    {"realtime-priority", required_argument, NULL, OPT_RT_PRIORITY},
	    {"debug", no_argument, NULL, 'd'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct xfrmd d = {.opt = {.control_path = CTL_DEFAULT_SOCKET,
				  .state_dir = XFRMD_DEFAULT_STATE_DIR,
				  .control_mode = 0660,
				  .control_gid = (gid_t)-1}};
	struct xerr e;
	int c, rc, rt_prio = 0;

	while ((c = getopt_long(argc, argv, "c:g:s:v:H:n:dVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.opt.control_path = optarg;
			break;
		case 'g':
			if (parse_group(optarg, &d.opt.control_gid)) {
				fprintf(stderr, "xfrmd: no such group '%s'\n", optarg);
				return 2;
			}
			break;
		case 's':
			d.opt.state_dir = optarg;
			break;
		case OPT_RT_PRIORITY:
			if (reaction_rt_parse(optarg, &rt_prio)) {
				fprintf(stderr,
					"xfrmd: --realtime-priority: '%s' is not a priority from 1 "
					"to 99\n",
					optarg);
				return 2;
			}
			break;
		case 'v':
			d.opt.vici_override = optarg;
			break;
		case 'H':
			d.opt.host = optarg;
			break;
		case OPT_BIRD_SOCKET:
			d.opt.bird_socket = optarg;
			break;
		case OPT_BIRD_INCLUDE:
			d.opt.bird_include = optarg;
			break;
		case 'n':
			return check_config(optarg);
		case 'd':
			log_set_level(LOG_LVL_DEBUG);
			break;
		case 'V':
			printf("xfrmd " XFRMD_VERSION "\n");
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "xfrmd: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (rt_prio && reaction_rt_set(rt_prio, &e)) {
		fprintf(stderr, "xfrmd: %s\n", e.msg);
		return 1;
	}
	if (!(d.applied = applied_new())) {
		fprintf(stderr, "xfrmd: out of memory\n");
		return 1;
	}
	if (start(&d, &e)) {
		fprintf(stderr, "xfrmd: %s\n", e.msg);
		stop(&d);
		return 1;
	}
	log_info("xfrmd " XFRMD_VERSION " started; control socket %s", d.opt.control_path);
	rc = loop_run(d.loop);
	stop(&d);
	return rc ? 1 : 0;
}
