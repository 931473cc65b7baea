/* adm/adm.h — mgwadm: an ipvsadm-compatible command line that drives mgw's
 * HTTP API (docs/api.md). One header for the whole tool; its parts:
 *
 *   addr.c   one address type for IPv4 and IPv6: read, compare, print
 *   http.c   a small HTTP/1.1 client: URL, request text, response parser
 *            (Content-Length, chunked, until-close), socket transport
 *   api.c    JSON requests to /api/v1 and docs/api.md error bodies
 *   opts.c   ipvsadm's command line (and one line of a -R dump) -> adm_cmd
 *   ipvs.c   ipvsadm semantics on mgw's service/server JSON
 *   list.c   -L / -l / -L -c output, as ipvsadm prints it
 *   save.c   -S output and -R input (ipvsadm-save format)
 *   ka_conf.c     keepalived.conf's syntax into a tree of statements
 *   keepalived.c  --import-keepalived: that tree as mgw's services
 *   run.c    executes one adm_cmd against the API
 *   main.c   argv, environment, exit status
 *
 * Everything but main.c and the socket transport is pure: it works on
 * argv, bytes and JSON, and writes to a FILE *, so the unit tests drive it
 * with fixed input and a fake transport. Errors are 0 or a negative errno;
 * a message for the user goes into a caller's buffer.
 */
#ifndef MGW_ADM_ADM_H
#define MGW_ADM_ADM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define ADM_VERSION "0.1"
#define ADM_ERR_LEN 512

/* ---- addresses (addr.c) --------------------------------------------- */

/* An IPv4 or an IPv6 address; one type, so that every parser, key and
 * printer serves both families. */
struct adm_addr {
	int af;                         /* AF_INET, AF_INET6; 0: none */
	uint8_t b[16];                  /* network order; IPv4 in b[0..4) */
};

#define ADM_ADDR_STRLEN     46      /* INET6_ADDRSTRLEN */
#define ADM_ADDRPORT_STRLEN (ADM_ADDR_STRLEN + 8)       /* "[" a "]:65535" */

/* A numeric address of family af (0: either). 0 or -EINVAL. */
int adm_addr_pton(const char *s, int af, struct adm_addr *a);
void adm_addr_v4(struct adm_addr *a, uint32_t host_order);
/* inet_ntop's canonical text into buf[ADM_ADDR_STRLEN]; returns buf. */
const char *adm_addr_ntop(const struct adm_addr *a, char *buf);
/* ipvsadm's "10.0.0.10:80" / "[fd00::10]:80" into buf[ADM_ADDRPORT_STRLEN]. */
const char *adm_addrport(const struct adm_addr *a, uint16_t port, char *buf);
/* ipvsadm's order: IPv4 before IPv6, then by value. */
int adm_addr_cmp(const struct adm_addr *x, const struct adm_addr *y);
bool adm_addr_eq(const struct adm_addr *x, const struct adm_addr *y);
/* A JSON string holding an address (-EBADMSG if not); its canonical JSON. */
int adm_addr_of_json(const json_t *v, struct adm_addr *a);
json_t *adm_addr_json(const struct adm_addr *a);

/* ---- HTTP client (http.c) ------------------------------------------- */

/* Largest response accepted (a long -L -c session list fits). */
#define ADM_HTTP_MAX_RESPONSE (256u << 20)
#define ADM_HTTP_MAX_HEADERS  (64u << 10)

struct adm_url {
	char host[256];
	uint16_t port;
	char base[512];                 /* path prefix, ends in "/api/v1" */
};

/* "http://host[:port][/prefix]" -> url; only http:// (no TLS). */
int adm_url_parse(const char *text, struct adm_url *u, char *err, size_t errlen);

struct adm_http_resp {
	int status;
	char *body;                     /* NUL-terminated, malloc'ed (may be "") */
	size_t body_len;
};

/* Parse one response from buf[0..len). eof says the peer has closed.
 * 0: complete, *out filled (free with adm_http_resp_free);
 * -EAGAIN: need more bytes (only when !eof); -ENODATA: closed before the
 * response was complete (truncated); -EBADMSG: not HTTP/1.x or a malformed
 * header / chunk; -EFBIG: over the limits above; -ENOMEM. */
int adm_http_parse(const char *buf, size_t len, bool eof, struct adm_http_resp *out);
void adm_http_resp_free(struct adm_http_resp *r);

