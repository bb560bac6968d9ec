/*
 * Key files (psk_file): only regular files are read, a FIFO never blocks
 * (every test runs under an alarm), symlinks are followed and named with
 * their target, advice to chmod is given only for the caller's own file
 * next to the config, and the text's defects (CR LF, blank or extra lines,
 * a byte order mark, size) are named without quoting the key.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "config_int.h"

#include "check_main.h"

#define CANARY "Canary7QzX"
#define ALARM  5 /* seconds: a blocked open or read fails the test */

static char dir[] = "/tmp/xfrmd-keys-test.XXXXXX";
static char other[] = "/tmp/xfrmd-keys-other.XXXXXX";

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_nonnull(mkdtemp(other));
	alarm(ALARM);
}

static void rm_rf(char *path, const char *pattern)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(path, pattern);
}

static void teardown(void)
{
	alarm(0);
	rm_rf(dir, "/tmp/xfrmd-keys-test.XXXXXX");
	rm_rf(other, "/tmp/xfrmd-keys-other.XXXXXX");
}

static void write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

static void put(const char *name, const char *data, mode_t mode)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	write_file(path, data, strlen(data), mode);
}

/* The document loaded from dir with tunnel 0's psk_file set to file. */
static struct cfg_config *load_key(const char *file, struct xerr *e)
{
	char doc[1024];

	snprintf(doc, sizeof(doc),
		 "{\"gateway\":{\"name\":\"gw\"},\"connections\":[{\"name\":\"c\","
		 "\"local_prefixes\":[\"10.1.0.0/24\"],\"remote_prefixes\":[\"10.2.0.0/24\"],"
		 "\"tunnels\":[{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\","
		 "\"psk_file\":\"%s\"}]}]}",
		 file);
	memset(e, 0, sizeof(*e));
	return cfg_load_string(doc, strlen(doc), dir, e);
}

/* want with "@D" replaced by the test's directory. */
static const char *expand(const char *want, char *buf, size_t len)
{
	const char *at = strstr(want, "@D");

	if (!at)
		snprintf(buf, len, "%s", want);
	else
		snprintf(buf, len, "%.*s%s%s", (int)(at - want), want, dir, at + 2);
	return buf;
}

/* Refused promptly with want (after "psk_file: "; "@D" is the directory),
 * never quoting the key. */
static void refused(const char *file, const char *want)
{
	char buf[1024], full[1200];
	struct xerr e;
	time_t t0 = time(NULL);
	struct cfg_config *cfg = load_key(file, &e);

	ck_assert_msg(cfg == NULL, "%s accepted", file);
	ck_assert_int_le(time(NULL) - t0, 1);
	snprintf(full, sizeof(full), "connections[0].tunnels[0].psk_file: %s",
		 expand(want, buf, sizeof(buf)));
	ck_assert_str_eq(e.msg, full);
	ck_assert_msg(!strstr(e.msg, CANARY), "key leaked: %s", e.msg);
}

static void accepted(const char *file, const char *key)
{
	struct xerr e;
	struct cfg_config *cfg = load_key(file, &e);

	ck_assert_msg(cfg != NULL, "%s refused: %s", file, e.msg);
	ck_assert_str_eq(cfg->conns[0].tunnels[0].psk, key);
	cfg_free(cfg);
}

START_TEST(fifo_refused_without_blocking)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/pipe.key", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	refused("pipe.key",
		"@D/pipe.key is a named pipe (FIFO); a key file must be a regular file");
	/* Nor through a symlink. */
	ck_assert_int_eq(symlink("pipe.key", strcat(strcpy(path, dir), "/link.key")), 0);
	refused("link.key", "@D/link.key (a symlink to pipe.key) is a named pipe (FIFO); a key "
			    "file must be a regular file");
}
END_TEST

START_TEST(other_file_types_refused)
{
	char path[512];
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	refused("/dev/null", "/dev/null is a character device; a key file must be a regular file");
	refused(".", "@D/. is a directory; a key file must be a regular file");
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock.key", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	refused("sock.key", "@D/sock.key is a socket; a key file must be a regular file");
	close(fd);
	snprintf(path, sizeof(path), "%s/missing.key", dir);
	refused("missing.key", "@D/missing.key: No such file or directory");
	ck_assert_int_eq(symlink("missing.key", strcat(strcpy(path, dir), "/dangling.key")), 0);
	refused("dangling.key",
		"@D/dangling.key (a symlink to missing.key): No such file or directory");
}
END_TEST

