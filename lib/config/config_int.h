/*
 * Shared between the config loader's files; not for other modules.
 *
 * config.c holds every default and the enum names, config_parse.c turns a
 * JSON object into its struct, config_load.c a document (config_reuse.c
 * copying what an earlier config already loaded), config_psk.c deals with
 * key material (config_keyfile.c reads key files), config_check.c does the
 * semantic checks that need more than one field, config_ike.c those of
 * proposals, IKE timers and lifetimes, and config_ident.c compares
 * identities the way charon does; config_addr.c and config_underlay.c
 * check addresses.
 * config_bgp.c parses and checks a connection's bgp section, the tunnels'
 * inside addresses and gateway.bird (the inside addresses across the
 * gateway are config_underlay.c's); config_lan.c gateway.lan, with the
 * bgp section's rules. config_hosts.c parses gateway.hosts and gives each
 * tunnel its host; config_host_select.c finds this machine's host and
 * keeps only its tunnels. config_cloud.c parses peer_cloud and gives the
 * hints of its cloud's defaults (config_cloud_fit.c: does a proposal fit).
 * Calls go one way: load -> reuse -> parse -> bgp, load -> parse,
 * parse -> hosts, parse -> lan -> bgp, parse -> cloud -> fit -> ike,
 * cloud -> ident.
 */
#ifndef XFRMD_CONFIG_INT_H
#define XFRMD_CONFIG_INT_H

#include <sys/stat.h>
#include <sys/types.h>

#include "config.h"

#define CFG_REKEY_MIN	      60u
#define CFG_REKEY_MAX	      31536000u
#define CFG_DPD_INTERVAL_MAX  3600u
#define CFG_DPD_TIMEOUT_MAX   3600u
#define CFG_HOLD_DOWN_MAX     86400u
#define CFG_PROBE_MS_MIN      10u
#define CFG_PROBE_MS_MAX      60000u
#define CFG_PROBE_LOSS_MAX    100u
#define CFG_PROBE_RESTART_MAX 3600u
#define CFG_PSK_FILE_MAX      1024u  /* bytes in a psk_file at most */
#define CFG_BGP_TIMER_MAX     65535u /* s: BGP's hold time is 16 bits */
#define CFG_BGP_HOLD_MIN      3u     /* s, unless 0 (RFC 4271 4.2) */
#define CFG_BGP_PREFIXES_MAX  1000000u
#define CFG_BFD_MS_MIN	      10u
#define CFG_BFD_MS_MAX	      60000u
#define CFG_BFD_MULT_MAX      255u
/* Volume limits of a CHILD_SA: below these a busy tunnel would spend its
 * time rekeying (a rekey is an IKE exchange, with PFS a key exchange);
 * the most a JSON number holds exactly (2^53 - 1) above. */
#define CFG_BYTES_MIN	1048576u
#define CFG_PACKETS_MIN 1000u
#define CFG_VOLUME_MAX	9007199254740991ull
/* Replay window, packets: 32 is charon's default and what the kernel's
 * legacy replay state holds; charon puts larger ones in
 * XFRMA_REPLAY_ESN_VAL, whose bitmap Linux caps at 128 32-bit words
 * (verify_replay: XFRMA_REPLAY_ESN_MAX / 4 / 8, "ESN bitmap length must
 * be <= 128"), 4096 packets. 0 would turn replay protection off:
 * refused. */
#define CFG_REPLAY_MIN 32u
#define CFG_REPLAY_MAX 4096u

struct cfg_names {
	const char *const *v;
	size_t n;
};

extern const struct cfg_names cfg_mode_names, cfg_redundancy_names, cfg_role_names, cfg_start_names,
    cfg_dpd_action_names, cfg_nat_t_names, cfg_publish_names, cfg_ifkind_names,
    cfg_max_action_names;

/* Index of s in names, or -1. */
int cfg_names_find(const struct cfg_names *names, const char *s);

void cfg_gateway_defaults(struct cfg_gateway *gw);
/* Defaults that depend on nothing in the connection itself. c and t must
 * be zeroed already (calloc); their strings are NULL until loaded. */
