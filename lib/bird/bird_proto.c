/*
 * Owns reading BIRD's `show protocols [all]` and `configure` replies into
 * the plain structs of bird_proto.h. Pure. BIRD 2 prints a table row per
 * protocol (code 1002, columns Name Proto Table State Since Info), and with
 * `all` indented "Key: value" details after it (code 1006), channels
 * introduced by "  Channel NAME". Unknown detail lines are skipped, so
 * newer BIRDs printing more still parse.
 */
#include "bird_proto.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CODE_TABLE_ROW	1002
#define CODE_DETAIL	1006
#define CODE_CONF_ERROR 8002

static const char *const bgp_names[] = {
    [BIRD_BGP_NONE] = "",
    [BIRD_BGP_DOWN] = "Down",
    [BIRD_BGP_IDLE] = "Idle",
    [BIRD_BGP_CONNECT] = "Connect",
    [BIRD_BGP_ACTIVE] = "Active",
    [BIRD_BGP_OPENSENT] = "OpenSent",
    [BIRD_BGP_OPENCONFIRM] = "OpenConfirm",
    [BIRD_BGP_ESTABLISHED] = "Established",
    [BIRD_BGP_CLOSE] = "Close",
    [BIRD_BGP_PASSIVE] = "Passive",
    [BIRD_BGP_OTHER] = "other",
};

static const char *const pstate_names[] = {
    [BIRD_PS_UNKNOWN] = "", [BIRD_PS_DOWN] = "down", [BIRD_PS_START] = "start",
    [BIRD_PS_UP] = "up",    [BIRD_PS_STOP] = "stop", [BIRD_PS_FLUSH] = "flush",
};

/* Truncating copy of s[0..len) into dst[size]. */
static void copy(char *dst, size_t size, const char *s, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

#define COPY(dst, s, len) copy(dst, sizeof(dst), s, len)

static const char *skip_spaces(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

/* Length without trailing spaces. */
static size_t trimmed(const char *s, size_t len)
{
	while (len && s[len - 1] == ' ')
		len--;
	return len;
}

enum bird_pstate bird_pstate_parse(const char *s)
{
	for (size_t i = 1; i < sizeof(pstate_names) / sizeof(pstate_names[0]); i++)
		if (strcmp(s, pstate_names[i]) == 0)
			return (enum bird_pstate)i;
	return BIRD_PS_UNKNOWN;
}

enum bird_bgp bird_bgp_parse(const char *s)
{
	if (!*s)
		return BIRD_BGP_NONE;
	for (size_t i = BIRD_BGP_DOWN; i < BIRD_BGP_OTHER; i++)
		if (strcmp(s, bgp_names[i]) == 0)
			return (enum bird_bgp)i;
	return BIRD_BGP_OTHER;
}

const char *bird_bgp_name(enum bird_bgp s)
{
	return s <= BIRD_BGP_OTHER ? bgp_names[s] : "?";
}

/* The next space-free token of *s, advancing past it. */
static size_t token(const char **s, const char **start)
{
	const char *p = skip_spaces(*s);
	size_t n = 0;

	while (p[n] && p[n] != ' ')
		n++;
	*start = p;
	*s = p + n;
	return n;
}

/* "Name Proto Table State Since  Info": the first four columns hold no
 * spaces; Since may (timeformat "iso long"), and ends at two spaces. */
static int parse_row(const char *s, struct bird_proto *p, struct xerr *e)
{
	const char *tok, *end;
	size_t n[4];
	const char *t[4];

	for (int i = 0; i < 4; i++) {
		n[i] = token(&s, &tok);
		t[i] = tok;
		if (!n[i])
			return xerr_set(e, "bird protocol row has fewer than 4 columns");
	}
	COPY(p->name, t[0], n[0]);
	COPY(p->proto, t[1], n[1]);
	COPY(p->table, t[2], n[2]);
	COPY(p->state_text, t[3], n[3]);
	p->state = bird_pstate_parse(p->state_text);
	s = skip_spaces(s);
	end = strstr(s, "  ");
	if (!end)
		end = s + strlen(s);
	COPY(p->since, s, (size_t)(end - s));
	s = skip_spaces(end);
	COPY(p->info, s, trimmed(s, strlen(s)));
	/* BGP's Info starts with its session state (padded to 14), but
	 * holds only the last error while the protocol is down. */
	if (strcmp(p->proto, "BGP") == 0 && p->state == BIRD_PS_DOWN) {
		COPY(p->bgp_text, "Down", 4);
		p->bgp = BIRD_BGP_DOWN;
	} else if (strcmp(p->proto, "BGP") == 0) {
		n[0] = token(&s, &tok);
		COPY(p->bgp_text, tok, n[0]);
		p->bgp = bird_bgp_parse(p->bgp_text);
	}
	return 0;
}

/* If line (spaces skipped) is "KEY: value", the value; else NULL. */
static const char *value_of(const char *line, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) != 0 || line[n] != ':')
		return NULL;
	return skip_spaces(line + n + 1);
}