START_TEST(symlinks_followed_and_named)
{
	char path[512], target[512];

	/* A link to a private key file works: its target is what counts. */
	put("real.key", "Key-" CANARY "\n", 0600);
	ck_assert_int_eq(symlink("real.key", strcat(strcpy(path, dir), "/good.key")), 0);
	accepted("good.key", "Key-" CANARY);

	/* A link to a file others may read: named with its target, and no
	 * advice to chmod what the link leads to. */
	snprintf(target, sizeof(target), "%s/shared", other);
	write_file(target, "Key-" CANARY "\n", strlen("Key-" CANARY "\n"), 0644);
	ck_assert_int_eq(symlink(target, strcat(strcpy(path, dir), "/shadow.key")), 0);
	{
		char want[1024];

		snprintf(want, sizeof(want),
			 "@D/shadow.key (a symlink to %s) is readable by group or others (mode "
			 "0644); a key file must be readable and writable by its owner only",
			 target);
		refused("shadow.key", want);
	}
	/* A link to a file that is no key at all: its text is described. */
	ck_assert_int_eq(symlink("/etc/passwd", strcat(strcpy(path, dir), "/passwd.key")), 0);
	{
		struct xerr e;

		ck_assert_ptr_null(load_key("passwd.key", &e));
		ck_assert_msg(strstr(e.msg, "/passwd.key (a symlink to /etc/passwd): holds ") ||
				  strstr(e.msg, "/passwd.key (a symlink to /etc/passwd) is "),
			      "%s", e.msg);
		ck_assert_msg(!strstr(e.msg, "chmod"), "%s", e.msg);
	}
}
END_TEST

/* chmod advice: the caller's own file next to the config, not a link,
 * nothing else. */
