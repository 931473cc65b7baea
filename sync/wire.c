/* sync/wire.c — framing, HMAC and the protobuf-c codec (see wire.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "dp/bytes.h"
#include "dp/dp.h"
#include "dp/seq.h"
#include "dp/snap.h"
#include "dp/tcp.h"
#include "sync/sync.pb-c.h"
#include "sync/wire.h"

const char *const sync_refuse_names[SYNC_REFUSE_MAX] = {
#define SYNC_REFUSE_NAME(n, s) [SYNC_REFUSE_##n] = s,
	SYNC_REFUSE_LIST(SYNC_REFUSE_NAME)
#undef SYNC_REFUSE_NAME
};

#define REFUSE(r) (-(int)(SYNC_REFUSE_##r) - 1)

int sync_key_load(const char *path, struct sync_key *out)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -errno;
	n = fread(out->k, 1, sizeof(out->k), f);
	fclose(f);
	while (n && (out->k[n - 1] == '\n' || out->k[n - 1] == '\r' || out->k[n - 1] == ' ' ||
		     out->k[n - 1] == '\t'))
		n--;
	if (n < 16)
		return -EINVAL;
	out->len = n;
	return 0;
}

/* A session's window scales (dp/seq.h): two nibbles of at most 14 once the
 * translation is set; while the SYN proxy waits, the client's scale alone
 * (15: none). */
static bool wscale_ok(uint32_t ws, uint32_t xflags)
{
	if (xflags & DP_SEQ_X_SP_WAIT)
		return ws <= 15;
	return ws <= 0xff && (ws & 0xf) <= 14 && (ws >> 4) <= 14;
}

static void mac(const struct sync_key *key, const uint8_t *d, size_t len, uint8_t out[32])
{
	unsigned int mlen = 32;

	HMAC(EVP_sha256(), key->k, (int)key->len, d, len, out, &mlen);
}

int sync_wire_seal(const struct sync_key *key, const struct sync_hdr *h, const uint8_t *payload,
		   size_t plen, uint8_t *out, size_t cap)
{
	size_t n = SYNC_HDR_LEN + plen;

	if (n + SYNC_MAC_LEN > cap || n + SYNC_MAC_LEN > SYNC_MAX_DGRAM)
		return -EMSGSIZE;
	dp_put_u32(out, SYNC_MAGIC);
	out[4] = SYNC_VERSION;
	out[5] = h->type;
	dp_put_u16(out + 6, h->flags);
	dp_put_u32(out + 8, h->sender);
	dp_put_u64(out + 12, h->epoch);
	dp_put_u32(out + 20, h->stream);
	dp_put_u64(out + 24, h->seq);
	if (plen)
		memmove(out + SYNC_HDR_LEN, payload, plen);
	mac(key, out, n, out + n);
	return (int)(n + SYNC_MAC_LEN);
}

int sync_wire_open(const struct sync_key *key, const uint8_t *d, size_t len, struct sync_hdr *h,
		   const uint8_t **payload, size_t *plen)
{
	uint8_t want[32];

	if (len < SYNC_HDR_LEN + SYNC_MAC_LEN)
		return REFUSE(SHORT);
	if (len > SYNC_MAX_DGRAM)
		return REFUSE(OVERSIZE);
	if (dp_get_u32(d) != SYNC_MAGIC)
		return REFUSE(MAGIC);
	if (d[4] != SYNC_VERSION)
		return REFUSE(VERSION);
	if (d[5] != SYNC_T_STREAM && d[5] != SYNC_T_CONTROL)
		return REFUSE(TYPE);
	mac(key, d, len - SYNC_MAC_LEN, want);
	if (CRYPTO_memcmp(want, d + len - SYNC_MAC_LEN, SYNC_MAC_LEN) != 0)
		return REFUSE(MAC);
	h->type = d[5];
	h->flags = dp_get_u16(d + 6);
	h->sender = dp_get_u32(d + 8);
	h->epoch = dp_get_u64(d + 12);
	h->stream = dp_get_u32(d + 20);
	h->seq = dp_get_u64(d + 24);
	*payload = d + SYNC_HDR_LEN;
	*plen = len - SYNC_HDR_LEN - SYNC_MAC_LEN;
	return 0;
}