void cfg_conn_defaults(struct cfg_connection *c, const struct cfg_gateway *gw);
void cfg_tunnel_defaults(struct cfg_tunnel *t, size_t index);
void cfg_bgp_defaults(struct cfg_bgp *b);
/* Defaults that depend on other fields (IKE version, addresses); run once
 * the connection has been parsed. */
int cfg_conn_late_defaults(struct cfg_connection *c); /* -1: out of memory */
bool cfg_table_ok(uint32_t table);

/* 0 if psk (len bytes) is a valid key; else -1 and a reason that never
 * quotes the key. */
int cfg_psk_check(const char *psk, size_t len, char *why, size_t whylen);
/* The keys of an earlier config's key files, sorted by path. */
struct cfg_x509_ref;
struct cfg_key_cache {
	const struct cfg_tunnel **t;
	size_t n;
	struct cfg_x509_ref *x; /* the X.509 files, sorted by path and kind */
	size_t nx;
};
int cfg_key_cache_init(struct cfg_key_cache *c, const struct cfg_config *prev);
void cfg_key_cache_free(struct cfg_key_cache *c);
/* Reads t->psk_file into t->psk (and t->psk_stamp) after checking it is a
 * private regular file, or takes the key from the cache (may be NULL) if
 * the file's stamp is unchanged. config_dir: where the config file is
 * (NULL: the current directory), for advice only. The error is "<path>
 * ..." without a JSON path. */
int cfg_psk_load(const struct cfg_key_cache *c, struct cfg_tunnel *t, const char *config_dir,
		 struct xerr *e);
/* Reads a whole config file (at most max bytes) and reports its permission
 * bits. Only a regular file is opened, O_NONBLOCK, and fstat must agree
 * (config_keyfile.c): a named pipe or a device never blocks the caller,
 * "PATH is a named pipe (FIFO); a config file must be a regular file". */
char *cfg_read_file(const char *path, size_t max, size_t *len, mode_t *mode, struct xerr *e);

/* Reads t->psk_file again only if its stamp is no longer t->psk_stamp;
 * the mode is checked either way. */
int cfg_psk_refresh(struct cfg_tunnel *t, struct xerr *e);

/* Key files (config_keyfile.c); errors start with the path, a symlink
 * named with its target. stat: fails unless path leads to a regular file
 * of at most CFG_PSK_FILE_MAX bytes (nothing is opened). private: fails if
 * group or others may read or write the file; the error advises chmod
 * only for the caller's own file in config_dir (NULL: the current
 * directory). load: stat, a non-blocking open whose fstat (in *st) must
 * agree, the text (cfg_psk_file_text), private; the key into key (size
 * bytes, NUL-terminated). */
int cfg_keyfile_stat(const char *path, struct stat *st, struct xerr *e);
int cfg_keyfile_private(const char *path, const struct stat *st, const char *config_dir,
			struct xerr *e);
int cfg_keyfile_load(const char *path, const char *config_dir, char *key, size_t size,
		     struct stat *st, struct xerr *e);
/* A whole file of at most max bytes (what: "a certificate file", "a
 * private key file"), with cfg_read_file's care: only a regular file is
 * opened, non-blocking, its fstat in *st. The caller wipes a key's bytes. */
char *cfg_file_blob(const char *path, size_t max, const char *what, struct stat *st, size_t *len,
		    struct xerr *e);
/* A file's stamp (config_keyfile.c) and whether two are the same version. */
struct cfg_file_stamp cfg_stamp_of(const struct stat *st);
bool cfg_stamp_equal(const struct cfg_file_stamp *a, const struct cfg_file_stamp *b);

/* X.509 tunnels (config_x509.c). cfg_x509_finish: once a tunnel object is parsed, its cert_file,
 * key_file and ca_file (all three or none; none with psk or psk_file)
 * read, unless keys_later (x509->unread). cfg_x509_load: the three files
 * read, each taken from the cache while its stamp is unchanged; errors
 * name the field ("key_file: PATH is readable by ..."); an expired
 * certificate is refused unless saved. refresh: re-reads the files whose
 * stamps changed (a connection copied from an earlier config), and fails
 * (the caller then loads the whole document) on a mismatched key or an
 * expired certificate. */
