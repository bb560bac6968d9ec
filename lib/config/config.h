/*
 * The desired state: one gateway and its connections, as loaded from JSON.
 *
 * Plain structs. Every field has its default filled in after loading, so
 * consumers never re-derive defaults; `set` bits record what the document
 * said explicitly (for plan output and peer export).
 */
#ifndef XFRMD_CONFIG_H
#define XFRMD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"
#include "xerr.h"

#define CFG_NAME_MAX	    32	/* connection and gateway names: [A-Za-z0-9_.-] */
#define CFG_ID_MAX	    256 /* IKE identities */
#define CFG_PSK_MAX	    100 /* characters */
#define CFG_PATH_MAX	    4096
#define CFG_TUNNELS_MAX	    2
#define CFG_PROPOSALS_MAX   8
#define CFG_PROPOSAL_LEN    128
#define CFG_LOCAL_ADDRS_MAX 16
#define CFG_PREFIXES_MAX    256		/* per prefix list, and route overrides */
#define CFG_CONNS_MAX	    16384	/* a gateway's, over all its hosts */
#define CFG_DOC_MAX	    (16u << 20) /* largest config document accepted */

enum cfg_mode { CFG_MODE_POLICY, CFG_MODE_ROUTE };
enum cfg_redundancy { CFG_RED_ACTIVE_STANDBY, CFG_RED_ACTIVE_ACTIVE };
enum cfg_role { CFG_ROLE_PRIMARY, CFG_ROLE_STANDBY };
enum cfg_start { CFG_START_IMMEDIATE, CFG_START_ON_TRAFFIC };
enum cfg_dpd_action { CFG_DPD_RESTART, CFG_DPD_CLEAR, CFG_DPD_TRAP };
enum cfg_nat_t { CFG_NAT_T_AUTO, CFG_NAT_T_FORCE };
enum cfg_publish { CFG_PUBLISH_AUTO, CFG_PUBLISH_MANUAL };
enum cfg_ifkind { CFG_IF_XFRM, CFG_IF_VTI };
enum cfg_max_action { CFG_MAX_WARN, CFG_MAX_BLOCK, CFG_MAX_RESTART, CFG_MAX_DISABLE };
enum cfg_cloud { CFG_CLOUD_NONE, CFG_CLOUD_AWS, CFG_CLOUD_AZURE, CFG_CLOUD_ALIBABA };
/* ike.fragmentation, charon's values; yes (0) is the default. */
enum cfg_frag { CFG_FRAG_YES, CFG_FRAG_ACCEPT, CFG_FRAG_FORCE, CFG_FRAG_NO };

/* Strings are heap copies owned by the config (cfg_free frees them): inline
 * buffers of the largest allowed size made every connection ~12 KiB. */
struct cfg_proposals {
	size_t n;
	char *v[CFG_PROPOSALS_MAX]; /* each shorter than CFG_PROPOSAL_LEN */
};

/* One version of a file: while the stamp is the same, its bytes are taken
 * to be the same (the rule make and git rely on). */
struct cfg_file_stamp {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
};

/* A tunnel's inside addresses, the ends of its BGP session (the
 * connection's bgp section): local goes on the tunnel's interface. */
struct cfg_inside {
	bool set;	      /* given; every tunnel of a bgp connection has them */
	struct prefix subnet; /* /30 or /31 (IPv6 /126 or /127), host bits zero */
	struct ipaddr local;  /* inside subnet, as "local" wrote it with subnet.len */
	struct ipaddr peer;   /* inside subnet, not local */
};

/* A tunnel's X.509 authentication (cert_file, key_file, ca_file, given
 * together; config_x509.c): charon signs with the key, shows the
 * certificate and trusts the CAs for the remote's. Paths resolved like
 * psk_file; each file's stamp as when it was read (unchanged: not read
 * again). */
