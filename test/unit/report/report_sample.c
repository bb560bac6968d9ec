/*
 * report_sample: the status JSON of the report fixtures, one per line, for
 * test/schema/check_status_samples.py to validate against
 * schemas/status.schema.json: "plain" (fx_report), "bgp" (fx_report_bgp),
 * "bgp-unknown" (the same, health undecided and BIRD unreachable and
 * silent), "bgp-v6" (IPv6 inside addresses, BIRD's error set), "hosts"
 * (fx_report_hosts: a host, a tunnel away, gateway.lan), "hosts-all" (the
 * host runs every tunnel, no gateway.lan), "hosts-none" (it runs none:
 * fx_report_elsewhere, state elsewhere).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_fixture.h"

/* What the fixture leaves short for the renderers' tests, as the daemon
 * reports it: a SHA-256 config hash, 16-digit IKE SPIs. */
static void as_reported(struct report *r)
{
	r->config_hash = "1c18d3b0a8e7f4c2b9a6d5e4f3c2b1a0918273645546372819a0b1c2d3e4c186";
	r->conns[0].tunnels[1].ike.spi_i = "aaaabbbbccccdddd";
	r->conns[0].tunnels[1].ike.spi_r = "0000000000000000";
}

static int print(const char *name, struct report *r)
{
	size_t len;
	char *s;

	as_reported(r);
	s = report_json(r, &len);

	if (!s)
		return -1;
	printf("%s %s\n", name, s);
	free(s);
	report_free(r);
	return 0;
}

int main(void)
{
	struct report r;
	int rc = 0;

	fx_report(&r);
	rc |= print("plain", &r);
	fx_report_bgp(&r);
	rc |= print("bgp", &r);
	fx_report_bgp(&r);
	for (size_t t = 0; t < 2; t++) {
		struct report_bgp *b = &r.conns[0].tunnels[t].bgp;

		b->state = "unknown";
		b->enabled = -1;
		b->since = NULL;
		b->has_prefixes = false;
	}
	r.bird.reachable = false;
	r.bird.version = "";
	r.bird.error = "BIRD is not reachable at /run/bird/bird.ctl: Connection refused";
	rc |= print("bgp-unknown", &r);
	fx_report_bgp(&r);
	ipaddr_parse("fd00:12::2", &r.conns[0].tunnels[0].bgp.local);
	ipaddr_parse("fd00:12::1", &r.conns[0].tunnels[0].bgp.neighbor);
	r.conns[0].tunnels[0].bgp.state = "Active";
	r.bird.error = "BIRD refused the configuration: /etc/bird/xfrmd.conf:3:1 syntax error";
	rc |= print("bgp-v6", &r);
	fx_report_hosts(&r);
	rc |= print("hosts", &r);
	fx_report(&r);
	r.host = "gw-1";
	r.n_hosts = 1;
	rc |= print("hosts-all", &r);
	fx_report_elsewhere(&r);
	ipaddr_parse("2001:db8::1", &r.conns[0].away[0].local);
	ipaddr_parse("2001:db8:1::1", &r.conns[0].away[0].remote);
	rc |= print("hosts-none", &r);
	return rc ? EXIT_FAILURE : EXIT_SUCCESS;
}
