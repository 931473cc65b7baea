/* adm/ipvs.c — ipvsadm's model (a service with per-server forwarding,
 * defaults, edit-replaces-all) mapped onto mgw's service JSON (per-service
 * forwarding, partial PATCH). The single commands (run.c) and -R (save.c)
 * both go through these functions, so they behave the same. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "adm/adm.h"

const char *adm_fwd_api_name(enum adm_fwd f)
{
	switch (f) {
	case ADM_FWD_FULLNAT: return "fullnat";
	case ADM_FWD_NAT: return "nat";
	case ADM_FWD_DR: return "dr";
	case ADM_FWD_TUNNEL: return "tunnel";
	default: return NULL;
	}
}

const char *adm_fwd_flag(enum adm_fwd f)
{
	switch (f) {
	case ADM_FWD_FULLNAT: return "-b";
	case ADM_FWD_NAT: return "-m";
	case ADM_FWD_DR: return "-g";
	case ADM_FWD_TUNNEL: return "-i";
	default: return "";
	}
}

/* ipvsadm's Forward column; "FullNat" as DPVS prints it. */
const char *adm_fwd_list_name(enum adm_fwd f)
{
	switch (f) {
	case ADM_FWD_FULLNAT: return "FullNat";
	case ADM_FWD_NAT: return "Masq";
	case ADM_FWD_DR: return "Route";
	case ADM_FWD_TUNNEL: return "Tunnel";
	default: return "?";
	}
}

enum adm_fwd adm_fwd_from_api(const char *name)
{
	for (int f = ADM_FWD_FULLNAT; f <= ADM_FWD_TUNNEL; f++)
		if (name && strcmp(name, adm_fwd_api_name((enum adm_fwd)f)) == 0)
			return (enum adm_fwd)f;
	return ADM_FWD_NONE;
}

/* A service's forwarding as the API shows it; absent means mgw's default. */
static enum adm_fwd svc_fwd(const json_t *svc)
{
	const json_t *f = json_object_get(svc, "forward");

	return f ? adm_fwd_from_api(json_string_value(f)) : ADM_FWD_FULLNAT;
}

int adm_sched_check(const char *name, char *err, size_t errlen)
{
	static const char *const ours[] = { "rr", "wrr", "lc", "wlc", "sh", "mh", NULL };
	static const char *const lvs[] = { "lblc", "lblcr", "dh", "sed", "nq", "fo", "ovf",
					   "twos", NULL };

	for (int i = 0; ours[i]; i++)
		if (strcmp(name, ours[i]) == 0)
			return 0;
	for (int i = 0; lvs[i]; i++) {
		if (strcmp(name, lvs[i]) == 0) {
			snprintf(err, errlen, "scheduler '%s' is an LVS scheduler that mgw does "
				 "not have; mgw has rr wrr lc wlc sh mh", name);
			return -EINVAL;
		}
	}
	snprintf(err, errlen, "scheduler '%s' not found; mgw has rr wrr lc wlc sh mh", name);
	return -EINVAL;
}

static json_t *mask_json(uint32_t mask)
{
	struct adm_addr a;

	adm_addr_v4(&a, mask);
	return adm_addr_json(&a);
}

int adm_svc_key(const json_t *svc, uint8_t *proto, struct adm_addr *vip, uint16_t *port)
{
	const char *p = json_string_value(json_object_get(svc, "proto"));
	json_t *pt = json_object_get(svc, "port");

	if (!p || !json_is_integer(pt) || json_integer_value(pt) < 0 ||
	    json_integer_value(pt) > 65535 || adm_addr_of_json(json_object_get(svc, "vip"), vip) < 0)
		return -EBADMSG;
	if (strcmp(p, "tcp") == 0)
		*proto = IPPROTO_TCP;
	else if (strcmp(p, "udp") == 0)
		*proto = IPPROTO_UDP;
	else
		return -EBADMSG;
	*port = (uint16_t)json_integer_value(pt);
	return 0;
}

