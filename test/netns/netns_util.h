/* What the netns tests share (netns_util.c): iproute2 and the like run
 * through the shell, a link's index by name. Each fails the Check test
 * that calls it when the command or the link is not there. */
#ifndef XFRMD_NETNS_UTIL_H
#define XFRMD_NETNS_UTIL_H

/* Runs the command (printf format, up to 511 bytes); a nonzero exit
 * status fails the test, naming the command. */
void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The command's standard output (up to 8 KiB), in a buffer the next call
 * overwrites; its exit status is not looked at. */
const char *sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The link's ifindex; no such link fails the test. */
int ifx(const char *name);

#endif