/* The request text (malloc'ed into *out). body may be NULL. */
int adm_http_request(const struct adm_url *u, const char *method, const char *path,
		     const char *token, const char *body, size_t body_len, char **out,
		     size_t *out_len);

/* Send req to u over a plain TCP socket and read the response; the whole
 * exchange is bounded by timeout_ms. */
int adm_http_exchange(const struct adm_url *u, const char *req, size_t req_len, int timeout_ms,
		      struct adm_http_resp *out, char *err, size_t errlen);

/* ---- API client (api.c) --------------------------------------------- */

/* One request/response. path is below /api/v1 ("/services"). The socket
 * transport is adm_api_socket; tests put a fake here. */
typedef int (*adm_transport_fn)(void *ctx, const char *method, const char *path,
				const char *body, struct adm_http_resp *out, char *err,
				size_t errlen);

struct adm_api {
	struct adm_url url;
	const char *token;              /* NULL: no Authorization header */
	int timeout_ms;
	adm_transport_fn transport;
	void *ctx;
};

/* The real transport: ctx is the struct adm_api itself. */
int adm_api_socket(void *ctx, const char *method, const char *path, const char *body,
		   struct adm_http_resp *out, char *err, size_t errlen);

/* body (not consumed) is sent as JSON; *out (may be NULL) gets the parsed
 * answer of a 2xx. An API error (4xx/5xx) returns -ENOENT (404), -EEXIST
 * (409), -EINVAL (400), -EACCES (401, 403), -EIO (others) with err set to
 * "<message> (<field>)"; an unreachable API returns its errno. */
int adm_api_call(struct adm_api *a, const char *method, const char *path, const json_t *body,
		 json_t **out, char *err, size_t errlen);

/* ---- the command line (opts.c) -------------------------------------- */

enum adm_cmd_kind {
	ADM_CMD_NONE,
	ADM_CMD_ADD_SVC,                /* -A */
	ADM_CMD_EDIT_SVC,               /* -E */
	ADM_CMD_DEL_SVC,                /* -D */
	ADM_CMD_FLUSH,                  /* -C */
	ADM_CMD_LIST,                   /* -L, -l */
	ADM_CMD_ADD_RS,                 /* -a */
	ADM_CMD_EDIT_RS,                /* -e */
	ADM_CMD_DEL_RS,                 /* -d */
	ADM_CMD_ZERO,                   /* -Z */
	ADM_CMD_SAVE,                   /* -S */
	ADM_CMD_RESTORE,                /* -R */
	ADM_CMD_SET,                    /* --set tcp tcpfin udp */
	ADM_CMD_HELP,                   /* -h */
	ADM_CMD_VERSION,                /* -v */
	ADM_CMD_IMPORT_KA,              /* --import-keepalived FILE [--apply] */
	ADM_CMD_MAX
};

/* Options seen (for the command/option table and "given" checks). */
enum {
	ADM_O_NUMERIC    = 1u << 0,
	ADM_O_CONN       = 1u << 1,
	ADM_O_SERVICE    = 1u << 2,
	ADM_O_SCHED      = 1u << 3,
	ADM_O_PERSIST    = 1u << 4,
	ADM_O_NETMASK    = 1u << 5,
	ADM_O_SERVER     = 1u << 6,
	ADM_O_FWD        = 1u << 7,
	ADM_O_WEIGHT     = 1u << 8,
	ADM_O_UTHR       = 1u << 9,
	ADM_O_LTHR       = 1u << 10,
	ADM_O_STATS      = 1u << 11,
	ADM_O_RATE       = 1u << 12,
	ADM_O_THRESH     = 1u << 13,
	ADM_O_EXACT      = 1u << 14,
	ADM_O_NOSORT     = 1u << 15,
	ADM_O_TIMEOUT    = 1u << 16,
	ADM_O_SCHEDFLAGS = 1u << 17,
	ADM_O_COUNT      = 18
};

/* Forwarding methods, in mgw's names. */
enum adm_fwd { ADM_FWD_NONE, ADM_FWD_FULLNAT, ADM_FWD_NAT, ADM_FWD_DR, ADM_FWD_TUNNEL };