static int number(const char *s, unsigned long *out, const char **end)
{
	char *e;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoul(s, &e, 10);
	if (errno)
		return -1;
	if (end)
		*end = e;
	return 0;
}

/* "2 imported, 1 filtered, 0 exported, 2 preferred" (filtered only with
 * import keep filtered). Words it does not know are skipped. */
static void parse_routes(const char *s, struct bird_channel *c)
{
	c->has_routes = true;
	for (;;) {
		unsigned long v;
		const char *w;
		size_t n;

		s = skip_spaces(s);
		if (number(s, &v, &s) < 0)
			return;
		n = token(&s, &w);
		if (n >= 8 && strncmp(w, "imported", 8) == 0)
			c->imported = v;
		else if (n >= 8 && strncmp(w, "filtered", 8) == 0) {
			c->filtered = v;
			c->has_filtered = true;
		} else if (n >= 8 && strncmp(w, "exported", 8) == 0)
			c->exported = v;
		else if (n >= 9 && strncmp(w, "preferred", 9) == 0)
			c->preferred = v;
	}
}

/* "1 [HIT]" */
static struct bird_limit *parse_limit(const char *s, struct bird_limit *l)
{
	l->set = true;
	if (number(s, &l->limit, &s) == 0)
		l->hit = strstr(s, "[HIT]") != NULL;
	return l;
}

struct detail {
	struct bird_proto *p;
	struct bird_channel *ch; /* NULL before the first channel or past the kept ones */
	bool in_channel;
	struct bird_limit *limit; /* the last limit line, for its "Action:" */
};

static void channel_line(struct detail *d, const char *s)
{
	struct bird_channel *c = d->ch;
	const char *v;

	if (!c)
		return;
	if ((v = value_of(s, "State")))
		COPY(c->state, v, trimmed(v, strlen(v)));
	else if ((v = value_of(s, "Routes")))
		parse_routes(v, c);
	else if ((v = value_of(s, "Receive limit")))
		d->limit = parse_limit(v, &c->receive);
	else if ((v = value_of(s, "Import limit")))
		d->limit = parse_limit(v, &c->import);
	else if ((v = value_of(s, "Export limit")))
		d->limit = parse_limit(v, &c->export);
	else if ((v = value_of(s, "Action")) && d->limit)
		COPY(d->limit->action, v, trimmed(v, strlen(v)));
}

static void proto_line(struct detail *d, const char *s)
{
	struct bird_proto *p = d->p;
	const char *v;

	if ((v = value_of(s, "Description")))
		COPY(p->description, v, strlen(v));
	else if ((v = value_of(s, "Message")))
		COPY(p->message, v, strlen(v));
	else if ((v = value_of(s, "BGP state"))) {
		COPY(p->bgp_text, v, trimmed(v, strlen(v)));
		p->bgp = bird_bgp_parse(p->bgp_text);
	} else if ((v = value_of(s, "Neighbor address")))
		COPY(p->neighbor, v, trimmed(v, strlen(v)));
	else if ((v = value_of(s, "Neighbor AS")))
		number(v, &p->neighbor_as, NULL);
	else if ((v = value_of(s, "Local AS")))
		number(v, &p->local_as, NULL);
	else if ((v = value_of(s, "Last error")))
		COPY(p->last_error, v, trimmed(v, strlen(v)));
}

static void detail_line(struct detail *d, const char *text)
{
	const char *s = skip_spaces(text);

	d->p->detailed = true;
	if (strncmp(s, "Channel ", 8) == 0) {
		struct bird_proto *p = d->p;

		d->in_channel = true;
		d->limit = NULL;
		d->ch = NULL;
		p->channels_seen++;
		if (p->n_channels < BIRD_CHANNELS_MAX) {
			d->ch = &p->channels[p->n_channels++];
			s = skip_spaces(s + 8);
			COPY(d->ch->name, s, trimmed(s, strlen(s)));
		}
		return;
	}
	if (d->in_channel)
		channel_line(d, s);
	else
		proto_line(d, s);
}

