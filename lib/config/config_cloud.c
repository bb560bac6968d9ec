/*
 * peer_cloud: the cloud VPN gateway at the far end of a connection, and
 * the hints `xfrmctl validate` gives where the connection's proposals,
 * rekey times, DPD, identities or keys miss what that gateway takes by
 * default. Nothing of it reaches charon; a hint never refuses a
 * configuration.
 *
 * What each cloud takes, from its documentation (README "Cloud profiles"
 * has the same with more words):
 *
 * AWS Site-to-Site VPN: "Tunnel options for your Site-to-Site VPN
 * connection", https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNTunnels.html
 * and the EC2 API's VpnTunnelOptionsSpecification,
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpnTunnelOptionsSpecification.html
 * IKEv1 and IKEv2; phase 1 AES128, AES256, AES128-GCM-16, AES256-GCM-16,
 * SHA1, SHA2-256/384/512, DH groups 2, 14-24, lifetime 28800 s (900 to
 * 28800); phase 2 the same ciphers and hashes, DH groups 2, 5, 14-24 (PFS
 * is required), lifetime 3600 s (900 to 3600). Every value is permitted by
 * default (the downloadable sample configuration shows AES128, SHA1,
 * group 2, the minimum). DPD timeout 40 s, then "clear"; startup action
 * "add": AWS waits for this side to initiate (the EC2 API reference says
 * 30 s for the timeout). Identities: the addresses. Pre-shared keys: 8 to
 * 64 letters, digits, periods and underscores, not starting with 0.
 *
 * Azure VPN Gateway: "About VPN devices and IPsec/IKE parameters for
 * Site-to-Site VPN Gateway connections",
 * https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-devices
 * "About cryptographic requirements and Azure VPN gateways",
 * https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-compliance-crypto
 * and "Configure custom IPsec/IKE connection policies",
 * https://learn.microsoft.com/azure/vpn-gateway/ipsec-ike-policy-howto
 * Default policy: main mode AES256, AES128 or 3DES with SHA256 or SHA1
 * and DH group 2 only, 28800 s; quick mode GCM-AES256 without PFS, or
 * AES256/AES128/3DES with SHA256/SHA1 and PFS none, 1, 2, 14 (AES256 also
 * 24), 27000 s (IKEv1: 3600 s). A custom policy on the connection takes
 * GCMAES256/128, AES256/192/128, SHA384/256/1, MD5, DH 24, ECP384,
 * ECP256, 14, 2, 1; IPsec GCMAES256/192/128, AES256/192/128, SHA256/1,
 * MD5, PFS 24, ECP384, ECP256, 2048 (14), 2, 1 or none, quick mode
 * lifetime 300 to 172799 s (main mode stays 28800 s). DPD timeout 45 s.
 * Identities: the addresses.
 *
 * Alibaba Cloud VPN Gateway: API CreateVpnConnection (IkeConfig,
 * IpsecConfig),
 * https://www.alibabacloud.com/help/en/vpn/sub-product-ipsec-vpn/developer-reference/api-vpc-2016-04-28-createvpnconnection-vpns
 * "Create and manage an IPsec-VPN connection in dual-tunnel mode",
 * https://www.alibabacloud.com/help/en/vpn/sub-product-ipsec-vpn/user-guide/create-and-manage-an-ipsec-vpn-connection-in-dual-tunnel-mode
 * and "Data Transmission Service: Azure VNet與阿里雲VPC互連" (both clouds'
 * defaults negotiate: AES128, SHA1, group 2). IKE version ikev1 (API
 * default) or ikev2; IKE and IPsec: aes (AES128, default), aes192,
 * aes256, des, 3des; md5, sha1 (default), sha256, sha384, sha512; DH
 * group1, group2 (default), group5, group14 (IPsec also disabled);
 * lifetimes 86400 s (0 to 86400). DPD and NAT traversal on.
 * LocalId/RemoteId: the addresses by default, FQDNs allowed. Keys: 1 to
 * 100 of the characters xfrmd takes. Tunnel 1 is the primary, tunnel 2
 * the standby.
 */
#include "config_json.h"

#include <stdio.h>
#include <string.h>

