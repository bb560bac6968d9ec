/*
 * What xfrmd says to charon and reads back from it: names of the
 * connections it owns, VICI request messages built from the config, and
 * IKE/CHILD SA reports (list-sa, ike-updown, child-updown) as plain structs.
 */
#ifndef XFRMD_CHARON_H
#define XFRMD_CHARON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "vici_msg.h"
#include "xerr.h"

/* Every charon connection, child and shared key xfrmd loads is named
 * "xfrmd-<connection>-t<N>", N the tunnel's number in the document
 * (cfg_tunnel_number, from 1), not its position in a connection's tunnels
 * cfg_host_select trimmed: a gateway's tunnel has the same name on
 * whichever of its hosts runs it. The name alone does not prove
 * ownership: xfrmd also records what it loaded. */
#define CHARON_PREFIX	"xfrmd-"
#define CHARON_NAME_MAX (sizeof(CHARON_PREFIX) + CFG_NAME_MAX + 8)

/* number: the tunnel's number (1-based), not its position. */
int charon_tunnel_name(const char *conn, size_t number, char *buf, size_t len);
/* Inverse of charon_tunnel_name: 0 if name has the shape, else -1. */
int charon_parse_tunnel_name(const char *name, char *conn, size_t len, size_t *number);
/* The name of c's tunnel at position t of c->tunnels. */
int charon_conn_tunnel_name(const struct cfg_connection *c, size_t t, char *buf, size_t len);
/* The tunnel of cfg named name: its connection's index in cfg->conns and
 * its position in that connection's tunnels. -1: not a name of that shape,
 * or cfg runs no such tunnel (no such connection, or another host runs
 * that tunnel of it). */
int charon_find_tunnel(const struct cfg_config *cfg, const char *name, size_t *conn,
		       size_t *tunnel);

/* A tunnel's kernel identifiers derive from its id (cfg_tunnel.id), in a
 * range charon's own dynamic reqids (counting up from 1) do not reach. */
#define CHARON_ID_BASE 100000u
static inline uint32_t charon_tunnel_reqid(uint32_t id)
{
	return CHARON_ID_BASE + id;
}
/* Tunnel ids come from the lowest free one (2 per connection at most in a
 * config), so they stay far below this; reqids above it are not xfrmd's. */
#define CHARON_ID_MAX 65535u
static inline bool charon_reqid_is_tunnel(uint32_t reqid)
{
	return reqid > CHARON_ID_BASE && reqid - CHARON_ID_BASE <= CHARON_ID_MAX;
}
/* XFRM interface if_id, or the VTI key (= SA mark). */
static inline uint32_t charon_tunnel_if_id(uint32_t id)
{
	return CHARON_ID_BASE + id;
}

/* Request messages, encoded. *msg is malloc'd. tunnel is 0-based here.
 * Policy mode: charon installs SAs only; xfrmd owns the XFRM policies so
 * it can point them at whichever tunnel is healthy. Route mode: charon
 * installs if_id (XFRM interface) or mark (VTI) policies for any traffic
 * routed into the tunnel's interface. */
int charon_msg_load_conn(const struct cfg_connection *c, size_t tunnel, uint8_t **msg, size_t *len,
			 struct xerr *e);
/* The two halves of a load-conn message, to tell which half a config
 * change touches: the IKE part renegotiates the IKE SA, the child part
 * only needs a new CHILD_SA. IKE_NO_CREDS: the IKE part without an X.509
 * tunnel's certificates (a change of them alone is a reload, no
 * renegotiation). */
enum charon_part { CHARON_PART_IKE, CHARON_PART_CHILD, CHARON_PART_IKE_NO_CREDS };
int charon_msg_conn_part(const struct cfg_connection *c, size_t tunnel, enum charon_part part,
			 uint8_t **msg, size_t *len, struct xerr *e);
int charon_msg_load_shared(const struct cfg_connection *c, size_t tunnel, uint8_t **msg,
			   size_t *len, struct xerr *e);
/* load-key of an X.509 tunnel: its private key ("type any", the key
 * file's bytes). Carries a secret: the caller wipes *msg. */
int charon_msg_load_key(const struct cfg_connection *c, size_t tunnel, uint8_t **msg, size_t *len,
			struct xerr *e);
/* A private key's id in charon: the hex of the SHA-1 of its public key
 * (40 digits, lowercase), as load-key answers it, get-keys lists it and
 * unload-key takes it. Public: it may be logged, the key never is. Two
 * tunnels with the same key have the same id: charon holds it once. */
