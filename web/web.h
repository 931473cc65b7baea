/* web/web.h — the HTTP JSON admin API (docs/api.md) on libmicrohttpd + jansson.
 *
 * web/ reaches the rest of mgw only through cp/: it turns requests into
 * cp_edit() changes and cp views into responses. */
#ifndef MGW_WEB_WEB_H
#define MGW_WEB_WEB_H

#include <stdint.h>

struct cp;
struct web;

struct web_conf {
	uint32_t addr;          /* host order */
	uint16_t port;
	const char *token;      /* NULL or "" = no authentication */
	uint32_t max_body;      /* bytes; more gets 413 */
};

int web_create(const struct web_conf *conf, struct cp *cp, struct web **out);
void web_destroy(struct web *w);

#endif