/* ---- a bounded allocator: one decode never takes more than this ---- */

#define ARENA_BYTES (192 * 1024)

struct arena {
	size_t used;
	_Alignas(16) uint8_t mem[ARENA_BYTES];
};

static void *arena_alloc(void *data, size_t size)
{
	struct arena *a = data;
	size_t n = (size + 15) & ~(size_t)15;

	if (n < size || a->used + n > sizeof(a->mem))
		return NULL;
	a->used += n;
	return a->mem + a->used - n;
}

static void arena_free(void *data, void *p)
{
	(void)data;
	(void)p;   /* all at once, when the arena goes */
}

/* ---- items ---- */

static ProtobufCBinaryData addr_bytes(const void *a, size_t len)
{
	ProtobufCBinaryData b = { len, (uint8_t *)(uintptr_t)a };

	return b;
}

static bool addr_of(ProtobufCBinaryData b, uint32_t *ip_net)
{
	if (b.len != 4)
		return false;
	memcpy(ip_net, b.data, 4);
	return true;
}

/* An IPv6 address of a session and its handle; never IPv4-mapped (that
 * form is NAT64's IPv4 side in the data plane, carried as 4 bytes). */
static bool addr6_of(ProtobufCBinaryData b, uint8_t a[16], uint32_t *handle)
{
	if (b.len != 16 || dp_ip6_mapped(b.data))
		return false;
	memcpy(a, b.data, 16);
	*handle = dp_ip6_handle(a);
	return true;
}

/* A session's IPv4 address: not in 0.0.0.0/8, where v6 handles are. */
static bool addr4_of(ProtobufCBinaryData b, uint32_t *ip_net)
{
	return addr_of(b, ip_net) && !dp_is_ip6_handle(*ip_net);
}

/* A session's addresses on the wire, by family: IPv4, four of 4 bytes;
 * IPv6, four of 16; NAT64, client and VIP of 16, local IP and server of 4
 * (the lengths say which; sync.proto). */
static void sess_addrs_pb(const struct dp_sync_rec *r, Mgw__Sync__Session *s)
{
	const struct dp_sess6 *a = &r->a6;

	if (!(r->flags & DP_SYNC_R_V6)) {
		s->cip = addr_bytes(&r->s.cip, 4);
		s->vip = addr_bytes(&r->s.vip, 4);
		s->lip = addr_bytes(&r->s.lip, 4);
		s->rip = addr_bytes(&r->s.rip, 4);
		return;
	}
	s->cip = addr_bytes(a->c, 16);
	s->vip = addr_bytes(a->v, 16);
	if (dp_ip6_mapped(a->r)) {
		s->lip = addr_bytes(&r->s.lip, 4);
		s->rip = addr_bytes(&r->s.rip, 4);
	} else {
		s->lip = addr_bytes(a->l, 16);
		s->rip = addr_bytes(a->r, 16);
	}
}

/* The other way; false for any other set of lengths, an IPv4-mapped
 * 16-byte address, an IPv4 one in 0.0.0.0/8, or NAT64 other than FULLNAT.
 * The handles are the receiver's own computation. */