#define CFG_CA_MAX 8
struct cfg_blob {
	uint8_t *v;
	size_t len;
};
struct cfg_x509 {
	char *cert_file, *key_file, *ca_file;
	struct cfg_file_stamp cert_stamp, key_stamp, ca_stamp;
	struct cfg_blob cert; /* DER */
	struct cfg_blob key;  /* the key file's bytes, PEM or DER; wiped when freed */
	size_t n_ca;
	struct cfg_blob ca[CFG_CA_MAX]; /* DER, one per certificate of ca_file */
	char subject[256];		/* the certificate's, "C=CH, O=Lab, CN=gwa" */
	int64_t not_before, not_after;	/* the certificate's, Unix seconds */
	int64_t ca_not_after;		/* the earliest of the CA certificates' */
	bool unread;			/* cfg_load_keys_later: nothing read yet */
};

struct cfg_tunnel {
	struct ipaddr local, remote;
	char *local_id;	 /* shorter than CFG_ID_MAX; default: the local address */
	char *remote_id; /* shorter than CFG_ID_MAX; default: the remote address */
	/* At most one of psk / psk_file is given in JSON; after loading the
	 * key itself is in psk (read from psk_file if that was used). With
	 * neither, psk_auto is set and psk stays empty: the daemon generates
	 * the key and keeps it in its state directory. */
	char psk[CFG_PSK_MAX + 1];
	char *psk_file;			 /* resolved path, shorter than CFG_PATH_MAX; NULL: none */
	struct cfg_file_stamp psk_stamp; /* of psk_file when it was read */
	bool psk_from_file;
	bool psk_auto;
	/* psk_file not read yet (cfg_load_keys_later): no key in psk until
	 * cfg_keys_read. */
	bool psk_unread;
	enum cfg_role role; /* default: tunnel 1 primary, tunnel 2 standby */
	struct cfg_inside inside;
	/* X.509 instead of a PSK (psk_auto false, psk empty); NULL: PSK. */
	struct cfg_x509 *x509;
	/* local_id was given: an X.509 tunnel without it leaves the identity
	 * to charon, which takes the certificate's subject. */
	bool local_id_set;
	/* Not from JSON: the tunnel's position in the document's tunnels
	 * (1-based), kept when cfg_host_select drops the tunnels another host
	 * of the gateway runs; and the host running it (1-based index into
	 * gateway.hosts, 0 when the gateway names no hosts). */
	uint32_t number;
	uint32_t host;
	/* Not from JSON: xfrmd's stable number for this tunnel (1..), from
	 * which its reqid, XFRM interface id / VTI key and link name derive.
	 * 0 until the daemon assigns it. */
	uint32_t id;
};

struct cfg_route_override {
	struct prefix prefix;
	enum cfg_publish publish;
	uint32_t metric;
	bool metric_set;
};

struct cfg_routes {
	enum cfg_publish publish; /* default auto */
	uint32_t table;		  /* default: gateway.route_table */
	uint32_t metric;	  /* default 100 */
	size_t n_overrides;
	struct cfg_route_override *overrides;
};

/* A route BGP may learn: prefix itself or any longer one up to
 * max_length (a string entry: up to 32 / 128). */
struct cfg_bgp_accept {
	struct prefix prefix;
	uint8_t max_length; /* prefix.len .. 32 / 128 */
};

struct cfg_bfd {
	bool enabled;	      /* default false; true or an object: on */
	uint32_t interval_ms; /* default 300 */
	uint32_t multiplier;  /* default 3 */
};

/* A connection's BGP sessions, one per tunnel over its inside addresses
 * (route mode). The section's presence is the switch: enabled. */
struct cfg_bgp {
	bool enabled;
	uint32_t local_asn, peer_asn; /* 4-byte, not reserved, not equal */
	/* Default: local_prefixes, with announce_set false. */
	size_t n_announce;
	struct prefix *announce;
	bool announce_set;
	/* Default: remote_prefixes, each up to 32 / 128, accept_set false. */
	size_t n_accept;
	struct cfg_bgp_accept *accept;
	bool accept_set;
	uint32_t max_prefixes;		/* 0: no limit (default) */
	enum cfg_max_action max_action; /* default restart */
	uint32_t hold;			/* s, default 30; 0 or 3..65535 */
	uint32_t keepalive;		/* s, default hold / 3 */
	uint32_t connect_retry;		/* s, default 5 */
	struct cfg_bfd bfd;
};