#define CHARON_KEY_ID_MAX 41
bool charon_key_id_valid(const char *id);
/* The id in a successful load-key reply; -1 if missing or malformed. */
int charon_reply_key_id(const struct vici_node *reply, char id[CHARON_KEY_ID_MAX], struct xerr *e);
/* get-keys' reply: the ids listed (malloc'd; entries that are no id are
 * skipped), the keys loaded over VICI by anyone. -1: out of memory. */
int charon_parse_key_ids(const struct vici_node *reply, char (**ids)[CHARON_KEY_ID_MAX], size_t *n,
			 struct xerr *e);
/* unload-key {id}; -1 unless id is an id. */
int charon_msg_unload_key(const char *id, uint8_t **msg, size_t *len, struct xerr *e);
/* The lifetime keys of a connection's IKE_SA (ike) or CHILD_SA, as
 * swanctl.conf names them and charon parses their values ("600s",
 * "1048576"): only those the config gives, charon's defaults for the rest.
 * What load-conn sends and export-peer writes. Returns how many. */
#define CHARON_LIFE_KEYS_MAX 7
struct charon_kv {
	const char *key;
	char value[24];
};
size_t charon_life_keys(const struct cfg_connection *c, bool ike,
			struct charon_kv out[CHARON_LIFE_KEYS_MAX]);
/* { key = value } messages: unload-conn {name}, unload-shared {id}, ... */
int charon_msg_kv(const char *key, const char *value, uint8_t **msg, size_t *len, struct xerr *e);
/* initiate/install/uninstall/terminate for our "name" (ike == child). */
int charon_msg_initiate(const char *name, uint8_t **msg, size_t *len, struct xerr *e);
int charon_msg_child(const char *name, uint8_t **msg, size_t *len, struct xerr *e);
int charon_msg_terminate(const char *name, uint8_t **msg, size_t *len, struct xerr *e);
/* terminate one IKE SA by its unique id, without waiting for the peer's
 * answer (force); charon replies within timeout_ms. */
int charon_msg_terminate_ike_id(uint32_t ike_id, unsigned timeout_ms, uint8_t **msg, size_t *len,
				struct xerr *e);
/* initiate, answered once the CHILD_SA is up (or failed): a new CHILD_SA
 * inside the tunnel's IKE SA when it has one. */
int charon_msg_initiate_wait(const char *name, unsigned timeout_ms, uint8_t **msg, size_t *len,
			     struct xerr *e);
/* terminate one CHILD_SA, by charon's unique id; the IKE SA stays. */
int charon_msg_terminate_child(uint32_t child_uniqueid, uint8_t **msg, size_t *len, struct xerr *e);

/* A reply's success flag; errmsg copied into e when "success" is not yes. */
int charon_reply_ok(const struct vici_node *reply, const char *what, struct xerr *e);

#define CHARON_CHILDREN_MAX 4 /* a tunnel has one CHILD_SA, two while rekeying */

struct charon_child {
	char name[CHARON_NAME_MAX];
	uint32_t uniqueid, reqid;
	char state[24];
	uint32_t spi_in, spi_out;
	bool encap;
	char encr_alg[32], integ_alg[32], dh_group[32];
	unsigned encr_keysize;
	uint64_t bytes_in, bytes_out, packets_in, packets_out;
	uint64_t install_time, rekey_time, life_time; /* seconds, as reported */
};

struct charon_ike {
	char name[CHARON_NAME_MAX];
	uint32_t uniqueid;
	unsigned version;
	char state[24];
	char local_host[48], remote_host[48];
	char local_id[CFG_ID_MAX], remote_id[CFG_ID_MAX];
	char initiator_spi[24], responder_spi[24];
	bool initiator, nat_any;
	char encr_alg[32], integ_alg[32], prf_alg[32], dh_group[32];
	unsigned encr_keysize;
	uint64_t established, rekey_time; /* seconds, as reported */
	uint64_t reported_ms;		  /* caller's clock when charon reported this */
	size_t n_children;
	struct charon_child children[CHARON_CHILDREN_MAX];
};

/* The newest INSTALLED CHILD_SA (two are listed while rekeying), or NULL. */
const struct charon_child *charon_installed_child(const struct charon_ike *ike);
/* Established, with an installed CHILD_SA: the tunnel can carry traffic. */
bool charon_ike_usable(const struct charon_ike *ike);

/* Parses one "<name> = { ... }" IKE section of list-sa / *-updown. */
int charon_parse_ike(const struct vici_node *section, struct charon_ike *out, struct xerr *e);

#endif