static const char *const cloud_names_v[] = {"aws", "azure", "alibaba"};
static const struct cfg_names cloud_names = {cloud_names_v, 3};

const char *cfg_cloud_name(enum cfg_cloud c)
{
	return c > CFG_CLOUD_NONE && c <= CFG_CLOUD_ALIBABA ? cloud_names_v[c - 1] : "none";
}

int cfg_parse_peer_cloud(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;
	int i;

	if (cj_enum(x, v, &cloud_names, &i))
		return -1;
	c->peer_cloud = (enum cfg_cloud)(i + 1);
	return 0;
}

struct suites {
	const struct cfg_cloud_suite *v;
	size_t n;
	const char *text; /* the same for people */
};

#define SUITES(arr, text)                                                                          \
	{                                                                                          \
		arr, sizeof(arr) / sizeof(arr[0]), text                                            \
	}

struct cloud {
	const char *title;
	struct suites ike_default, ike_accept, esp_default, esp_accept;
	const char *ike_suggest, *esp_suggest; /* a strong proposal it accepts */
	const char *how; /* what makes the cloud side take more than its defaults */
	uint32_t ike_life, ike_life_max, esp_life, esp_life_v1, esp_life_max;
	bool dpd_restart; /* it never initiates: a cleared tunnel stays down */
	bool ip_ids;	  /* identities are the addresses, nothing else */
	bool psk_rules;	  /* AWS's: 8-64 of A-Za-z0-9._, not starting with 0 */
};

#define AWS_ENC	  "aes128 aes256 aes128gcm16 aes256gcm16"
#define AWS_HASH  "sha1 sha256 sha384 sha512"
#define AWS_GROUP "ecp256 ecp384 ecp521 modp1024s160 modp2048s224 modp2048s256"
#define AWS_KE1	  "modp1024 modp2048 modp3072 modp4096 modp6144 modp8192 " AWS_GROUP
#define AWS_KE2	  "modp1024 modp1536 modp2048 modp3072 modp4096 modp6144 modp8192 " AWS_GROUP
static const struct cfg_cloud_suite aws_ike[] = {{AWS_ENC, AWS_HASH, AWS_KE1}};
static const struct cfg_cloud_suite aws_esp[] = {{AWS_ENC, AWS_HASH, AWS_KE2}};

static const struct cfg_cloud_suite azure_ike_default[] = {
    {"aes256 aes128 3des", "sha256 sha1", "modp1024"}};
static const struct cfg_cloud_suite azure_ike_custom[] = {
    {"aes256gcm16 aes128gcm16 aes256 aes192 aes128", "sha384 sha256 sha1 md5",
     "modp2048s256 ecp384 ecp256 modp2048 modp1024 modp768"}};
static const struct cfg_cloud_suite azure_esp_default[] = {
    {"aes256gcm16", "", "none"},
    {"aes256", "sha256 sha1", "none modp768 modp1024 modp2048 modp2048s256"},
    {"aes128 3des", "sha256 sha1", "none modp768 modp1024 modp2048"}};
#define AZURE_PFS "none modp2048s256 ecp384 ecp256 modp2048 modp1024 modp768"
static const struct cfg_cloud_suite azure_esp_custom[] = {
    {"aes256gcm16 aes192gcm16 aes128gcm16", "", AZURE_PFS},
    {"aes256 aes192 aes128", "sha256 sha1 md5", AZURE_PFS}};

#define ALI_ENC	 "aes128 aes192 aes256 3des des"
#define ALI_HASH "md5 sha1 sha256 sha384 sha512"
static const struct cfg_cloud_suite ali_default[] = {{"aes128", "sha1", "modp1024"}};
static const struct cfg_cloud_suite ali_ike[] = {
    {ALI_ENC, ALI_HASH, "modp768 modp1024 modp1536 modp2048"}};
static const struct cfg_cloud_suite ali_esp[] = {
    {ALI_ENC, ALI_HASH, "none modp768 modp1024 modp1536 modp2048"}};

#define ALI_DEFAULT "aes128 with sha1 and modp1024 (the latter two need allow_legacy_crypto)"