/* What a connection says of its SAs' lives beyond rekey_time. Each value
 * goes to charon only when the config gives it (0, or rand_set false: not
 * given), so charon's own default holds, as before these keys existed. */
struct cfg_ike_life {
	/* s, after rekey_time; charon's over_time is life_time - rekey_time.
	 * 0: not given (charon: over_time 10% of rekey_time). */
	uint32_t life_time;
	/* s, at most half of rekey_time, when rand_set; not given: charon's
	 * min(over_time, rekey_time / 2). */
	uint32_t rand_time;
	bool rand_set;
};

struct cfg_child_life {
	uint32_t life_time; /* s, after rekey_time; 0: not given (rekey_time + 10%) */
	/* s, at most half of rekey_time, when rand_set; not given: charon's
	 * life_time - rekey_time, which must then be at most half too. */
	uint32_t rand_time;
	bool rand_set;
	/* 0: not given. rekey_* alone: charon expires the SA at 110% of it.
	 * life_* only with rekey_* (strongSwan before 5.9.9 would never
	 * rekey on volume: the SA would just expire), above it by at most
	 * half of it (charon's rand_bytes/rand_packets: the difference). */
	uint64_t rekey_bytes, life_bytes;
	uint64_t rekey_packets, life_packets;
	uint32_t replay_window; /* packets, 32..4096; 0: not given (charon's, 32) */
};

/* Static 1:1 NAT of a whole prefix (connections[].nat, Azure's model;
 * config_nat.c). egress: internal is one of our local prefixes (or inside
 * one) as it really is, external how the far side sees it. ingress:
 * internal is the far side's prefix as it really is (inside a remote
 * prefix), external how our side sees it. Equal lengths, one family. */
#define CFG_NAT_MAX 16
enum cfg_nat_type { CFG_NAT_EGRESS, CFG_NAT_INGRESS };
struct cfg_nat_rule {
	enum cfg_nat_type type;
	struct prefix internal, external;
};

/* MSS clamp of a connection's TCP SYNs (connections[].mss): 0 none
 * (default), CFG_MSS_AUTO the path's MTU (nft's rt mtu), else the value. */
#define CFG_MSS_AUTO UINT32_MAX
#define CFG_MSS_MIN  536u
#define CFG_MSS_MAX  1460u

/* Where a piece of the document sits in cfg_config.src. */
struct cfg_span {
	uint32_t off, len; /* len 0: unknown */
};

struct cfg_connection {
	char name[CFG_NAME_MAX + 1];
	enum cfg_mode mode;		/* default policy */
	enum cfg_redundancy redundancy; /* default active-standby */
	enum cfg_ifkind interface;	/* route mode: default xfrm */
	enum cfg_start start;		/* default immediate */
	size_t n_local, n_remote;
	struct prefix *local_prefixes, *remote_prefixes;
	size_t n_tunnels;
	struct cfg_tunnel tunnels[CFG_TUNNELS_MAX];

	unsigned ike_version; /* 1 or 2, default 2 */
	struct cfg_proposals ike_proposals, esp_proposals;
	/* Proposals may use the weak algorithms (3DES, SHA-1, MD5, MODP under
	 * 2048 bits, ...) a legacy peer needs; default false. */
	bool allow_legacy_crypto;
	uint32_t ike_rekey_time;	  /* seconds, default 14400 */
	uint32_t child_rekey_time;	  /* seconds, default 3600 */
	struct cfg_ike_life ike_life;	  /* ike.life_time, ike.rand_time */
	struct cfg_child_life child_life; /* esp.life_time, ... esp.replay_window */

	/* Not from JSON: its position in the document's connections, kept
	 * when cfg_host_select drops connections another host runs. */
	size_t index;

	uint32_t dpd_interval; /* seconds, default 10; 0 disables */
	uint32_t dpd_timeout;  /* seconds, IKEv1 only, default 30 */
	enum cfg_dpd_action dpd_action;