START_TEST(chmod_advice_only_for_own_files_in_the_config_dir)
{
	char path[512], want[1024];
	struct stat st;
	struct xerr e;

	put("open.key", "Key-" CANARY "\n", 0644);
	refused("open.key", "@D/open.key is readable by group or others (mode 0644); chmod 600 it");
	put("open.key", "Key-" CANARY "\n", 0620);
	refused("open.key", "@D/open.key is writable by group or others (mode 0620); chmod 600 it");

	snprintf(path, sizeof(path), "%s/elsewhere.key", other);
	write_file(path, "Key-" CANARY "\n", strlen("Key-" CANARY "\n"), 0640);
	snprintf(want, sizeof(want),
		 "%s is readable by group or others (mode 0640); a key file must be readable and "
		 "writable by its owner only",
		 path);
	refused(path, want);
	/* ../ out of the config's directory is outside it too. */
	snprintf(path, sizeof(path), "../%s/elsewhere.key", strrchr(other, '/') + 1);
	ck_assert_ptr_null(load_key(path, &e));
	ck_assert_msg(!strstr(e.msg, "chmod"), "%s", e.msg);

	/* Someone else's file: no advice either. */
	snprintf(path, sizeof(path), "%s/open.key", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	st.st_uid = geteuid() + 1;
	ck_assert_int_eq(cfg_keyfile_private(path, &st, dir, &e), -1);
	ck_assert_ptr_null(strstr(e.msg, "chmod"));
	st.st_uid = geteuid();
	ck_assert_int_eq(cfg_keyfile_private(path, &st, dir, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "chmod 600 it"));
	st.st_mode = S_IFREG | 0600;
	ck_assert_int_eq(cfg_keyfile_private(path, &st, dir, &e), 0);
	st.st_mode = S_IFREG | 0400;
	ck_assert_int_eq(cfg_keyfile_private(path, &st, dir, &e), 0);
}
END_TEST

START_TEST(text_defects_named)
{
	char big[CFG_PSK_FILE_MAX + 2];

	put("k", "Key-" CANARY "\r\n", 0600);
	refused("k",
		"@D/k: the key's line ends with a carriage return (CR LF, a Windows line end); "
		"save it with a plain newline (LF)");
	put("k", "Key-" CANARY "\r", 0600);
	refused("k",
		"@D/k: the key's line ends with a carriage return (CR LF, a Windows line end); "
		"save it with a plain newline (LF)");
	put("k", "Key-" CANARY "\n\n", 0600);
	refused("k", "@D/k: blank lines or white space follow the key; a key file holds the key "
		     "and at most one newline");
	put("k", "Key-" CANARY "\n  \n\t", 0600);
	refused("k", "@D/k: blank lines or white space follow the key; a key file holds the key "
		     "and at most one newline");
	put("k", "Key-" CANARY "\nOther-" CANARY "\n", 0600);
	refused("k", "@D/k: holds 2 lines; a key file holds the key alone, on one line");
	put("k", "\xef\xbb\xbfKey-" CANARY "\n", 0600);
	refused("k", "@D/k: starts with a UTF-8 byte order mark; save the key without one");
	put("k", "Key " CANARY "\n", 0600);
	refused("k", "@D/k: pre-shared key character 4 is not allowed (space)");
	put("k", "", 0600);
	refused("k", "@D/k: pre-shared key is empty");
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put("k", big, 0600);
	refused("k", "@D/k is 1025 bytes; a key file holds one key of at most 100 characters");

	/* What is fine: the key with one newline, or none. */
	put("k", "Key-" CANARY "\n", 0600);
	accepted("k", "Key-" CANARY);
	put("k", "Key-" CANARY, 0400);
	accepted("k", "Key-" CANARY);
}
END_TEST

START_TEST(text_rules)
{
	char why[160];
	size_t n = 0;

	ck_assert_int_eq(cfg_psk_file_text("abc\n", 4, &n, why, sizeof(why)), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(cfg_psk_file_text("abc", 3, &n, why, sizeof(why)), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(cfg_psk_file_text("abc\r\n", 5, &n, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "CR LF"));
	ck_assert_int_eq(cfg_psk_file_text("abc\r\n\r\n", 7, &n, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "CR LF"));
	ck_assert_int_eq(cfg_psk_file_text("a\nb\nc", 5, &n, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "holds 3 lines; a key file holds the key alone, on one line");
	ck_assert_int_eq(cfg_psk_file_text("\nabc\n", 5, &n, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "holds 2 lines; a key file holds the key alone, on one line");
	ck_assert_int_eq(cfg_psk_file_text("\n", 1, &n, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "pre-shared key is empty");
	ck_assert_int_eq(cfg_psk_file_text("ab\tc", 4, &n, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "pre-shared key character 3 is not allowed (control character)");
}
END_TEST

/* A key file read before and replaced since (by a FIFO, a link, a CR LF
 * copy) is looked at again, not taken from the cache. */
START_TEST(replaced_key_file_refused_on_reload)
{
	struct cfg_config *prev, *next;
	char path[512], doc[1024];
	struct xerr e;

	put("site.key", "Key-" CANARY "\n", 0600);
	prev = load_key("site.key", &e);
	ck_assert_msg(prev != NULL, "%s", e.msg);
	snprintf(doc, sizeof(doc), "%s", prev->src);

	snprintf(path, sizeof(path), "%s/site.key", dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	next = cfg_load_text_since(doc, strlen(doc), dir, prev, &e);
	ck_assert_ptr_null(next);
	ck_assert_ptr_nonnull(strstr(e.msg, "site.key is a named pipe (FIFO)"));

	ck_assert_int_eq(unlink(path), 0);
	put("site.key", "Key-" CANARY "\r\n", 0600);
	next = cfg_load_text_since(doc, strlen(doc), dir, prev, &e);
	ck_assert_ptr_null(next);
	ck_assert_ptr_nonnull(strstr(e.msg, "CR LF"));
	ck_assert_ptr_null(strstr(e.msg, CANARY));
	cfg_free(prev);
}
END_TEST

/* The config file itself: validate, apply and xfrmd -n read it; a FIFO or
 * a device in its place is refused from its stat, never opened. */
static void config_refused(const char *path, const char *want)
{
	char buf[1024], base[CFG_PATH_MAX];
	struct xerr e;
	size_t len;
	time_t t0 = time(NULL);

	ck_assert_ptr_null(cfg_load_file(path, &e));
	ck_assert_str_eq(e.msg, expand(want, buf, sizeof(buf)));
	ck_assert_ptr_null(cfg_read_doc_text(path, base, &len, &e));
	ck_assert_str_eq(e.msg, expand(want, buf, sizeof(buf)));
	ck_assert_int_le(time(NULL) - t0, 1);
}

START_TEST(config_file_must_be_regular)
{
	char path[512], link[512];
	struct cfg_config *cfg;
	struct xerr e;

	snprintf(path, sizeof(path), "%s/xfrmd.json", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	config_refused(
	    path, "@D/xfrmd.json is a named pipe (FIFO); a config file must be a regular file");
	snprintf(link, sizeof(link), "%s/link.json", dir);
	ck_assert_int_eq(symlink("xfrmd.json", link), 0);
	config_refused(link, "@D/link.json (a symlink to xfrmd.json) is a named pipe (FIFO); a "
			     "config file must be a regular file");
	config_refused("/dev/null",
		       "/dev/null is a character device; a config file must be a regular file");
	config_refused(dir, "@D is a directory; a config file must be a regular file");
	/* A regular file is read as before. */
	ck_assert_int_eq(unlink(path), 0);
	put("xfrmd.json", "{\"gateway\":{\"name\":\"gw\"},\"connections\":[]}", 0600);
	cfg = cfg_load_file(path, &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	cfg_free(cfg);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config_keys");
	TCase *tc = tcase_create("key files");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fifo_refused_without_blocking);
	tcase_add_test(tc, other_file_types_refused);
	tcase_add_test(tc, symlinks_followed_and_named);
	tcase_add_test(tc, chmod_advice_only_for_own_files_in_the_config_dir);
	tcase_add_test(tc, text_defects_named);
	tcase_add_test(tc, text_rules);
	tcase_add_test(tc, replaced_key_file_refused_on_reload);
	tcase_add_test(tc, config_file_must_be_regular);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