struct pctx;
struct json_object;
int cfg_x509_finish(struct pctx *x, struct cfg_tunnel *t, bool cert, bool key, bool ca, bool psk);
int cfg_x509_load(const struct cfg_key_cache *c, struct cfg_x509 *x, const char *config_dir,
		  bool saved, struct xerr *e);
int cfg_x509_refresh(struct cfg_x509 *x, struct xerr *e);
int cfg_x509_copy(struct cfg_x509 **dst, const struct cfg_x509 *src);
void cfg_x509_free(struct cfg_x509 *x);
/* The three files of an X.509 tunnel, and what each gives
 * (config_x509_mem.c): path, stamp; drop frees a kind's bytes, take
 * copies them (and the stamp) from src. */
enum { X_CERT, X_KEY, X_CA, X_KINDS };
const char *cfg_x509_path(const struct cfg_x509 *x, int kind);
char **cfg_x509_path_at(struct cfg_x509 *x, int kind);
struct cfg_file_stamp *cfg_x509_stamp_at(struct cfg_x509 *x, int kind);
void cfg_x509_drop(struct cfg_x509 *x, int kind);
int cfg_x509_take(struct cfg_x509 *x, const struct cfg_x509 *src, int kind);
/* The cache's X.509 part (cfg_key_cache_init / _free call these). */
int cfg_x509_cache_init(struct cfg_key_cache *c, const struct cfg_config *prev);
void cfg_x509_cache_free(struct cfg_key_cache *c);
/* connections[i].tunnels[j].cert_file, key_file, ca_file (dst: the
 * tunnel), for config_parse.c's key table. */
int cfg_parse_cert_file(struct pctx *x, struct json_object *v, void *dst);
int cfg_parse_key_file(struct pctx *x, struct json_object *v, void *dst);
int cfg_parse_ca_file(struct pctx *x, struct json_object *v, void *dst);

/* A key file's text: the key and at most one newline. *keylen: the key's
 * length; else -1 and a reason (a CR LF line end, blank or further lines,
 * a byte order mark, a bad character) that never quotes the key. */
int cfg_psk_file_text(const char *buf, size_t len, size_t *keylen, char *why, size_t whylen);

/* One connection or the gateway from its JSON object, defaults filled
 * (config_parse.c). Errors name "connections[i]..." or "gateway...". */
struct pctx;
struct json_object;
int cfg_parse_conn(struct pctx *x, struct json_object *v, size_t i, const struct cfg_gateway *gw,
		   struct cfg_connection *c);
int cfg_parse_gateway(struct pctx *x, struct json_object *v, struct cfg_gateway *gw);
/* config_bgp.c, for config_parse.c's key tables: connections[i].bgp,
 * tunnels[j].inside and gateway.bird (the path is x's). bgp_finish runs
 * once the whole connection is parsed, before its late defaults: bgp
 * only in route mode, inside on every tunnel of a bgp connection and on
 * none of another. */
int cfg_parse_bgp(struct pctx *x, struct json_object *v, struct cfg_bgp *b);
int cfg_parse_inside(struct pctx *x, struct json_object *v, struct cfg_inside *in);
int cfg_parse_bird(struct pctx *x, struct json_object *v, struct cfg_bird *bird);
int cfg_bgp_finish(struct pctx *x, const struct cfg_connection *c);
/* The bgp section's rules, shared with gateway.lan (config_lan.c): a
 * 4-byte ASN, not reserved; the timers object into the fields t points to
 * (keepalive_set: it was given), then cfg_timers_finish (keepalive: a
 * third of hold unless given, else shorter than hold; its error names
 * "timers.keepalive" under x's path); bfd as false, true or an object. */
struct cfg_timers {
	uint32_t *hold, *keepalive, *connect_retry;
	bool keepalive_set;
};
int cfg_parse_asn(struct pctx *x, struct json_object *v, uint32_t *out);
int cfg_parse_timers(struct pctx *x, struct json_object *v, struct cfg_timers *t);
int cfg_timers_finish(struct pctx *x, const struct cfg_timers *t);
int cfg_parse_bfd(struct pctx *x, struct json_object *v, struct cfg_bfd *f);
/* connections[i].peer_cloud (config_cloud.c), for config_parse.c's key
 * table. */