struct adm_cmd {
	enum adm_cmd_kind cmd;
	unsigned opts;                  /* ADM_O_* given */
	/* -t / -u */
	uint8_t proto;                  /* IPPROTO_TCP or IPPROTO_UDP */
	struct adm_addr vip;
	uint16_t vport;
	/* -A / -E */
	char sched[16];
	uint32_t persist_s;             /* 0: not persistent */
	uint32_t mask;                  /* host order; default /32 (IPv4 services) */
	bool mh_port;                   /* -b mh-port (ipvsadm 1.31 sched flags) */
	/* -A / -E, DPVS's spelling: --proxy-protocol v1|v2|none, --toa,
	 * --proxy-send first_data|on_connect, -j / --synproxy */
	const char *client_address;     /* the API's value; NULL: not given */
	const char *proxy_send;         /* NULL: not given */
	int synproxy;                   /* 1 -j, -1 --no-synproxy (-E), 0 not given */
	/* -a / -e / -d and, as an mgw extension, -A / -E */
	enum adm_fwd fwd;               /* ADM_FWD_NONE: not given */
	struct adm_addr rip;
	uint16_t rport;
	bool rport_given;
	uint32_t weight;                /* default 1 */
	uint32_t u_thr, l_thr;
	/* --set */
	uint32_t set_tcp, set_tcpfin, set_udp;
	/* global (not ipvsadm): --api URL, --token T, --api-timeout S */
	const char *api;
	const char *token;
	int timeout_s;
	/* --import-keepalived */
	const char *import_path;
	bool apply;
};

/* Parse argv[1..argc) (argv[0] is the program). 0 or -EINVAL with an
 * ipvsadm-like message in err. When restore_line is true (a -R line),
 * --api/--token are refused and host names are not resolved. */
int adm_opts_parse(int argc, char **argv, bool restore_line, struct adm_cmd *c, char *err,
		   size_t errlen);

/* ipvsadm's name for an option bit ("weight", "service-address"). */
const char *adm_opt_name(unsigned opt_bit);
const char *adm_cmd_name(enum adm_cmd_kind k);

/* --help text; -v text. */
void adm_usage(FILE *f, const char *prog);
void adm_version(FILE *f);

/* ---- ipvsadm semantics on mgw JSON (ipvs.c) ------------------------- */

const char *adm_fwd_api_name(enum adm_fwd f);   /* "fullnat", "nat", ... */
const char *adm_fwd_flag(enum adm_fwd f);       /* "-b", "-m", "-g", "-i" */
const char *adm_fwd_list_name(enum adm_fwd f);  /* "FullNat", "Masq", "Route", "Tunnel" */
enum adm_fwd adm_fwd_from_api(const char *name);/* ADM_FWD_NONE if unknown */

/* 0 if mgw has this scheduler; else -EINVAL and a message that tells an
 * LVS scheduler mgw lacks from an unknown name. */
int adm_sched_check(const char *name, char *err, size_t errlen);

/* Service identity of a JSON service; -EBADMSG when it has none. */
int adm_svc_key(const json_t *svc, uint8_t *proto, struct adm_addr *vip, uint16_t *port);
/* Index of the service in a JSON array, or -1. */
int adm_svc_find(const json_t *services, uint8_t proto, const struct adm_addr *vip,
		 uint16_t port);
/* A server's address and port (the service's when the server has none). */
int adm_rs_key(const json_t *svc, const json_t *rs, struct adm_addr *ip, uint16_t *port);
/* Index of the server (ip, port) in a service's "servers", or -1. */
int adm_rs_find(const json_t *svc, const struct adm_addr *ip, uint16_t port);

/* "/services/tcp/10.0.0.10/80", "/services/tcp/fd00::10/80" into buf. */
void adm_svc_path(char *buf, size_t len, uint8_t proto, const struct adm_addr *vip,
		  uint16_t port);
/* "TCP 10.0.0.10:80", "TCP [fd00::10]:80" for messages. */
void adm_svc_label(char *buf, size_t len, uint8_t proto, const struct adm_addr *vip,
		   uint16_t port);

/* Request bodies. -A: the new service. -E: what ipvsadm's edit sets (a
 * scheduler, persistence and its mask, the sched flags; forwarding only
 * when given). */
json_t *adm_svc_new_json(const struct adm_cmd *c);
/* A service's client-address and SYN proxy settings after -L's scheduler
 * (" synproxy proxy-protocol v2") or as -S options (" -j --proxy-protocol v2"). */
void adm_print_xflags(FILE *f, const json_t *svc, bool as_options);
json_t *adm_svc_edit_json(const struct adm_cmd *c);