	enum cfg_nat_t nat_t;	     /* default auto */
	bool fail_closed;	     /* default true */
	uint32_t failback_hold_down; /* seconds, default 30 */
	uint32_t probe_interval_ms;  /* 0 = no data-path probe (default) */
	uint32_t probe_loss;	     /* probes lost before dead, default 3 */
	/* seconds of unanswered probes with the SAs up before xfrmd restarts
	 * the tunnel's IKE SA; 0 = never; default 5 */
	uint32_t probe_restart_after;
	/* ICMP echo from probe_source (a gateway address inside the local
	 * prefixes) to probe_target (inside the remote prefixes), once per
	 * tunnel, pinned to that tunnel. */
	struct ipaddr probe_source, probe_target;

	struct cfg_routes routes;
	struct cfg_bgp bgp;
	/* The cloud VPN gateway at the far end (peer_cloud), default none:
	 * only cfg_cloud_hint reads it, nothing of it reaches charon. */
	enum cfg_cloud peer_cloud;
	/* ike.fragmentation (config_mtu.c), sent to charon as is; default
	 * yes. force only with IKEv1. */
	enum cfg_frag ike_fragmentation;
	/* Route mode: the tunnel interfaces' MTU (576 or 1280 .. 9000,
	 * config_mtu.c); 0: not given, the link keeps the MTU it has (the
	 * kernel's default for its kind when xfrmd creates it). */
	uint32_t mtu;
	uint32_t mss; /* 0, CFG_MSS_AUTO or CFG_MSS_MIN..CFG_MSS_MAX */
	size_t n_nat;
	struct cfg_nat_rule nat[CFG_NAT_MAX];
	/* Not from the connection: gateway.nat's mark and table (cfg_nat_mark). */
	uint32_t nat_mark_base, nat_table_base;
	struct cfg_span src; /* this connection's object in the document */
	/* Not from JSON: cfg_host_select dropped some of its tunnels (so a
	 * later load may not copy it as the document's). */
	bool trimmed;
};

/* BIRD, the BGP engine of connections with a bgp section: its control
 * socket and the include file xfrmd owns; absolute paths. */
#define CFG_BIRD_SOCKET_MAX 107 /* sun_path holds 108 bytes with the NUL */
struct cfg_bird {
	char socket[CFG_BIRD_SOCKET_MAX + 1]; /* default /run/bird/bird.ctl */
	char include[CFG_PATH_MAX];	      /* default /etc/bird/xfrmd.conf */
};

/* One host of a gateway spread over several (issue 19): the same document
 * is applied on each, and each runs the tunnels whose local address is
 * one of its addresses. */
#define CFG_HOSTS_MAX 16
struct cfg_host {
	char name[CFG_NAME_MAX + 1];
	size_t n_addrs;
	struct ipaddr addrs[CFG_LOCAL_ADDRS_MAX];
};

/* The LAN side of a gateway: every host announces, over BGP to the site's
 * routers, the remote prefixes of the connections it can carry now. */
#define CFG_LAN_NEIGHBORS_MAX 8
struct cfg_lan_neighbor {
	struct ipaddr addr;
	uint32_t asn;
};
struct cfg_lan {
	bool enabled; /* gateway.lan is given */
	uint32_t local_asn;
	size_t n_neighbors;
	struct cfg_lan_neighbor neighbors[CFG_LAN_NEIGHBORS_MAX];
	uint32_t hold, keepalive, connect_retry; /* as in cfg_bgp */
	struct cfg_bfd bfd;			 /* default on */
};