int adm_svc_find(const json_t *services, uint8_t proto, const struct adm_addr *vip,
		 uint16_t port)
{
	size_t i;
	json_t *s;

	json_array_foreach(services, i, s) {
		struct adm_addr v;
		uint8_t p;
		uint16_t pt;

		if (adm_svc_key(s, &p, &v, &pt) == 0 && p == proto && adm_addr_eq(&v, vip) &&
		    pt == port)
			return (int)i;
	}
	return -1;
}

/* A server's port; the API always shows it, a config may leave it out. */
int adm_rs_key(const json_t *svc, const json_t *rs, struct adm_addr *ip, uint16_t *port)
{
	json_t *pt = json_object_get(rs, "port");

	if (adm_addr_of_json(json_object_get(rs, "ip"), ip) < 0)
		return -EBADMSG;
	if (pt && (!json_is_integer(pt) || json_integer_value(pt) < 0 ||
		   json_integer_value(pt) > 65535))
		return -EBADMSG;
	*port = (uint16_t)json_integer_value(pt ? pt : json_object_get(svc, "port"));
	return 0;
}

int adm_rs_find(const json_t *svc, const struct adm_addr *ip, uint16_t port)
{
	json_t *servers = json_object_get(svc, "servers"), *r;
	size_t i;

	json_array_foreach(servers, i, r) {
		struct adm_addr rip;
		uint16_t rport;

		if (adm_rs_key(svc, r, &rip, &rport) == 0 && adm_addr_eq(&rip, ip) && rport == port)
			return (int)i;
	}
	return -1;
}

/* The API's paths carry the bare canonical address, of either family. */
void adm_svc_path(char *buf, size_t len, uint8_t proto, const struct adm_addr *vip,
		  uint16_t port)
{
	char ip[ADM_ADDR_STRLEN];

	snprintf(buf, len, "/services/%s/%s/%u", proto == IPPROTO_UDP ? "udp" : "tcp",
		 adm_addr_ntop(vip, ip), port);
}

void adm_svc_label(char *buf, size_t len, uint8_t proto, const struct adm_addr *vip,
		   uint16_t port)
{
	char ap[ADM_ADDRPORT_STRLEN];

	snprintf(buf, len, "%s %s", proto == IPPROTO_UDP ? "UDP" : "TCP",
		 adm_addrport(vip, port, ap));
}

void adm_print_xflags(FILE *f, const json_t *svc, bool as_options)
{
	const char *ca = json_string_value(json_object_get(svc, "client_address"));
	const char *ps = json_string_value(json_object_get(svc, "proxy_send"));
	bool proxy = ca && strncmp(ca, "proxy_", 6) == 0;

	if (json_is_true(json_object_get(svc, "synproxy")))
		fputs(as_options ? " -j" : " synproxy", f);
	if (proxy)
		fprintf(f, as_options ? " --proxy-protocol %s" : " proxy-protocol %s", ca + 6);
	else if (ca && strcmp(ca, "toa") == 0)
		fputs(as_options ? " --toa" : " toa", f);
	if (proxy && ps && strcmp(ps, "on_connect") == 0)
		fputs(as_options ? " --proxy-send on_connect" : " on-connect", f);
}

json_t *adm_svc_new_json(const struct adm_cmd *c)
{
	json_t *o = json_pack("{s:s, s:o, s:i, s:s}", "proto",
			      c->proto == IPPROTO_UDP ? "udp" : "tcp", "vip", adm_addr_json(&c->vip),
			      "port", (int)c->vport, "scheduler", c->sched);

	if (!o)
		return NULL;
	if (c->fwd != ADM_FWD_NONE)
		json_object_set_new(o, "forward", json_string(adm_fwd_api_name(c->fwd)));
	json_object_set_new(o, "persistence_s", json_integer(c->persist_s));
	/* an IPv6 service's persistence is per client address (-M 128) */
	if (c->vip.af != AF_INET6)
		json_object_set_new(o, "persistence_mask", mask_json(c->mask));
	if (c->mh_port)
		json_object_set_new(o, "mh_port", json_true());
	if (c->client_address)
		json_object_set_new(o, "client_address", json_string(c->client_address));
	if (c->proxy_send)
		json_object_set_new(o, "proxy_send", json_string(c->proxy_send));
	if (c->synproxy > 0)
		json_object_set_new(o, "synproxy", json_true());
	return o;
}