static bool sess_addrs_from(const Mgw__Sync__Session *s, struct dp_sync_rec *r)
{
	struct dp_sess6 *a = &r->a6;
	size_t fwd = s->cip.len, rev = s->lip.len;

	if (s->vip.len != fwd || s->rip.len != rev)
		return false;
	if (fwd == 4)
		return rev == 4 && addr4_of(s->cip, &r->s.cip) && addr4_of(s->vip, &r->s.vip) &&
		       addr4_of(s->lip, &r->s.lip) && addr4_of(s->rip, &r->s.rip);
	if (fwd != 16 || !addr6_of(s->cip, a->c, &r->s.cip) || !addr6_of(s->vip, a->v, &r->s.vip))
		return false;
	r->flags |= DP_SYNC_R_V6;
	if (rev == 16)
		return addr6_of(s->lip, a->l, &r->s.lip) && addr6_of(s->rip, a->r, &r->s.rip);
	if (rev != 4 || s->fwd != DP_FWD_FULLNAT || !addr4_of(s->lip, &r->s.lip) ||
	    !addr4_of(s->rip, &r->s.rip))
		return false;
	dp_ip6_map4(a->l, r->s.lip);
	dp_ip6_map4(a->r, r->s.rip);
	return true;
}

/* The protobuf form of an item, pointing into it (no allocation). */
struct pb_item {
	Mgw__Sync__Session s;
	Mgw__Sync__Template t;
	Mgw__Sync__Marker m;
	Mgw__Sync__Finish f;
	Mgw__Sync__Guard g;
};

/* What one encode or decode needs besides its input: the caller's. */
struct sync_scratch {
	struct arena arena;
	struct pb_item pb[SYNC_MAX_ITEMS];
};

struct sync_scratch *sync_scratch_create(void)
{
	return calloc(1, sizeof(struct sync_scratch));
}

void sync_scratch_free(struct sync_scratch *sc)
{
	free(sc);
}

static void to_pb(const struct sync_item *it, struct pb_item *pb)
{
	const struct dp_sync_rec *r = &it->rec;

	switch (it->kind) {
	case SYNC_ITEM_SESSION:
		mgw__sync__session__init(&pb->s);
		pb->s.proto = r->proto;
		pb->s.state = r->state;
		pb->s.fwd = r->fwd;
		sess_addrs_pb(r, &pb->s);
		pb->s.cport = __builtin_bswap16(r->s.cport);
		pb->s.vport = __builtin_bswap16(r->s.vport);
		pb->s.lport = __builtin_bswap16(r->s.lport);
		pb->s.rport = __builtin_bswap16(r->s.rport);
		pb->s.expire_ms = r->s.expire_ms;
		pb->s.lcore = r->lcore;
		pb->s.bulk_id = r->bulk_id;
		pb->s.deleted = r->kind == DP_SYNC_DELETE;
		pb->s.seq_in = r->s.seq_in;
		pb->s.seq_out = r->s.seq_out;
		pb->s.ts_delta = r->s.ts_delta;
		pb->s.xflags = r->s.xflags;
		pb->s.wscale = r->s.wscale;
		pb->s.isn = r->s.isn;
		pb->s.flags = r->s.sflags;
		pb->s.owner = r->owner;
		pb->s.tcpwin = r->tcpwin;
		break;
	case SYNC_ITEM_TEMPLATE:
		mgw__sync__template__init(&pb->t);
		pb->t.cip = addr_bytes(&r->t.cip, 4);
		pb->t.vip = addr_bytes(&r->t.vip, 4);
		pb->t.rip = addr_bytes(&r->t.rip, 4);
		pb->t.vport = __builtin_bswap16(r->t.vport);
		pb->t.rport = __builtin_bswap16(r->t.rport);
		pb->t.expire_ms = r->t.expire_ms;
		break;
	case SYNC_ITEM_MARKER:
		mgw__sync__marker__init(&pb->m);
		pb->m.lcore = r->lcore;
		pb->m.count = r->m.count;
		pb->m.hash = r->m.hash;
		pb->m.seq = r->m.seq;
		break;
	case SYNC_ITEM_GUARD:
		mgw__sync__guard__init(&pb->g);
		pb->g.lip = addr_bytes(&r->s.lip, 4);
		pb->g.rip = addr_bytes(&r->s.rip, 4);
		pb->g.v6 = !!(r->flags & DP_SYNC_R_V6);
		pb->g.lport = __builtin_bswap16(r->s.lport);
		pb->g.rport = __builtin_bswap16(r->s.rport);
		pb->g.left_ms = r->s.expire_ms;
		break;
	default:
		mgw__sync__finish__init(&pb->f);
		pb->f.bulk_id = it->fin.bulk_id;
		pb->f.count = it->fin.count;
		pb->f.digest = it->fin.digest;
		pb->f.lcore = it->fin.lcore;
		break;
	}
}

