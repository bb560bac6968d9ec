/*
 * What a pre-shared key may hold, for inline keys (config_parse.c) and key
 * files (config_keyfile.c) alike. A rejected key is described by length,
 * position and character class only, never by its bytes.
 */
#include "config_int.h"

#include <stdio.h>

static const char *char_class(unsigned char c)
{
	if (c == ' ')
		return "space";
	if (c < 0x20 || c == 0x7f)
		return "control character";
	if (c >= 0x80)
		return "non-ASCII byte";
	return "punctuation outside the allowed set";
}

int cfg_psk_check(const char *psk, size_t len, char *why, size_t whylen)
{
	if (len == 0) {
		snprintf(why, whylen, "pre-shared key is empty");
		return -1;
	}
	if (len > CFG_PSK_MAX) {
		snprintf(why, whylen, "pre-shared key is longer than %d characters", CFG_PSK_MAX);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (cfg_psk_char_ok(psk[i]))
			continue;
		snprintf(why, whylen, "pre-shared key character %zu is not allowed (%s)", i + 1,
			 char_class((unsigned char)psk[i]));
		return -1;
	}
	return 0;
}
