/* web/web.h — the HTTP JSON admin API (docs/api.md) on libmicrohttpd +
 * jansson, the status page at "/", and the read-only metrics listener.
 *
 * web/ reaches the rest of mgw only through cp/: it turns requests into
 * cp_edit() changes and cp views into responses. */
#ifndef MGW_WEB_WEB_H
#define MGW_WEB_WEB_H

#include <stdbool.h>
#include <stdint.h>

struct cp;
struct web;

struct web_conf {
	uint32_t addr;          /* host order */
	uint16_t port;
	const char *token;      /* NULL or "" = no authentication */
	uint32_t max_body;      /* bytes; more gets 413 */
	uint32_t max_buffered;  /* bytes of bodies held at once, all clients; more gets 503 */
	uint32_t conns_per_client;
	uint32_t request_timeout_s;  /* a whole request, from its first byte to its answer */
	bool metrics_only;      /* GET /metrics and nothing else, no token (metrics.listen) */
};

int web_create(const struct web_conf *conf, struct cp *cp, struct web **out);
void web_destroy(struct web *w);

#endif