struct cfg_gateway {
	char name[CFG_NAME_MAX + 1];
	size_t n_hosts; /* 0: one host runs every tunnel */
	struct cfg_host hosts[CFG_HOSTS_MAX];
	struct cfg_lan lan;
	size_t n_local_addrs;
	struct ipaddr local_addrs[CFG_LOCAL_ADDRS_MAX];
	char vici[CFG_PATH_MAX]; /* default unix:///var/run/charon.vici */
	uint32_t route_table;	 /* default 254 (main) */
	/* probes' own routes, looked up first by xfrmd's rule for locally
	 * generated ICMP (cmd/xfrmd/probe_path.c); default 211 */
	uint32_t probe_table;
	struct cfg_bird bird;
	/* gateway.nat: what routes a NAT connection's traffic to the far
	 * side's real prefixes (cmd/xfrmd/nft_link.c). The connection whose
	 * first tunnel has id N marks it nat_mark + N and looks it up in
	 * table nat_table + N from a rule at nat_rule_priority. */
	uint32_t nat_mark;	    /* default 0x78660000 */
	uint32_t nat_table;	    /* default 0x78660000 */
	uint32_t nat_rule_priority; /* default 212 */
};

/* A tunnel another host of the gateway runs, left out of this host's
 * config by cfg_host_select: enough for status to say where it is, and
 * to show a connection this host runs no tunnel of. */
struct cfg_away {
	char conn[CFG_NAME_MAX + 1];
	uint32_t number, host; /* as in cfg_tunnel */
	enum cfg_role role;
	struct ipaddr local, remote;
	/* its connection's, as in cfg_connection */
	enum cfg_mode mode;
	enum cfg_redundancy redundancy;
	enum cfg_start start;
	/* Where its connection is in cfg->conns, or would be: how many
	 * connections this host runs come before it in the document. */
	uint32_t conn_at;
	/* This host runs no tunnel of its connection: cfg_host_select
	 * removed the connection, cfg->conns[conn_at] is another one. */
	bool conn_away;
};

struct cfg_config {
	struct cfg_gateway gateway;
	size_t n_conns;
	struct cfg_connection *conns;
	/* The tunnels cfg_host_select dropped, in document order (so conn_at
	 * never decreases, and a connection's are next to each other); 0 and
	 * NULL until it drops one. */
	size_t n_away;
	struct cfg_away *away;
	/* The host cfg_host_select kept the tunnels of (1-based into
	 * gateway.hosts); 0: none selected. */
	uint32_t host;
	/* The document this was loaded from, as given, and what relative
	 * psk_file paths resolved against: the next load compares its text
	 * with these (cfg_load_text_since). NULL when loaded from a parsed
	 * document. */
	char *src;
	size_t src_len;
	char *src_base_dir;
	struct cfg_span gateway_src;
	/* Loaded by cfg_load_saved: the checks added after an earlier
	 * xfrmd accepted the text did not apply. */
	bool saved;
};

/* Load and check a JSON document. Errors name the JSON path:
 * "connections[1].tunnels[0].remote: not an IP address".
 * base_dir resolves relative psk_file paths (NULL: current directory). */
struct cfg_config *cfg_load_string(const char *json, size_t len, const char *base_dir,
				   struct xerr *e);
struct cfg_config *cfg_load_file(const char *path, struct xerr *e);
/* Loads a document's text against prev, the config loaded before it
 * (NULL: none): a connection whose text is byte for byte the text prev
 * loaded it from, in a document whose gateway text and base_dir are prev's
 * too, is copied from prev instead of parsed and checked again (its key
 * files are looked at all the same). The result, errors included, is the
 * one cfg_load_string gives; only the time differs. An apply that changed
 * one connection of 1,000 spent two thirds of its time parsing and
 * checking the other 999. The text is copied into the config (src). */
struct cfg_config *cfg_load_text_since(const char *text, size_t len, const char *base_dir,
				       const struct cfg_config *prev, struct xerr *e);
/* Loads text an earlier apply accepted and saved (the daemon's state at
 * start, its re-apply after charon restarts): as cfg_load_text_since, but
 * without the checks earlier versions did not make: weak
 * algorithms pass without allow_legacy_crypto, an IKEv1 dpd.timeout may be
 * shorter than dpd.interval, identities compare as written, gateway.vici
 * may be tcp://, and the text is read as json-c reads it, without the
 * strict JSON pass (a key given twice keeps its last value, as it did for
 * the xfrmd that applied it). A config an earlier xfrmd accepted must not
 * leave the gateway without its tunnels after an upgrade; cfg_weak_warning names
 * weak algorithms, and the next apply (cfg_load_text_since) refuses what
 * these checks find. Key files are checked as always. */
