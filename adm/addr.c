/* adm/addr.c — one address type for both families, as mgwadm carries it
 * from the command line and the API's JSON to the API's paths and to
 * ipvsadm's text: read with inet_pton, always written in inet_ntop's
 * canonical form ("fd00::10", never "FD00:0::10"), "[v6]:port" beside
 * "v4:port" as ipvsadm spells them, ordered as ipvsadm sorts (IPv4 before
 * IPv6, then by value). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "adm/adm.h"

int adm_addr_pton(const char *s, int af, struct adm_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (s && (af == 0 || af == AF_INET) && inet_pton(AF_INET, s, a->b) == 1) {
		a->af = AF_INET;
		return 0;
	}
	if (s && (af == 0 || af == AF_INET6) && inet_pton(AF_INET6, s, a->b) == 1) {
		a->af = AF_INET6;
		return 0;
	}
	memset(a, 0, sizeof(*a));
	return -EINVAL;
}

void adm_addr_v4(struct adm_addr *a, uint32_t host_order)
{
	memset(a, 0, sizeof(*a));
	a->af = AF_INET;
	a->b[0] = (uint8_t)(host_order >> 24);
	a->b[1] = (uint8_t)(host_order >> 16);
	a->b[2] = (uint8_t)(host_order >> 8);
	a->b[3] = (uint8_t)host_order;
}

const char *adm_addr_ntop(const struct adm_addr *a, char *buf)
{
	if (a->af != AF_INET && a->af != AF_INET6)
		return strcpy(buf, "?");
	return inet_ntop(a->af, a->b, buf, ADM_ADDR_STRLEN);
}

const char *adm_addrport(const struct adm_addr *a, uint16_t port, char *buf)
{
	char ip[ADM_ADDR_STRLEN];
	bool v6 = a->af == AF_INET6;

	snprintf(buf, ADM_ADDRPORT_STRLEN, "%s%s%s:%u", v6 ? "[" : "", adm_addr_ntop(a, ip),
		 v6 ? "]" : "", port);
	return buf;
}

int adm_addr_cmp(const struct adm_addr *x, const struct adm_addr *y)
{
	if (x->af != y->af)
		return x->af < y->af ? -1 : 1;
	return memcmp(x->b, y->b, x->af == AF_INET ? 4 : 16);
}

bool adm_addr_eq(const struct adm_addr *x, const struct adm_addr *y)
{
	return adm_addr_cmp(x, y) == 0;
}

int adm_addr_of_json(const json_t *v, struct adm_addr *a)
{
	return adm_addr_pton(json_string_value(v), 0, a) == 0 ? 0 : -EBADMSG;
}

json_t *adm_addr_json(const struct adm_addr *a)
{
	char buf[ADM_ADDR_STRLEN];

	return json_string(adm_addr_ntop(a, buf));
}