/* Before -a / -e: settle forwarding and the server's port against the
 * service. A forwarding flag must match the service's unless the service
 * has no other server, in which case the service adopts it (*adopt set to
 * the new method); dr and tunnel keep the service's port, as ipvsadm does.
 * -EINVAL with a message that says so on a mismatch. */
int adm_rs_settle(const json_t *svc, struct adm_cmd *c, enum adm_fwd *adopt, char *err,
		  size_t errlen);

/* -a body; -e body (ipvsadm's edit: weight, and the thresholds when the
 * API knows them — cur is the server as the API shows it, or NULL). */
json_t *adm_rs_new_json(const struct adm_cmd *c);
json_t *adm_rs_edit_json(const struct adm_cmd *c, const json_t *cur);

/* Apply one -A -E -D -C -a -e -d to an array of services in memory (for
 * -R and -C, which go out as one PUT /config). ipvsadm's messages:
 * "Service already exists", "No such service", "Service not defined",
 * "Destination already exists", "No such destination". */
int adm_apply(json_t *services, struct adm_cmd *c, char *err, size_t errlen);

/* ---- output (list.c, save.c) ---------------------------------------- */

enum {
	ADM_FMT_NUMERIC = 1u << 0,
	ADM_FMT_STATS   = 1u << 1,
	ADM_FMT_RATE    = 1u << 2,
	ADM_FMT_THRESH  = 1u << 3,
	ADM_FMT_EXACT   = 1u << 4,
	ADM_FMT_NOSORT  = 1u << 5,
	ADM_FMT_ONE     = 1u << 6,      /* one service (-L -t): no version line */
};

/* The version line of -L (ipvsadm prints the kernel's IPVS version). */
#define ADM_LIST_VERSION_LINE "IP Virtual Server version 1.2.1 (size=4096)"

/* -L: services as GET /services gives them; stats (GET /stats, may be
 * NULL) supplies the rates for --rate. -EBADMSG if the JSON is not the
 * API's shape. */
int adm_list_render(FILE *f, const json_t *services, const json_t *stats, unsigned fmt);
/* -L -c: the answer of GET /sessions. */
int adm_conn_render(FILE *f, const json_t *sessions, unsigned fmt);
/* -L --timeout: from GET /config. */
int adm_timeout_render(FILE *f, const json_t *config);
/* ipvsadm's number column: 9 wide, K/M/G/T past 10^8 unless exact. */
void adm_print_largenum(FILE *f, unsigned long long v, unsigned fmt);

/* -S: ipvsadm-save text of the services. */
int adm_save_render(FILE *f, const json_t *services, unsigned fmt);

/* -R: read a dump and apply it to services (in memory). Nothing in
 * services changes on an error, which names the line ("line 7: ..."). */
int adm_restore_apply(FILE *in, json_t *services, char *err, size_t errlen);

/* ---- keepalived.conf (ka_conf.c, keepalived.c) ------------------------ */

/* One statement: "keyword arg arg" and, when block, its statements. */
struct adm_ka_node {
	const char *kw;
	const char **args;
	size_t n_args;
	bool block;
	struct adm_ka_node *kids;
	size_t n_kids;
	const char *file;
	int line;
};

struct adm_ka_conf {
	struct adm_ka_node root;        /* the top-level statements */
	char **words, **files;          /* what the nodes point into */
	size_t n_words, n_files;
};

/* Read path (and what it includes). -errno with err set ("file:line: ..."). */
int adm_ka_read(const char *path, struct adm_ka_conf **out, char *err, size_t errlen);
void adm_ka_free(struct adm_ka_conf *c);

/* The mgw config part that carries the conf's LVS setup exactly:
 * {"services": [...], "localips": [...], "timeouts": {...}} (the last two
 * only when the conf has them). What cannot be carried is named on diag,
 * one "file:line: keyword: why" line each, and makes it -EINVAL with
 * *out NULL; warnings (what mgw does a little differently, what is not a
 * load balancer's) go there too, as "file:line: keyword: warning: ...". */
int adm_ka_import(const struct adm_ka_conf *conf, json_t **out, FILE *diag);

/* ---- running a command (run.c) -------------------------------------- */

/* Executes c against the API; output to out, errors as "mgwadm: ..." to
 * errf. in is read by -R. Returns the exit status: 0, 1 (the API or the
 * input refused it), 2 (usage). */
int adm_run(struct adm_api *a, struct adm_cmd *c, FILE *in, FILE *out, FILE *errf);

#endif