static int add_proto(struct bird_protos *out, size_t *cap, struct xerr *e)
{
	struct bird_proto *v;

	if (out->n == BIRD_PROTOS_MAX)
		return xerr_set(e, "bird reply lists more than %d protocols", BIRD_PROTOS_MAX);
	if (out->n == *cap) {
		size_t n = *cap ? *cap * 2 : 8;

		v = realloc(out->v, n * sizeof(*v));
		if (!v)
			return xerr_set(e, "out of memory");
		out->v = v;
		*cap = n;
	}
	memset(&out->v[out->n++], 0, sizeof(*out->v));
	return 0;
}

static int parse_lines(const struct bird_reply *r, struct bird_protos *out, struct xerr *e)
{
	struct detail d = {0};
	size_t cap = 0;

	for (size_t i = 0; i + 1 < r->n; i++) {
		const struct bird_line *l = &r->lines[i];

		if (l->code == CODE_TABLE_ROW) {
			if (add_proto(out, &cap, e) < 0)
				return -1;
			d = (struct detail){.p = &out->v[out->n - 1]};
			if (parse_row(l->text, d.p, e) < 0)
				return -1;
		} else if (l->code == CODE_DETAIL) {
			if (!d.p)
				return xerr_set(e, "bird protocol details before any protocol");
			detail_line(&d, l->text);
		} else if (bird_code_class(l->code) != BIRD_CLASS_DATA) {
			return xerr_set(e, "bird sent code %04d inside a protocol list", l->code);
		}
	}
	return 0;
}

int bird_protos_parse(const struct bird_reply *r, struct bird_protos *out, struct xerr *e)
{
	*out = (struct bird_protos){0};
	if (!r || !r->n)
		return xerr_set(e, "empty bird reply");
	if (bird_code_class(r->code) != BIRD_CLASS_OK)
		return xerr_set(e, "bird: %04d %s", r->code, bird_reply_last(r));
	if (parse_lines(r, out, e) < 0) {
		bird_protos_free(out);
		return -1;
	}
	return 0;
}

void bird_protos_free(struct bird_protos *p)
{
	free(p->v);
	*p = (struct bird_protos){0};
}

size_t bird_protos_reply_max(size_t n)
{
	if (n > BIRD_PROTOS_MAX)
		n = BIRD_PROTOS_MAX;
	return BIRD_REPLY_MAX + n * BIRD_PROTO_REPLY_COST;
}

const struct bird_proto *bird_protos_find(const struct bird_protos *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0)
			return &p->v[i];
	return NULL;
}

static bool conf_accepted(int code)
{
	switch (code) {
	case 3:	 /* Reconfigured */
	case 4:	 /* Reconfiguration in progress */
	case 5:	 /* queued behind one in progress */
	case 17: /* replaced the queued one */
	case 18: /* confirmed */
	case 19: /* nothing to do */
	case 20: /* Configuration OK (check) */
		return true;
	default:
		return false;
	}
}

/* "FILE:LINE:COL TEXT": FILE is what comes before the first ":N:N ". */
static void conf_position(const char *s, struct bird_configure *out)
{
	for (const char *c = strchr(s, ':'); c; c = strchr(c + 1, ':')) {
		unsigned long line, col;
		const char *p;

		if (number(c + 1, &line, &p) < 0 || *p != ':' || number(p + 1, &col, &p) < 0 ||
		    *p != ' ' || line > 0xffffffffUL || col > 0xffffffffUL)
			continue;
		copy(out->file, sizeof(out->file), s, (size_t)(c - s));
		out->line = (unsigned)line;
		out->col = (unsigned)col;
		COPY(out->text, p + 1, strlen(p + 1));
		return;
	}
	COPY(out->text, s, strlen(s));
}

void bird_configure_parse(const struct bird_reply *r, struct bird_configure *out)
{
	const char *last = bird_reply_last(r);

	*out = (struct bird_configure){0};
	out->code = r ? r->code : -1;
	out->ok = r && conf_accepted(r->code);
	COPY(out->message, last, strlen(last));
	if (!out->ok)
		conf_position(last, out);
}

bool bird_proto_carries(const struct bird_proto *p)
{
	if (!p || p->bgp != BIRD_BGP_ESTABLISHED)
		return false;
	for (size_t i = 0; i < p->n_channels && i < BIRD_CHANNELS_MAX; i++)
		if (p->channels[i].imported)
			return true;
	return false;
}