struct cfg_config *cfg_load_saved(const char *text, size_t len, const char *base_dir,
				  const struct cfg_config *prev, struct xerr *e);
/* For a host of a gateway (the daemon): cfg_load_text_since, or
 * cfg_load_saved when saved, reading no key file. cfg_host_select then
 * drops the tunnels the other hosts run, whose key files need not be on
 * this host, and cfg_keys_read reads the rest; until then a tunnel with a
 * psk_file has no key (psk_unread). */
struct cfg_config *cfg_load_keys_later(const char *text, size_t len, const char *base_dir,
				       const struct cfg_config *prev, bool saved, struct xerr *e);
/* Reads the key files cfg_load_keys_later left unread, with the checks a
 * load makes; a key whose file is unchanged since prev read it is taken
 * from prev. Errors name the field, "connections[2].tunnels[0].psk_file:
 * ...", as a load's do. */
int cfg_keys_read(struct cfg_config *cfg, const struct cfg_config *prev, struct xerr *e);
/* A config file's text, unparsed: what `xfrmctl apply` sends, leaving the
 * parse and the checks to the daemon (xfrmctl's own parse of a 1,000-
 * connection file was a third of an apply that changed one connection).
 * The file-mode rule for inline keys is cfg_load_file's: a file group or
 * others may read is parsed to look for them (its syntax errors then name
 * the file). base_dir (CFG_PATH_MAX bytes) receives the directory relative
 * psk_file paths resolve against. The caller zeroes and frees the text. */
char *cfg_read_doc_text(const char *path, char *base_dir, size_t *len, struct xerr *e);
/* Parses a document's text; NULL with "line L, column C: reason" on error. */
struct json_object *cfg_parse_doc(const char *text, size_t len, struct xerr *e);
void cfg_free(struct cfg_config *cfg);

const struct cfg_connection *cfg_find_conn(const struct cfg_config *cfg, const char *name);
/* A tunnel's number: its position in the document's tunnels of c, from 1
 * (tunnel.number; t + 1 for a tunnel built without one). It names the
 * tunnel to charon, in status and to operators, on whichever host of a
 * gateway runs it: after cfg_host_select, tunnel t of c may be number 2.
 * cfg_tunnel_at: the position in c->tunnels of the tunnel numbered
 * number; -1 when c has none (c NULL, or another host runs it). */
uint32_t cfg_tunnel_number(const struct cfg_connection *c, size_t t);
int cfg_tunnel_at(const struct cfg_connection *c, size_t number);

/* A gateway spread over several hosts (gateway.hosts; config_host_select.c).
 * cfg_host_find: the host (1-based index into gateway.hosts) that holds
 * at least one of the n_have addresses this machine has; 0 when the
 * gateway names no hosts; -1 when no host or more than one does, the
 * error naming them. cfg_host_index: the host named name; -1 with "no
 * host named X in gateway.hosts (have: a, b)". */
int cfg_host_find(const struct cfg_config *cfg, const struct ipaddr *have, size_t n_have,
		  struct xerr *e);
int cfg_host_index(const struct cfg_config *cfg, const char *name, struct xerr *e);
/* The name of host (1-based index into gateway.hosts, as cfg->host,
 * tunnel.host and away[].host); NULL for 0 or a host past the last. */
const char *cfg_host_name(const struct cfg_config *cfg, uint32_t host);
/* Keeps, in place, only the tunnels host runs (tunnel.host == host): the
 * others are freed, their keys wiped, and listed in cfg->away; a
 * connection left with no tunnel is removed (its tunnels' away entries
 * are conn_away, with what status shows of it). The checks the load made
 * are not made again: a kept connection may be left with its standby
 * tunnel alone. host 0 or a gateway without hosts: nothing changes; so
 * does selecting the same host again. -1 (nothing changed): host is not
 * one of gateway.hosts, or out of memory. */
int cfg_host_select(struct cfg_config *cfg, uint32_t host, struct xerr *e);