static size_t varint_len(size_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static size_t pb_size(const struct sync_item *it, const struct pb_item *pb)
{
	size_t n;

	switch (it->kind) {
	case SYNC_ITEM_SESSION: n = mgw__sync__session__get_packed_size(&pb->s); break;
	case SYNC_ITEM_TEMPLATE: n = mgw__sync__template__get_packed_size(&pb->t); break;
	case SYNC_ITEM_MARKER: n = mgw__sync__marker__get_packed_size(&pb->m); break;
	case SYNC_ITEM_GUARD: n = mgw__sync__guard__get_packed_size(&pb->g); break;
	default: n = mgw__sync__finish__get_packed_size(&pb->f); break;
	}
	return 1 + varint_len(n) + n;   /* field tag, length, message */
}

size_t sync_wire_item_size(const struct sync_item *it)
{
	struct pb_item pb;

	to_pb(it, &pb);
	return pb_size(it, &pb);
}

unsigned sync_wire_batch_encode(struct sync_scratch *sc, const struct sync_item *items, unsigned n,
				uint8_t *out, size_t cap, size_t *len)
{
	struct pb_item *pb = sc->pb;
	Mgw__Sync__Session *ss[SYNC_MAX_ITEMS];
	Mgw__Sync__Template *ts[SYNC_MAX_ITEMS];
	Mgw__Sync__Marker *ms[SYNC_MAX_ITEMS];
	Mgw__Sync__Finish *fs[SYNC_MAX_ITEMS];
	Mgw__Sync__Guard *gs[SYNC_MAX_ITEMS];
	Mgw__Sync__Batch b = MGW__SYNC__BATCH__INIT;
	size_t total = 0;
	unsigned k;

	for (k = 0; k < n && k < SYNC_MAX_ITEMS; k++) {
		size_t sz;

		to_pb(&items[k], &pb[k]);
		sz = pb_size(&items[k], &pb[k]);
		if (total + sz > cap)
			break;
		total += sz;
		switch (items[k].kind) {
		case SYNC_ITEM_SESSION: ss[b.n_sessions++] = &pb[k].s; break;
		case SYNC_ITEM_TEMPLATE: ts[b.n_templates++] = &pb[k].t; break;
		case SYNC_ITEM_MARKER: ms[b.n_markers++] = &pb[k].m; break;
		case SYNC_ITEM_GUARD: gs[b.n_guards++] = &pb[k].g; break;
		default: fs[b.n_finishes++] = &pb[k].f; break;
		}
	}
	b.sessions = ss;
	b.templates = ts;
	b.markers = ms;
	b.finishes = fs;
	b.guards = gs;
	*len = mgw__sync__batch__pack(&b, out);
	return k;
}

static bool port_ok(uint32_t v)
{
	return v <= 65535;
}

static int session_from(const Mgw__Sync__Session *s, struct sync_item *it)
{
	struct dp_sync_rec *r = &it->rec;

	memset(it, 0, sizeof(*it));
	it->kind = SYNC_ITEM_SESSION;
	if ((s->proto != 6 && s->proto != 17) || s->state >= DP_TIMEOUT_MAX ||
	    s->fwd >= DP_FWD_MAX || !port_ok(s->cport) || !port_ok(s->vport) ||
	    !port_ok(s->lport) || !port_ok(s->rport) || s->lcore >= DP_MAX_LCORES ||
	    s->bulk_id > 65535 || s->expire_ms > 86400000u || !wscale_ok(s->wscale, s->xflags) ||
	    s->xflags > 65535 || (s->flags & ~(uint32_t)(0x08 | 0x20)) || s->owner > 255 ||
	    (s->tcpwin & ~(uint32_t)0x8f8f))
		return REFUSE(LIMIT);
	r->flags = s->bulk_id ? DP_SYNC_R_BULK : 0;
	if (!sess_addrs_from(s, r))
		return REFUSE(LIMIT);
	r->kind = s->deleted ? DP_SYNC_DELETE : DP_SYNC_UPSERT;
	r->proto = (uint8_t)s->proto;
	r->state = (uint8_t)s->state;
	r->fwd = (uint8_t)s->fwd;
	r->lcore = (uint8_t)s->lcore;
	r->bulk_id = (uint16_t)s->bulk_id;
	r->owner = s->owner;
	r->s.cport = __builtin_bswap16((uint16_t)s->cport);
	r->s.vport = __builtin_bswap16((uint16_t)s->vport);
	r->s.lport = __builtin_bswap16((uint16_t)s->lport);
	r->s.rport = __builtin_bswap16((uint16_t)s->rport);
	r->s.expire_ms = s->expire_ms;
	r->s.seq_in = s->seq_in;
	r->s.seq_out = s->seq_out;
	r->s.ts_delta = s->ts_delta;
	r->s.xflags = (uint16_t)s->xflags;
	r->s.wscale = (uint8_t)s->wscale;
	r->s.isn = s->isn;
	r->s.sflags = (uint8_t)s->flags;
	r->tcpwin = (uint16_t)s->tcpwin;
	return 0;
}

static int template_from(const Mgw__Sync__Template *t, struct sync_item *it)
{
	struct dp_sync_rec *r = &it->rec;

	memset(it, 0, sizeof(*it));
	it->kind = SYNC_ITEM_TEMPLATE;
	r->kind = DP_SYNC_TEMPLATE;
	if (!port_ok(t->vport) || !port_ok(t->rport) || t->expire_ms > 86400000u ||
	    !addr_of(t->cip, &r->t.cip) || !addr_of(t->vip, &r->t.vip) ||
	    !addr_of(t->rip, &r->t.rip))
		return REFUSE(LIMIT);
	r->t.vport = __builtin_bswap16((uint16_t)t->vport);
	r->t.rport = __builtin_bswap16((uint16_t)t->rport);
	r->t.expire_ms = t->expire_ms;
	return 0;
}

static int guard_from(const Mgw__Sync__Guard *g, struct sync_item *it)
{
	struct dp_sync_rec *r = &it->rec;
	int h6;

	memset(it, 0, sizeof(*it));
	it->kind = SYNC_ITEM_GUARD;
	r->kind = DP_SYNC_GUARD;
	r->proto = 6;
	r->fwd = DP_FWD_FULLNAT;
	if (!port_ok(g->lport) || !port_ok(g->rport) || g->left_ms > 3600000u ||
	    !addr_of(g->lip, &r->s.lip) || !addr_of(g->rip, &r->s.rip))
		return REFUSE(LIMIT);
	/* A v6 local IP's guard is kept by handles (dp/laddr.h), its
	 * server's too: both are, or neither. (A node before v6 said so by
	 * the handles alone.) */
	h6 = dp_is_ip6_handle(r->s.lip);
	if (h6 != dp_is_ip6_handle(r->s.rip) || (g->v6 && !h6))
		return REFUSE(LIMIT);
	r->flags = h6 ? DP_SYNC_R_V6 : 0;
	r->s.lport = __builtin_bswap16((uint16_t)g->lport);
	r->s.rport = __builtin_bswap16((uint16_t)g->rport);
	r->s.expire_ms = g->left_ms;
	return 0;
}

int sync_wire_batch_decode(struct sync_scratch *sc, const uint8_t *p, size_t len,
			   struct sync_item *items, unsigned max)
{
	ProtobufCAllocator al = { arena_alloc, arena_free, &sc->arena };
	Mgw__Sync__Batch *b;
	unsigned n = 0;
	int rc = 0;

	sc->arena.used = 0;
	b = mgw__sync__batch__unpack(&al, len, p);
	if (!b)
		return REFUSE(DECODE);
	if (b->n_sessions + b->n_templates + b->n_markers + b->n_finishes + b->n_guards > max ||
	    b->n_sessions + b->n_templates + b->n_markers + b->n_finishes + b->n_guards >
		    SYNC_MAX_ITEMS)
		return REFUSE(LIMIT);
	for (size_t i = 0; rc == 0 && i < b->n_sessions; i++)
		rc = session_from(b->sessions[i], &items[n++]);
	for (size_t i = 0; rc == 0 && i < b->n_templates; i++)
		rc = template_from(b->templates[i], &items[n++]);
	for (size_t i = 0; rc == 0 && i < b->n_guards; i++)
		rc = guard_from(b->guards[i], &items[n++]);
	for (size_t i = 0; rc == 0 && i < b->n_markers; i++) {
		struct sync_item *it = &items[n++];

		memset(it, 0, sizeof(*it));
		it->kind = SYNC_ITEM_MARKER;
		it->rec.kind = DP_SYNC_MARKER;
		if (b->markers[i]->lcore >= DP_MAX_LCORES)
			rc = REFUSE(LIMIT);
		it->rec.lcore = (uint8_t)b->markers[i]->lcore;
		it->rec.m.count = b->markers[i]->count;
		it->rec.m.hash = b->markers[i]->hash;
		it->rec.m.seq = b->markers[i]->seq;
	}
	for (size_t i = 0; rc == 0 && i < b->n_finishes; i++) {
		struct sync_item *it = &items[n++];
		const Mgw__Sync__Finish *f = b->finishes[i];

		memset(it, 0, sizeof(*it));
		it->kind = SYNC_ITEM_FINISH;
		if (f->bulk_id == 0 || f->bulk_id > 65535 || f->lcore < -1 ||
		    f->lcore >= DP_MAX_LCORES)
			rc = REFUSE(LIMIT);
		it->fin.bulk_id = f->bulk_id;
		it->fin.lcore = f->lcore;
		it->fin.count = f->count;
		it->fin.digest = f->digest;
	}
	/* nothing to free: the arena goes as a whole */
	return rc < 0 ? rc : (int)n;
}

int sync_wire_control_encode(const struct sync_control *c, uint8_t *out, size_t cap, size_t *len)
{
	Mgw__Sync__Control m = MGW__SYNC__CONTROL__INIT;
	Mgw__Sync__Nack nk[SYNC_MAX_NACKS], *nkp[SYNC_MAX_NACKS];
	Mgw__Sync__BulkRequest br[SYNC_MAX_BULKREQ], *brp[SYNC_MAX_BULKREQ];
	Mgw__Sync__LipHold lh[SYNC_MAX_LIPHOLD], *lhp[SYNC_MAX_LIPHOLD];
	size_t need;

	m.state = c->state;
	m.config_digest = c->config_digest;
	m.lcores = c->lcores;
	m.stream = c->stream;
	m.next_seq = c->next_seq;
	m.ack_stream = c->ack_stream;
	m.ack_cum = c->ack_cum;
	m.handback_seq = c->handback_seq;
	m.joined = c->joined;
	for (unsigned i = 0; i < c->n_nacks && i < SYNC_MAX_NACKS; i++) {
		mgw__sync__nack__init(&nk[i]);
		nk[i].first = c->nacks[i].first;
		nk[i].last = c->nacks[i].last;
		nkp[m.n_nacks++] = &nk[i];
	}
	for (unsigned i = 0; i < c->n_bulk && i < SYNC_MAX_BULKREQ; i++) {
		mgw__sync__bulk_request__init(&br[i]);
		br[i].bulk_id = c->bulk[i].bulk_id;
		br[i].lcore = c->bulk[i].lcore;
		brp[m.n_bulk_requests++] = &br[i];
	}
	for (unsigned i = 0; i < c->n_lips && i < SYNC_MAX_LIPHOLD; i++) {
		mgw__sync__lip_hold__init(&lh[i]);
		lh[i].ip = c->lips[i].v6 ? addr_bytes(c->lips[i].ip6, 16)
					 : addr_bytes(&c->lips[i].ip, 4);
		lh[i].owner = c->lips[i].owner;
		lh[i].holder = c->lips[i].holder;
		lhp[m.n_lips++] = &lh[i];
	}
	m.nacks = nkp;
	m.bulk_requests = brp;
	m.lips = lhp;
	need = mgw__sync__control__get_packed_size(&m);
	if (need > cap)
		return -EMSGSIZE;
	*len = mgw__sync__control__pack(&m, out);
	return 0;
}

int sync_wire_control_decode(struct sync_scratch *sc, const uint8_t *p, size_t len,
			     struct sync_control *c)
{
	ProtobufCAllocator al = { arena_alloc, arena_free, &sc->arena };
	Mgw__Sync__Control *m;

	sc->arena.used = 0;
	m = mgw__sync__control__unpack(&al, len, p);
	if (!m)
		return REFUSE(DECODE);
	if (m->n_nacks > SYNC_MAX_NACKS || m->n_bulk_requests > SYNC_MAX_BULKREQ ||
	    m->n_lips > SYNC_MAX_LIPHOLD || m->state > 16 || m->lcores > DP_MAX_LCORES)
		return REFUSE(LIMIT);
	memset(c, 0, sizeof(*c));
	c->state = m->state;
	c->config_digest = m->config_digest;
	c->lcores = m->lcores;
	c->stream = m->stream;
	c->next_seq = m->next_seq;
	c->ack_stream = m->ack_stream;
	c->ack_cum = m->ack_cum;
	c->handback_seq = m->handback_seq;
	c->joined = m->joined;
	for (size_t i = 0; i < m->n_nacks; i++) {
		if (m->nacks[i]->first > m->nacks[i]->last)
			return REFUSE(LIMIT);
		c->nacks[c->n_nacks].first = m->nacks[i]->first;
		c->nacks[c->n_nacks++].last = m->nacks[i]->last;
	}
	for (size_t i = 0; i < m->n_bulk_requests; i++) {
		if (m->bulk_requests[i]->bulk_id == 0 || m->bulk_requests[i]->bulk_id > 65535 ||
		    m->bulk_requests[i]->lcore < -1 || m->bulk_requests[i]->lcore >= DP_MAX_LCORES)
			return REFUSE(LIMIT);
		c->bulk[c->n_bulk].bulk_id = m->bulk_requests[i]->bulk_id;
		c->bulk[c->n_bulk++].lcore = m->bulk_requests[i]->lcore;
	}
	for (size_t i = 0; i < m->n_lips; i++) {
		struct sync_liphold *h = &c->lips[c->n_lips];

		h->v6 = m->lips[i]->ip.len == 16;
		if (!(h->v6 ? addr6_of(m->lips[i]->ip, h->ip6, &h->ip)
			    : addr4_of(m->lips[i]->ip, &h->ip)) ||
		    m->lips[i]->owner > 255 || m->lips[i]->holder > 255)
			return REFUSE(LIMIT);
		c->lips[c->n_lips].owner = m->lips[i]->owner;
		c->lips[c->n_lips++].holder = m->lips[i]->holder;
	}
	return 0;
}
