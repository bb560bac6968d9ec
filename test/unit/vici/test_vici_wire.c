#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vici_wire.h"

#include "check_main.h"

static void decode_bad(const uint8_t *seg, size_t len, const char *want)
{
	struct vici_packet p;
	struct xerr e = {{0}};

	ck_assert_int_eq(vici_packet_decode(seg, len, &p, &e), -1);
	ck_assert_msg(strstr(e.msg, want), "error \"%s\" lacks \"%s\"", e.msg, want);
}

static void encode_bad(uint8_t type, const char *name, const uint8_t *msg, size_t len,
		       const char *want)
{
	struct xerr e = {{0}};
	uint8_t *out = (uint8_t *)1;
	size_t out_len = 1;

	ck_assert_int_eq(vici_packet_encode(type, name, msg, len, &out, &out_len, &e), -1);
	ck_assert_ptr_null(out);
	ck_assert_msg(strstr(e.msg, want), "error \"%s\" lacks \"%s\"", e.msg, want);
}

START_TEST(encode_named)
{
	static const uint8_t msg[] = {3, 1, 'k', 0, 1, 'v'};
	static const uint8_t want[] = {
	    0,	 0, 0, 15, VICI_CMD_REQUEST, 7, 'v', 'e', 'r', 's', 'i', 'o', 'n', 3, 1,
	    'k', 0, 1, 'v'};
	struct vici_packet p;
	uint8_t *out;
	size_t len;

	ck_assert_int_eq(
	    vici_packet_encode(VICI_CMD_REQUEST, "version", msg, sizeof(msg), &out, &len, NULL), 0);
	ck_assert_uint_eq(len, sizeof(want));
	ck_assert_mem_eq(out, want, len);
	ck_assert_int_eq(vici_packet_decode(out + 4, len - 4, &p, NULL), 0);
	ck_assert_uint_eq(p.type, VICI_CMD_REQUEST);
	ck_assert_str_eq(p.name, "version");
	ck_assert_uint_eq(p.msg_len, sizeof(msg));
	ck_assert_mem_eq(p.msg, msg, sizeof(msg));
	free(out);
}
END_TEST

START_TEST(encode_unnamed)
{
	static const uint8_t want[] = {0, 0, 0, 1, VICI_EVENT_CONFIRM};
	struct vici_packet p;
	uint8_t *out;
	size_t len;

	ck_assert_int_eq(vici_packet_encode(VICI_EVENT_CONFIRM, NULL, NULL, 0, &out, &len, NULL),
			 0);
	ck_assert_uint_eq(len, sizeof(want));
	ck_assert_mem_eq(out, want, len);
	ck_assert_int_eq(vici_packet_decode(out + 4, len - 4, &p, NULL), 0);
	ck_assert_uint_eq(p.type, VICI_EVENT_CONFIRM);
	ck_assert_str_eq(p.name, "");
	ck_assert_uint_eq(p.msg_len, 0);
	free(out);
}
END_TEST

START_TEST(encode_rejects)
{
	char name[257];
	uint8_t *big = calloc(1, VICI_SEGMENT_MAX);
	uint8_t *out;
	size_t len;

	memset(name, 'x', 256);
	name[256] = '\0';
	encode_bad(VICI_CMD_REQUEST, NULL, NULL, 0, "needs a name");
	encode_bad(VICI_EVENT, "", NULL, 0, "needs a name");
	encode_bad(VICI_EVENT_REGISTER, name, NULL, 0, "needs a name");
	encode_bad(VICI_CMD_RESPONSE, "x", NULL, 0, "takes no name");
	encode_bad(8, NULL, NULL, 0, "unknown packet type 8");
	encode_bad(VICI_CMD_RESPONSE, NULL, NULL, 3, "NULL with length 3");
	/* 1 type byte + the message may fill the segment, one more may not. */
	ck_assert_int_eq(vici_packet_encode(VICI_CMD_RESPONSE, NULL, big, VICI_SEGMENT_MAX - 1,
					    &out, &len, NULL),
			 0);
	ck_assert_uint_eq(len, 4 + VICI_SEGMENT_MAX);
	ck_assert_mem_eq(out, "\x00\x08\x00\x00", 4);
	free(out);
	encode_bad(VICI_CMD_RESPONSE, NULL, big, VICI_SEGMENT_MAX, "exceeds");
	encode_bad(VICI_CMD_REQUEST, "x", big, VICI_SEGMENT_MAX - 2, "exceeds");
	name[255] = '\0';
	ck_assert_int_eq(vici_packet_encode(VICI_EVENT, name, NULL, 0, &out, &len, NULL), 0);
	ck_assert_uint_eq(len, 4 + 2 + 255);
	free(out);
	free(big);
}
END_TEST

START_TEST(decode_rejects)
{
	static const uint8_t unknown[] = {8};
	static const uint8_t unknown_high[] = {0xff, 0};
	static const uint8_t no_name_len[] = {VICI_EVENT};
	static const uint8_t name_past_end[] = {VICI_EVENT, 5, 'a', 'b'};
	static const uint8_t empty_name[] = {VICI_CMD_REQUEST, 0};
	static const uint8_t nul_name[] = {VICI_EVENT, 2, 'a', 0};

	decode_bad(NULL, 0, "empty packet");
	decode_bad(unknown, sizeof(unknown), "unknown packet type 8");
	decode_bad(unknown_high, sizeof(unknown_high), "unknown packet type 255");
	decode_bad(no_name_len, sizeof(no_name_len), "truncated name length");
	decode_bad(name_past_end, sizeof(name_past_end), "name of 5 bytes runs past the end");
	decode_bad(empty_name, sizeof(empty_name), "empty name");
	decode_bad(nul_name, sizeof(nul_name), "NUL");
	decode_bad(unknown, VICI_SEGMENT_MAX + 1, "exceeds");
}
END_TEST

START_TEST(decode_name_fills_packet)
{
	static const uint8_t seg[] = {VICI_EVENT, 3, 'l', 'o', 'g'};
	struct vici_packet p;

	ck_assert_int_eq(vici_packet_decode(seg, sizeof(seg), &p, NULL), 0);
	ck_assert_str_eq(p.name, "log");
	ck_assert_uint_eq(p.msg_len, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vici_wire");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, encode_named);
	tcase_add_test(tc, encode_unnamed);
	tcase_add_test(tc, encode_rejects);
	tcase_add_test(tc, decode_rejects);
	tcase_add_test(tc, decode_name_fills_packet);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