static const struct cloud clouds[] = {
    [CFG_CLOUD_AWS] =
	{
	    .title = "AWS",
	    .ike_default = SUITES(aws_ike, "aes128, aes256, aes128gcm16 or aes256gcm16; sha1, "
					   "sha256, sha384 or sha512; modp1024, modp2048 to "
					   "modp8192, ecp256, ecp384, ecp521, modp1024s160, "
					   "modp2048s224 or modp2048s256"),
	    .ike_accept = SUITES(aws_ike, ""),
	    .esp_default = SUITES(aws_esp, "aes128, aes256, aes128gcm16 or aes256gcm16; sha1, "
					   "sha256, sha384 or sha512; PFS with modp1024, "
					   "modp1536, modp2048 to modp8192, ecp256, ecp384, "
					   "ecp521, modp1024s160, modp2048s224 or modp2048s256"),
	    .esp_accept = SUITES(aws_esp, ""),
	    .ike_suggest = "aes256gcm16-prfsha384-ecp384",
	    .esp_suggest = "aes256gcm16-ecp384",
	    .how = "the VPN connection's tunnel options permit it",
	    .ike_life = 28800,
	    .ike_life_max = 28800,
	    .esp_life = 3600,
	    .esp_life_v1 = 3600,
	    .esp_life_max = 3600,
	    .dpd_restart = true,
	    .ip_ids = true,
	    .psk_rules = true,
	},
    [CFG_CLOUD_AZURE] =
	{
	    .title = "Azure",
	    .ike_default = SUITES(azure_ike_default, "aes256, aes128 or 3des; sha256 or sha1; "
						     "modp1024 only, which needs "
						     "allow_legacy_crypto"),
	    .ike_accept = SUITES(azure_ike_custom, "aes256gcm16, aes128gcm16, aes256, aes192 or "
						   "aes128; sha384, sha256, sha1 or md5; "
						   "modp2048s256, ecp384, ecp256, modp2048, "
						   "modp1024 or modp768"),
	    .esp_default = SUITES(azure_esp_default,
				  "aes256gcm16 without PFS; aes256 with sha256 or sha1 and PFS "
				  "none, modp768, modp1024, modp2048 or modp2048s256; aes128 or "
				  "3des likewise, without modp2048s256"),
	    .esp_accept =
		SUITES(azure_esp_custom,
		       "aes256gcm16, aes192gcm16, aes128gcm16, aes256, aes192 or aes128; "
		       "sha256, sha1 or md5 with the CBC ciphers; PFS none, modp2048s256, "
		       "ecp384, ecp256, modp2048, modp1024 or modp768"),
	    .ike_suggest = "aes256gcm16-prfsha384-ecp384",
	    .esp_suggest = "aes256gcm16-ecp384",
	    .how = "the Azure connection has a custom IPsec/IKE policy with these algorithms",
	    .ike_life = 28800,
	    .ike_life_max = 28800,
	    .esp_life = 27000,
	    .esp_life_v1 = 3600,
	    .esp_life_max = 172799,
	    .ip_ids = true,
	},
    [CFG_CLOUD_ALIBABA] =
	{
	    .title = "Alibaba Cloud",
	    .ike_default = SUITES(ali_default, ALI_DEFAULT),
	    .ike_accept = SUITES(ali_ike, "aes128, aes192, aes256, 3des or des; md5, sha1, "
					  "sha256, sha384 or sha512; modp768, modp1024, modp1536 "
					  "or modp2048"),
	    .esp_default = SUITES(ali_default, ALI_DEFAULT),
	    .esp_accept = SUITES(ali_esp, "aes128, aes192, aes256, 3des or des; md5, sha1, "
					  "sha256, sha384 or sha512; PFS none, modp768, modp1024, "
					  "modp1536 or modp2048"),
	    .ike_suggest = "aes256-sha256-modp2048",
	    .esp_suggest = "aes256-sha256-modp2048",
	    .how = "the IPsec connection's encryption configuration names these algorithms",
	    .ike_life = 86400,
	    .ike_life_max = 86400,
	    .esp_life = 86400,
	    .esp_life_v1 = 86400,
	    .esp_life_max = 86400,
	},
};