int cfg_parse_peer_cloud(struct pctx *x, struct json_object *v, void *dst);
/* config_mtu.c: connections[i].ike.fragmentation and connections[i].mtu
 * for config_parse.c's key tables, and their checks once the connection
 * is read: mtu only in route mode, at least 1280 when the connection
 * carries IPv6 (576 otherwise); fragmentation force only with IKEv1. */
int cfg_parse_ike_fragmentation(struct pctx *x, struct json_object *v, void *dst);
int cfg_parse_mtu(struct pctx *x, struct json_object *v, void *dst);
int cfg_mtu_finish(struct pctx *x, const struct cfg_connection *c);
/* connections[i].mss and .nat, gateway.nat (config_nat_parse.c). nat_finish,
 * once the connection is parsed: NAT without bgp;
 * each internal inside the connection's local (egress) or remote
 * (ingress) prefixes; the translated prefixes do not overlap each other
 * or the other side's. cfg_check_nat_gateway: the NAT marks' tables and
 * rule priority clear of gateway.route_table and probe_table. */
int cfg_parse_mss(struct pctx *x, struct json_object *v, void *dst);
int cfg_parse_nat(struct pctx *x, struct json_object *v, void *dst);
int cfg_parse_gw_nat(struct pctx *x, struct json_object *v, void *dst);
int cfg_nat_finish(struct pctx *x, const struct cfg_connection *c);
int cfg_check_nat_gateway(const struct cfg_gateway *gw, struct xerr *e);
/* A proposal token's transform type (config_ike.c, strongSwan's
 * keywords): TOK_OTHER for an additional key exchange (ke1_ .. ke7_, RFC
 * 9370), none/modpnone/modpnull and esn/noesn; TOK_UNKNOWN for a word
 * strongSwan does not know. cfg_tok_no_ke: none, modpnone, modpnull. */
enum tok_kind {
	TOK_UNKNOWN,
	TOK_ENC,
	TOK_AEAD,
	TOK_NULL_ENC,
	TOK_INTEG,
	TOK_PRF,
	TOK_KE,
	TOK_OTHER
};
enum tok_kind cfg_tok_kind(const char *tok, size_t len);
bool cfg_tok_no_ke(const char *tok, size_t len);
bool cfg_tok_extra_ke(const char *tok, size_t len);
/* An algorithm combination a cloud VPN gateway takes, each kind a list of
 * strongSwan's keywords (space-separated). hash: integrity algorithms
 * and PRFs by their hash (sha1, sha256, sha384, sha512, md5), "" for AEAD
 * without integrity; ke: "none" is no PFS (ESP). cfg_cloud_fits: each
 * kind of the proposal holds one of the suite's (config_cloud_fit.c); an
 * additional key exchange (ke1_ .. ke7_) only if it may be none. */
struct cfg_cloud_suite {
	const char *enc, *hash, *ke;
};
bool cfg_cloud_fits(const char *proposal, const struct cfg_cloud_suite *s);
/* gateway.hosts and what follows from it (config_hosts.c): the hosts,
 * each name and address once in the gateway; once the gateway is parsed,
 * cfg_hosts_finish: with gateway.local_addresses given, every host
 * address is one of them. cfg_tunnels_host sets the tunnels' host (the
 * one holding its local address; none: an error naming the tunnel's
 * local, with x's path at the connection). */
int cfg_parse_hosts(struct pctx *x, struct json_object *v, struct cfg_gateway *gw);
int cfg_hosts_finish(struct pctx *x, const struct cfg_gateway *gw);
int cfg_tunnels_host(struct pctx *x, const struct cfg_gateway *gw, struct cfg_connection *c);
/* gateway.lan (config_lan.c): its neighbors each once; where they may
 * not be is config_underlay.c's. */
