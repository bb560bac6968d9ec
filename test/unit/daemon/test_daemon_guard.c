/* The daemon's guards that stand alone: one instance per lock file
 * (instance_lock.c) and what decides whether the kernel forwards
 * (forwarding.c). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forwarding.h"
#include "instance_lock.h"

#include "check_main.h"

START_TEST(lock_refuses_a_second_holder_and_names_the_first)
{
	char dir[] = "/tmp/xfrmd-lock-XXXXXX", path[64], text[32] = "", want[128];
	int fd1 = -1, fd2 = -1, f;
	struct xerr e;
	ssize_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/xfrmd.lock", dir);
	ck_assert_int_eq(instance_lock(path, "state directory X", &fd1, &e), 0);
	f = open(path, O_RDONLY);
	n = read(f, text, sizeof(text) - 1);
	close(f);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(instance_lock_parse_pid(text), getpid());
	/* flock belongs to the open file: a second open, even here, conflicts */
	ck_assert_int_eq(instance_lock(path, "state directory X", &fd2, &e), -1);
	snprintf(want, sizeof(want), "another xfrmd (pid %ld) is running with state directory X",
		 (long)getpid());
	ck_assert_msg(strstr(e.msg, want), "%s", e.msg);
	ck_assert_ptr_nonnull(strstr(e.msg, path));
	/* the holder gone, the lock is free again; the file stays */
	close(fd1);
	ck_assert_int_eq(instance_lock(path, "state directory X", &fd2, &e), 0);
	close(fd2);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(lock_pid_parsing)
{
	ck_assert_int_eq(instance_lock_parse_pid("1234\n"), 1234);
	ck_assert_int_eq(instance_lock_parse_pid("1234"), 1234);
	ck_assert_int_eq(instance_lock_parse_pid(""), 0);
	ck_assert_int_eq(instance_lock_parse_pid("0\n"), 0);
	ck_assert_int_eq(instance_lock_parse_pid("-5\n"), 0);
	ck_assert_int_eq(instance_lock_parse_pid("12ab\n"), 0);
	ck_assert_int_eq(instance_lock_parse_pid("99999999999999999999"), 0);
}
END_TEST

static struct fwd_setting judge(int family, const char *ifname, int v4_all, int v4_iif, int v6_all,
				int v6_force)
{
	struct fwd_flags f = {v4_all, v4_iif, v6_all, v6_force};
	struct fwd_setting s;

	forwarding_judge(family, ifname, &f, &s);
	return s;
}

START_TEST(forwarding_ipv4)
{
	struct fwd_setting s;

	/* ip_forward = 0 turns every interface off: named as ip_forward */
	s = judge(AF_INET, "lan", 0, 0, -1, -1);
	ck_assert(s.known && !s.on);
	ck_assert_str_eq(s.name, "net.ipv4.ip_forward");
	/* on, but not on the entry interface */
	s = judge(AF_INET, "lan", 1, 0, -1, -1);
	ck_assert(s.known && !s.on);
	ck_assert_str_eq(s.name, "net.ipv4.conf.lan.forwarding");
	/* the entry interface decides, even with ip_forward = 0 */
	s = judge(AF_INET, "lan", 0, 1, -1, -1);
	ck_assert(s.known && s.on);
	s = judge(AF_INET, "lan", 1, 1, -1, -1);
	ck_assert(s.known && s.on);
	/* entry interface unknown: ip_forward */
	s = judge(AF_INET, "", 0, -1, -1, -1);
	ck_assert(s.known && !s.on);
	ck_assert_str_eq(s.name, "net.ipv4.ip_forward");
	s = judge(AF_INET, NULL, 1, 0, -1, -1);
	ck_assert(s.known && s.on);
	/* nothing readable: unknown, explain says nothing */
	s = judge(AF_INET, "lan", -1, -1, -1, -1);
	ck_assert(!s.known);
}
END_TEST

START_TEST(forwarding_ipv6)
{
	struct fwd_setting s;

	s = judge(AF_INET6, "lan", 1, 1, 0, -1);
	ck_assert(s.known && !s.on);
	ck_assert_str_eq(s.name, "net.ipv6.conf.all.forwarding");
	s = judge(AF_INET6, "lan", 0, 0, 1, -1);
	ck_assert(s.known && s.on);
	/* force_forwarding on the interface (newer kernels) */
	s = judge(AF_INET6, "lan", 0, 0, 0, 1);
	ck_assert(s.known && s.on);
	s = judge(AF_INET6, "lan", 1, 1, -1, -1);
	ck_assert(!s.known);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon_guard");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, lock_refuses_a_second_holder_and_names_the_first);
	tcase_add_test(tc, lock_pid_parsing);
	tcase_add_test(tc, forwarding_ipv4);
	tcase_add_test(tc, forwarding_ipv6);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