/* Every field of a tunnel's inside addresses / a connection's bgp. */
bool cfg_inside_equal(const struct cfg_inside *a, const struct cfg_inside *b);
bool cfg_bgp_equal(const struct cfg_bgp *a, const struct cfg_bgp *b);
/* Every field of a connection's ike_life and child_life. */
bool cfg_life_equal(const struct cfg_connection *a, const struct cfg_connection *b);
/* Every field of a connection's routes settings. */
bool cfg_routes_equal(const struct cfg_routes *a, const struct cfg_routes *b);
/* The log line an X.509 tunnel's certificates earn at now (Unix
 * seconds): "connections[0].tunnels[1].cert_file: the certificate (CN=gw)
 * expires in 12 days, on ..." within CFG_CERT_WARN_DAYS, *expired and
 * "... expired on ..." after; the same for its CA certificates. false,
 * buf empty: nothing to say (a PSK tunnel, or not read yet). */
#define CFG_CERT_WARN_DAYS 30
bool cfg_x509_warning(const struct cfg_connection *c, size_t t, int64_t now, char *buf, size_t len,
		      bool *expired);

/* Every field of two tunnels' X.509 settings (NULL: PSK), the files'
 * bytes and stamps included. */
bool cfg_x509_equal(const struct cfg_x509 *a, const struct cfg_x509 *b);

/* Every field the loader sets, keys and key-file stamps included; not
 * where the text was (src). For checking that two ways of loading agree. */
bool cfg_conn_equal(const struct cfg_connection *a, const struct cfg_connection *b);
bool cfg_equal(const struct cfg_config *a, const struct cfg_config *b);

/* Names for enums, as used in JSON. */
const char *cfg_mode_name(enum cfg_mode m);
const char *cfg_redundancy_name(enum cfg_redundancy r);
const char *cfg_role_name(enum cfg_role r);
const char *cfg_start_name(enum cfg_start s);
const char *cfg_dpd_action_name(enum cfg_dpd_action a);
const char *cfg_nat_t_name(enum cfg_nat_t n);
const char *cfg_publish_name(enum cfg_publish p);
const char *cfg_ifkind_name(enum cfg_ifkind k);
const char *cfg_max_action_name(enum cfg_max_action a);
/* "yes", "accept", "force", "no". */
const char *cfg_frag_name(enum cfg_frag f);
/* "aws", "azure", "alibaba"; "none" for CFG_CLOUD_NONE. */
const char *cfg_cloud_name(enum cfg_cloud c);

/* True if charon would take the two IKE identities for the same one:
 * "@GW.example" is "gw.example", "2001:DB8:0::1" is "2001:db8::1". */
bool cfg_id_equal(const char *a, const char *b);

/* True if c is an allowed PSK character. */
bool cfg_psk_char_ok(char c);
/* The same proposals in the same order. */
bool cfg_proposals_equal(const struct cfg_proposals *a, const struct cfg_proposals *b);

/* The weak algorithms a connection's IKE and ESP proposals use, each token
 * once, in order of appearance: what allow_legacy_crypto let through. */
#define CFG_WEAK_MAX 16
struct cfg_weak_algs {
	size_t n;		      /* how many; past CFG_WEAK_MAX only counted */
	const char *at[CFG_WEAK_MAX]; /* into the connection's proposal strings */
	size_t len[CFG_WEAK_MAX];
};
void cfg_conn_weak_algs(const struct cfg_connection *c, struct cfg_weak_algs *w);
/* "3des, sha1, modp1024" (", ..." when more than CFG_WEAK_MAX). */
const char *cfg_weak_algs_str(const struct cfg_weak_algs *w, char *buf, size_t len);
/* The warning a connection with weak algorithms earns wherever it is
 * accepted (validate, the daemon's log at apply): "connection NAME uses
 * weak algorithms (allow_legacy_crypto): LIST", or, without the opt-in
 * (cfg_load_saved), why they still run. false, buf empty: none. */
bool cfg_weak_warning(const struct cfg_connection *c, char *buf, size_t len);