int cfg_parse_lan(struct pctx *x, struct json_object *v, struct cfg_lan *lan);
/* What needs more than one field of connection ci: announce and accept
 * entries of the connection's families, each once; inside addresses that
 * are unicast and not IPv4-mapped. */
int cfg_check_bgp(const struct cfg_connection *c, size_t ci, struct xerr *e);
/* nat with bgp: announce within the translated local prefixes, accept
 * within ingress internals (config_nat_bgp.c). */
int cfg_check_nat_bgp(const struct cfg_connection *c, size_t ci, struct xerr *e);

/* A deep copy of a loaded connection, as the loader left it: what the
 * daemon fills in later (tunnel ids, generated keys) is not copied. */
int cfg_conn_copy(struct cfg_connection *dst, const struct cfg_connection *src);
/* Frees what a connection / a tunnel owns, keys wiped (config.c). */
void cfg_conn_free(struct cfg_connection *c);
void cfg_tunnel_free(struct cfg_tunnel *t);

/* Where the gateway and each connection are in a document of the plain
 * shape {"gateway": {...}, "connections": [{...}, ...]} (JSON whitespace
 * only between them, each key once). -1 for anything else, which only
 * means the document must be loaded whole (config_reuse.c). */
struct cfg_doc_layout {
	struct cfg_span gateway;
	size_t n;
	struct cfg_span *conns;
};
int cfg_doc_layout(const char *text, size_t len, struct cfg_doc_layout *lay);
/* The config of a laid-out document, connections unchanged since prev
 * copied from it; NULL if anything failed (nothing is reported: the
 * caller loads the whole document, whose errors are the ones to give). */
struct cfg_config *cfg_load_reusing(const char *text, const struct cfg_doc_layout *lay,
				    const char *base_dir, const struct cfg_config *prev, bool saved,
				    bool keys_later);

/* Syntax of one proposal string; NULL or the reason it is malformed. */
const char *cfg_proposal_syntax(const char *p);
/* Proposals (weak algorithms included), lifetimes (ike and esp
 * life_time, rand_time, volumes: saved or not, no earlier xfrmd took
 * them) and IKEv1 DPD timers of connection ci, unless saved
 * (cfg_load_saved: proposals and lifetimes only); prev is the connection
 * checked before it (NULL: none), whose identical proposals need no
 * second look (config_ike.c). */
int cfg_check_ike(const struct cfg_connection *c, const struct cfg_connection *prev, size_t ci,
		  bool saved, struct xerr *e);
int cfg_check(const struct cfg_config *cfg, struct xerr *e);

/* Address checks (config_addr.c): endpoints' kinds (unicast only),
 * tunnels with one address at both ends, IPv4-mapped prefixes and probe
 * addresses; the gateway's addresses' kinds. */
int cfg_check_conn_addrs(const struct cfg_connection *c, size_t ci, struct xerr *e);
int cfg_check_gateway_addrs(const struct cfg_gateway *gw, struct xerr *e);
/* Across the gateway (config_underlay.c): no remote prefix covers a
 * tunnel endpoint or gateway address (gateway.local_addresses and the
 * hosts' addresses), no tunnel's peer is the gateway's own address, no
 * connection's remote prefix is another's local one; no inside subnet is
 * used twice or overlaps a local or remote prefix or an underlay address;
 * no LAN neighbor is the gateway's own address or inside a remote prefix
 * or an inside subnet. */
int cfg_check_underlay(const struct cfg_config *cfg, struct xerr *e);
/* An IKE identity as charon tells identities apart: its type and value,
 * host names and e-mail addresses lowercased, addresses as bytes
 * (config_ident.c). Equal keys: charon cannot tell the identities apart. */
struct cfg_id_key {
	unsigned kind; /* libstrongswan's id_type_t */
	size_t len;
	unsigned char v[CFG_ID_MAX];
};
void cfg_id_key(const char *id, struct cfg_id_key *k);
/* The identity as written: the key of cfg_load_saved, which compares
 * identities the way xfrmd did before. */
void cfg_id_key_text(const char *id, struct cfg_id_key *k);
int cfg_id_key_cmp(const struct cfg_id_key *a, const struct cfg_id_key *b);

#endif