/* The first of the proposals that fits one of the suites, or NULL. */
static const char *first_fit(const struct cfg_proposals *ps, const struct suites *ss)
{
	for (size_t i = 0; i < ps->n; i++)
		for (size_t j = 0; j < ss->n; j++)
			if (cfg_cloud_fits(ps->v[i], &ss->v[j]))
				return ps->v[i];
	return NULL;
}

static bool proposals_hint(const struct cfg_connection *c, size_t ci, bool ike, char *buf,
			   size_t len)
{
	const struct cloud *cl = &clouds[c->peer_cloud];
	const struct cfg_proposals *ps = ike ? &c->ike_proposals : &c->esp_proposals;
	const struct suites *def = ike ? &cl->ike_default : &cl->esp_default;
	const struct suites *acc = ike ? &cl->ike_accept : &cl->esp_accept;
	const char *what = ike ? "ike" : "esp", *p;

	if (first_fit(ps, def))
		return false;
	p = first_fit(ps, acc);
	if (p)
		snprintf(buf, len,
			 "connections[%zu] (peer_cloud %s): no %s proposal is in %s's defaults "
			 "(%s); %s takes \"%s\" once %s",
			 ci, cfg_cloud_name(c->peer_cloud), what, cl->title, def->text, cl->title,
			 p, cl->how);
	else
		snprintf(buf, len,
			 "connections[%zu] (peer_cloud %s): no %s proposal is one %s accepts (%s): "
			 "propose one that is, e.g. \"%s\"",
			 ci, cfg_cloud_name(c->peer_cloud), what, cl->title,
			 acc->text[0] ? acc->text : def->text,
			 ike ? cl->ike_suggest : cl->esp_suggest);
	return true;
}

static bool lifetime_hint(const struct cfg_connection *c, size_t ci, bool ike, char *buf,
			  size_t len)
{
	const struct cloud *cl = &clouds[c->peer_cloud];
	uint32_t rekey = ike ? c->ike_rekey_time : c->child_rekey_time;
	uint32_t life = ike ? cl->ike_life : c->ike_version == 1 ? cl->esp_life_v1 : cl->esp_life;
	uint32_t max = ike ? cl->ike_life_max : cl->esp_life_max;
	const char *what = ike ? "ike" : "esp";
	char range[64], more[96] = "";

	if (rekey <= life)
		return false;
	if (life == max) {
		snprintf(range, sizeof(range), "%u s, the most it allows", life);
	} else {
		snprintf(range, sizeof(range), "%u s by default, at most %u s", life, max);
		if (rekey <= max)
			snprintf(more, sizeof(more),
				 ", or raise the lifetime on the %s side above it", cl->title);
	}
	snprintf(buf, len,
		 "connections[%zu] (peer_cloud %s): %s.rekey_time %u is above %s's %s SA lifetime "
		 "(%s): the SA ends on the %s side before this side rekeys it; set %s.rekey_time "
		 "to %u or less%s",
		 ci, cfg_cloud_name(c->peer_cloud), what, rekey, cl->title, ike ? "IKE" : "ESP",
		 range, cl->title, what, life, more);
	return true;
}

static bool dpd_hint(const struct cfg_connection *c, size_t ci, char *buf, size_t len)
{
	const struct cloud *cl = &clouds[c->peer_cloud];
	const char *head = "";

	if (!cl->dpd_restart)
		return false;
	if (!c->dpd_interval)
		head = "dpd.interval 0 turns DPD off";
	else if (c->dpd_action == CFG_DPD_CLEAR)
		head = "dpd.action clear leaves a dead tunnel down";
	else
		return false;
	snprintf(buf, len,
		 "connections[%zu] (peer_cloud %s): %s, and %s clears a tunnel after 40 s without "
		 "DPD answers and never initiates it again by default (DPD timeout action clear, "
		 "startup action add): keep DPD on with dpd.action restart so this side brings it "
		 "back",
		 ci, cfg_cloud_name(c->peer_cloud), head, cl->title);
	return true;
}