/* ipvsadm's edit sets the scheduler, the persistence and its mask (an
 * IPv4 service's), and the scheduler flags, from the command line or their
 * defaults. */
json_t *adm_svc_edit_json(const struct adm_cmd *c)
{
	json_t *o = json_pack("{s:s, s:i}", "scheduler", c->sched, "persistence_s",
			      (int)c->persist_s);

	if (o && c->vip.af != AF_INET6)
		json_object_set_new(o, "persistence_mask", mask_json(c->mask));
	if (o)
		json_object_set_new(o, "mh_port", json_boolean(c->mh_port));
	if (o && c->fwd != ADM_FWD_NONE)
		json_object_set_new(o, "forward", json_string(adm_fwd_api_name(c->fwd)));
	/* the SYN proxy and the client's address change only when given
	 * (--no-synproxy turns the proxy off) */
	if (o && c->synproxy)
		json_object_set_new(o, "synproxy", json_boolean(c->synproxy > 0));
	if (o && c->client_address)
		json_object_set_new(o, "client_address", json_string(c->client_address));
	if (o && c->proxy_send)
		json_object_set_new(o, "proxy_send", json_string(c->proxy_send));
	return o;
}

int adm_rs_settle(const json_t *svc, struct adm_cmd *c, enum adm_fwd *adopt, char *err,
		  size_t errlen)
{
	enum adm_fwd have = svc_fwd(svc), want = c->fwd != ADM_FWD_NONE ? c->fwd : have;
	json_t *servers = json_object_get(svc, "servers"), *r;
	unsigned others = 0;
	size_t i;

	*adopt = ADM_FWD_NONE;
	if (have == ADM_FWD_NONE) {
		snprintf(err, errlen, "the service's forwarding '%s' is unknown to mgwadm",
			 json_string_value(json_object_get(svc, "forward")));
		return -EINVAL;
	}
	/* Direct routing and tunnelling cannot change the port: ipvsadm
	 * gives such a server the service's port whatever -r says. */
	if (want == ADM_FWD_DR || want == ADM_FWD_TUNNEL)
		c->rport = c->vport;
	json_array_foreach(servers, i, r) {
		struct adm_addr ip;
		uint16_t port;

		if (adm_rs_key(svc, r, &ip, &port) < 0 || !adm_addr_eq(&ip, &c->rip) ||
		    port != c->rport)
			others++;
	}
	if (want != have) {
		char rs[ADM_ADDRPORT_STRLEN], label[80];

		if (others == 0) {
			*adopt = want;
			return 0;
		}
		adm_svc_label(label, sizeof(label), c->proto, &c->vip, c->vport);
		snprintf(err, errlen, "real server %s: forwarding %s (%s) does not match service "
			 "%s, which forwards by %s (%s): mgw sets forwarding per service, not per "
			 "server", adm_addrport(&c->rip, c->rport, rs), adm_fwd_flag(want),
			 adm_fwd_api_name(want), label, adm_fwd_flag(have), adm_fwd_api_name(have));
		return -EINVAL;
	}
	return 0;
}

json_t *adm_rs_new_json(const struct adm_cmd *c)
{
	json_t *o = json_pack("{s:o, s:i, s:i}", "ip", adm_addr_json(&c->rip), "port", (int)c->rport,
			      "weight", (int)c->weight);

	/* Only when set: an API without thresholds still takes the rest. */
	if (o && c->u_thr)
		json_object_set_new(o, "u_threshold", json_integer(c->u_thr));
	if (o && c->l_thr)
		json_object_set_new(o, "l_threshold", json_integer(c->l_thr));
	return o;
}