/* Where connection ci (its index in the document) misses the documented
 * defaults of its peer_cloud (config_cloud.c): no ike or esp proposal the
 * cloud takes by default (and whether a custom policy on the cloud side
 * would take one), a rekey_time above the cloud's SA lifetime, DPD off or
 * clearing where the cloud never initiates again (AWS), an identity that
 * is not an address where the cloud knows only addresses, a key AWS
 * refuses or leaves to xfrmd's generator (never quoted). One hint per
 * call, e.g. "connections[0] (peer_cloud alibaba): no ike proposal is one
 * Alibaba Cloud accepts (...): propose one that is, e.g. ...": start
 * with *at 0 and call again while it returns true. false, buf empty: no
 * more (none at all without peer_cloud). Hints never refuse a config. */
bool cfg_cloud_hint(const struct cfg_connection *c, size_t ci, unsigned *at, char *buf, size_t len);

/* NAT (config_nat.c). cfg_nat_map: p translated by the first rule of
 * type whose internal holds it (true), else p itself (false).
 * cfg_nat_remote_seen: the remote prefixes as our network sees them
 * (ingress rules applied); cfg_nat_local_wire: the local prefixes as the
 * far side sees them (egress rules applied). A rule whose internal lies
 * strictly inside a prefix adds its external after the prefix. out has
 * room for CFG_PREFIXES_MAX + CFG_NAT_MAX; returns how many. */
bool cfg_nat_map(const struct cfg_connection *c, enum cfg_nat_type type, const struct prefix *p,
		 struct prefix *out);
size_t cfg_nat_remote_seen(const struct cfg_connection *c, struct prefix *out);
/* a with the network bits of to (to's length), its own host bits below
 * them: an address of a rule's internal moved into its external, or back. */
struct ipaddr cfg_nat_move(const struct ipaddr *a, const struct prefix *to);
size_t cfg_nat_local_wire(const struct cfg_connection *c, struct prefix *out);
#define CFG_NAT_VIEW_MAX (CFG_PREFIXES_MAX + CFG_NAT_MAX)
/* The view of list v[n] through type's rules; rule[i]:
 * the rule that made out[i] (-1: untranslated), when not NULL. */
size_t cfg_nat_view(const struct cfg_connection *c, enum cfg_nat_type type, const struct prefix *v,
		    size_t n, struct prefix *out, int *rule);

/* The first tunnel's id as nat_mark/nat_table offset; 0 before ids. */
uint32_t cfg_nat_mark(const struct cfg_connection *c);
uint32_t cfg_nat_table(const struct cfg_connection *c);
const char *cfg_nat_type_name(enum cfg_nat_type t);
/* The kernel table the routes a bgp connection learns go to: its NAT
 * table with nat (the far side's real prefixes), else routes.table. */
uint32_t cfg_bgp_kernel_table(const struct cfg_connection *c);
/* The local prefixes on the wire, as the far side and the traffic
 * selectors see them: c->local_prefixes without nat, else
 * cfg_nat_local_wire into buf (CFG_NAT_VIEW_MAX); *n how many. */
const struct prefix *cfg_local_wire(const struct cfg_connection *c, struct prefix *buf, size_t *n);
bool cfg_local_wire_equal(const struct cfg_connection *a, const struct cfg_connection *b);
/* mss and nat alike. */
bool cfg_nat_equal(const struct cfg_connection *a, const struct cfg_connection *b);
#define CFG_NAT_MARK_DEFAULT	  0x78660000u
#define CFG_NAT_TABLE_DEFAULT	  0x78660000u
#define CFG_NAT_RULE_PRIO_DEFAULT 212u
#define CFG_NAT_ID_MAX		  0xffffu /* tunnel ids past it: no NAT */

#define CFG_PSK_GEN_LEN 16 /* characters in a generated key */

/* Writes a fresh CFG_PSK_GEN_LEN-character key drawn uniformly from the
 * allowed PSK characters, NUL-terminated, into out (len must be larger
 * than CFG_PSK_GEN_LEN). Uses getrandom(2); 0 or -1 with e set. */
int cfg_psk_generate(char *out, size_t len, struct xerr *e);

#endif