/* An address, or %any (what the peer sends, whatever it is). */
static bool address_id(const char *id)
{
	struct cfg_id_key k;

	cfg_id_key(id, &k);
	return k.kind == 0 || k.kind == 1 || k.kind == 5; /* ID_ANY, ID_IPV4_ADDR, ID_IPV6_ADDR */
}

/* Identity hint n: tunnel n / 3, local_id (n % 3 == 0) or remote_id (1). */
static bool id_hint(const struct cfg_connection *c, size_t ci, size_t n, char *buf, size_t len)
{
	const struct cloud *cl = &clouds[c->peer_cloud];
	const struct cfg_tunnel *t = &c->tunnels[n / 3];
	const char *id = n % 3 ? t->remote_id : t->local_id;

	if (!cl->ip_ids || !id || address_id(id))
		return false;
	snprintf(buf, len,
		 "connections[%zu].tunnels[%zu].%s (peer_cloud %s): \"%s\" is not an IP address, "
		 "but %s identifies both ends of a tunnel by their public addresses: leave %s out "
		 "(the address) or write an address",
		 ci, n / 3, n % 3 ? "remote_id" : "local_id", cfg_cloud_name(c->peer_cloud), id,
		 cl->title, n % 3 ? "remote_id" : "local_id");
	return true;
}

/* A key AWS takes: 8 to 64 letters, digits, periods and underscores, not
 * starting with 0. */
static bool aws_key(const char *k)
{
	size_t n = strlen(k);

	return n >= 8 && n <= 64 && k[0] != '0' &&
	       strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._") == n;
}

#define AWS_KEYS "AWS takes 8 to 64 letters, digits, periods and underscores, not starting with 0"

/* The tunnel's key against the cloud's rules; never quotes it. */
static bool psk_hint(const struct cfg_connection *c, size_t ci, size_t t, char *buf, size_t len)
{
	const struct cfg_tunnel *tun = &c->tunnels[t];
	const char *name = cfg_cloud_name(c->peer_cloud);

	if (!clouds[c->peer_cloud].psk_rules || tun->x509)
		return false;
	if (tun->psk_auto)
		snprintf(buf, len,
			 "connections[%zu].tunnels[%zu] (peer_cloud %s): the key xfrmd generates "
			 "(no psk or psk_file) may hold characters AWS refuses; " AWS_KEYS
			 ": give the tunnel such a key in psk or psk_file",
			 ci, t, name);
	else if (!aws_key(tun->psk))
		snprintf(buf, len,
			 "connections[%zu].tunnels[%zu].%s (peer_cloud %s): the key is not one AWS "
			 "takes (" AWS_KEYS ")",
			 ci, t, tun->psk_from_file ? "psk_file" : "psk", name);
	else
		return false;
	return true;
}

/* After the connection's own hints, three per tunnel: local_id,
 * remote_id, key. */
enum { HINT_IKE, HINT_ESP, HINT_IKE_LIFE, HINT_ESP_LIFE, HINT_DPD, HINT_TUNNELS };

bool cfg_cloud_hint(const struct cfg_connection *c, size_t ci, unsigned *at, char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	if (c->peer_cloud <= CFG_CLOUD_NONE || c->peer_cloud > CFG_CLOUD_ALIBABA)
		return false;
	unsigned end = HINT_TUNNELS + 3 * (unsigned)c->n_tunnels;

	for (unsigned k = *at; k < end; k++) {
		bool hint;

		switch (k) {
		case HINT_IKE:
		case HINT_ESP:
			hint = proposals_hint(c, ci, k == HINT_IKE, buf, len);
			break;
		case HINT_IKE_LIFE:
		case HINT_ESP_LIFE:
			hint = lifetime_hint(c, ci, k == HINT_IKE_LIFE, buf, len);
			break;
		case HINT_DPD:
			hint = dpd_hint(c, ci, buf, len);
			break;
		default:
			hint = (k - HINT_TUNNELS) % 3 == 2
				   ? psk_hint(c, ci, (k - HINT_TUNNELS) / 3, buf, len)
				   : id_hint(c, ci, k - HINT_TUNNELS, buf, len);
		}
		if (hint) {
			*at = k + 1;
			return true;
		}
	}
	*at = end;
	return false;
}