json_t *adm_rs_edit_json(const struct adm_cmd *c, const json_t *cur)
{
	json_t *o = json_pack("{s:i}", "weight", (int)c->weight);

	if (o && ((c->opts & ADM_O_UTHR) || json_object_get(cur, "u_threshold")))
		json_object_set_new(o, "u_threshold", json_integer(c->u_thr));
	if (o && ((c->opts & ADM_O_LTHR) || json_object_get(cur, "l_threshold")))
		json_object_set_new(o, "l_threshold", json_integer(c->l_thr));
	return o;
}

static int fail(char *err, size_t errlen, int rc, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return rc;
}

static int apply_rs(json_t *services, struct adm_cmd *c, char *err, size_t errlen)
{
	int si = adm_svc_find(services, c->proto, &c->vip, c->vport), ri;
	enum adm_fwd adopt;
	json_t *svc, *servers, *o;
	int rc;

	if (si < 0)
		return fail(err, errlen, -ESRCH, "Service not defined");
	svc = json_array_get(services, (size_t)si);
	if (c->cmd != ADM_CMD_DEL_RS && (rc = adm_rs_settle(svc, c, &adopt, err, errlen)) < 0)
		return rc;
	ri = adm_rs_find(svc, &c->rip, c->rport);
	servers = json_object_get(svc, "servers");
	switch (c->cmd) {
	case ADM_CMD_ADD_RS:
		if (ri >= 0)
			return fail(err, errlen, -EEXIST, "Destination already exists");
		if (!json_is_array(servers)) {
			servers = json_array();
			json_object_set_new(svc, "servers", servers);
		}
		o = adm_rs_new_json(c);
		if (!o || json_array_append_new(servers, o) < 0)
			return fail(err, errlen, -ENOMEM, "out of memory");
		break;
	case ADM_CMD_EDIT_RS:
		if (ri < 0)
			return fail(err, errlen, -ENOENT, "No such destination");
		o = adm_rs_edit_json(c, json_array_get(servers, (size_t)ri));
		if (!o || json_object_update(json_array_get(servers, (size_t)ri), o) < 0) {
			json_decref(o);
			return fail(err, errlen, -ENOMEM, "out of memory");
		}
		json_decref(o);
		break;
	default:
		if (ri < 0)
			return fail(err, errlen, -ENOENT, "No such destination");
		json_array_remove(servers, (size_t)ri);
		return 0;
	}
	if (adopt != ADM_FWD_NONE)
		json_object_set_new(svc, "forward", json_string(adm_fwd_api_name(adopt)));
	return 0;
}

int adm_apply(json_t *services, struct adm_cmd *c, char *err, size_t errlen)
{
	int si;
	json_t *o;

	switch (c->cmd) {
	case ADM_CMD_FLUSH:
		json_array_clear(services);
		return 0;
	case ADM_CMD_ADD_SVC:
		if (adm_svc_find(services, c->proto, &c->vip, c->vport) >= 0)
			return fail(err, errlen, -EEXIST, "Service already exists");
		o = adm_svc_new_json(c);
		if (!o || json_array_append_new(services, o) < 0)
			return fail(err, errlen, -ENOMEM, "out of memory");
		return 0;
	case ADM_CMD_EDIT_SVC:
	case ADM_CMD_DEL_SVC:
		si = adm_svc_find(services, c->proto, &c->vip, c->vport);
		if (si < 0)
			return fail(err, errlen, -ESRCH, "No such service");
		if (c->cmd == ADM_CMD_DEL_SVC) {
			json_array_remove(services, (size_t)si);
			return 0;
		}
		o = adm_svc_edit_json(c);
		if (!o || json_object_update(json_array_get(services, (size_t)si), o) < 0) {
			json_decref(o);
			return fail(err, errlen, -ENOMEM, "out of memory");
		}
		json_decref(o);
		return 0;
	case ADM_CMD_ADD_RS:
	case ADM_CMD_EDIT_RS:
	case ADM_CMD_DEL_RS:
		return apply_rs(services, c, err, errlen);
	default:
		snprintf(err, errlen, "%s is not a change of the table", adm_cmd_name(c->cmd));
		return -EINVAL;
	}
}
