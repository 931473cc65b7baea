/* mgw OSPF — wire codec: IPv4 and OSPF headers, the five packet bodies,
 * LSA headers and the LSA bodies we look into (RFC 2328 A.3, A.4).
 *
 * Everything here reads untrusted bytes, so it reads them only through
 * dp_get_u16/u32 after checking the length, and reports why it refused.
 */
#include <errno.h>
#include <string.h>

#include "ospf/ospf_int.h"

const char *const ospf_drop_names[OSPF_DROP_MAX] = {
#define OSPF_DROP_NAME(n, s) [OSPF_DROP_##n] = s,
	OSPF_DROPS(OSPF_DROP_NAME)
#undef OSPF_DROP_NAME
};

void ospf_wbuf_init(struct ospf_wbuf *w, uint8_t *buf, size_t cap)
{
	w->p = buf;
	w->len = 0;
	w->cap = cap;
	w->err = 0;
}

static bool wbuf_room(struct ospf_wbuf *w, size_t n)
{
	if (w->err)
		return false;
	if (n > w->cap - w->len) {
		w->err = -EMSGSIZE;
		return false;
	}
	return true;
}

void ospf_put_u8(struct ospf_wbuf *w, uint8_t v)
{
	if (wbuf_room(w, 1))
		w->p[w->len++] = v;
}

void ospf_put_u16(struct ospf_wbuf *w, uint16_t v)
{
	if (wbuf_room(w, 2)) {
		dp_put_u16(w->p + w->len, v);
		w->len += 2;
	}
}

void ospf_put_u32(struct ospf_wbuf *w, uint32_t v)
{
	if (wbuf_room(w, 4)) {
		dp_put_u32(w->p + w->len, v);
		w->len += 4;
	}
}

void ospf_put_bytes(struct ospf_wbuf *w, const void *src, size_t n)
{
	if (wbuf_room(w, n)) {
		memcpy(w->p + w->len, src, n);
		w->len += n;
	}
}

/* ---- IPv4 ---- */

int ospf_ip_decode(const uint8_t *buf, size_t len, struct ospf_ip *ip,
		   enum ospf_drop *why)
{
	size_t ihl, tot;
	uint16_t frag;

	if (len < 20) {
		*why = OSPF_DROP_IP_SHORT;
		return -EBADMSG;
	}
	ihl = (size_t)(buf[0] & 0x0f) * 4;
	tot = dp_get_u16(buf + 2);
	if ((buf[0] >> 4) != 4 || ihl < 20 || ihl > len || tot < ihl ||
	    tot > len) {
		*why = OSPF_DROP_IP_HDR;
		return -EBADMSG;
	}
	if (buf[9] != 89) {
		*why = OSPF_DROP_IP_PROTO;
		return -EBADMSG;
	}
	frag = dp_get_u16(buf + 6);
	if (frag & 0x3fff) {     /* MF or an offset: the kernel reassembles */
		*why = OSPF_DROP_IP_FRAG;
		return -EBADMSG;
	}
	ip->tos = buf[1];
	ip->ttl = buf[8];
	ip->src = dp_get_u32(buf + 12);
	ip->dst = dp_get_u32(buf + 16);
	ip->payload = buf + ihl;
	ip->len = tot - ihl;
	return 0;
}

/* ---- OSPF header ---- */

/* The Internet checksum over the packet minus the 64-bit authentication
 * field (RFC 2328 D.4.1); 0 over a packet whose checksum is right. */
uint16_t ospf_pkt_csum(const uint8_t *pkt, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		if (i >= 16 && i < 24)
			continue;
		sum += dp_get_u16(pkt + i);
	}
	if (len & 1)
		sum += (uint32_t)pkt[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int drop(enum ospf_drop *why, enum ospf_drop r)
{
	*why = r;
	return -EBADMSG;
}

static int hello_decode(const uint8_t *b, size_t n, struct ospf_hello *h,
			enum ospf_drop *why)
{
	if (n < OSPF_HELLO_LEN || (n - OSPF_HELLO_LEN) % 4)
		return drop(why, OSPF_DROP_HELLO_LEN);
	h->mask = dp_get_u32(b);
	h->hello_s = dp_get_u16(b + 4);
	h->options = b[6];
	h->prio = b[7];
	h->dead_s = dp_get_u32(b + 8);
	h->dr = dp_get_u32(b + 12);
	h->bdr = dp_get_u32(b + 16);
	h->n_nbrs = (unsigned)((n - OSPF_HELLO_LEN) / 4);
	h->nbrs = b + OSPF_HELLO_LEN;
	return 0;
}

static int dbd_decode(const uint8_t *b, size_t n, struct ospf_dbd *d,
		      enum ospf_drop *why)
{
	if (n < OSPF_DBD_LEN || (n - OSPF_DBD_LEN) % OSPF_LSA_HDR_LEN)
		return drop(why, OSPF_DROP_DBD_LEN);
	d->mtu = dp_get_u16(b);
	d->options = b[2];
	d->flags = b[3];
	d->seq = dp_get_u32(b + 4);
	d->n_hdrs = (unsigned)((n - OSPF_DBD_LEN) / OSPF_LSA_HDR_LEN);
	d->hdrs = b + OSPF_DBD_LEN;
	return 0;
}

static int lsr_decode(const uint8_t *b, size_t n, struct ospf_lsr *r,
		      enum ospf_drop *why)
{
	if (n % OSPF_LSR_ENT_LEN)
		return drop(why, OSPF_DROP_LSR_LEN);
	r->n = (unsigned)(n / OSPF_LSR_ENT_LEN);
	r->ents = b;
	return 0;
}

/* Checks the framing of every LSA the count announces, so later steps
 * can walk them without checks of their own. */
static int lsu_decode(const uint8_t *b, size_t n, struct ospf_lsu *u,
		      enum ospf_drop *why)
{
	size_t off = 4;
	uint32_t i;

	if (n < 4)
		return drop(why, OSPF_DROP_LSU_LEN);
	u->count = dp_get_u32(b);
	for (i = 0; i < u->count; i++) {
		size_t l;

		if (n - off < OSPF_LSA_HDR_LEN)
			return drop(why, OSPF_DROP_LSA_TRUNC);
		l = dp_get_u16(b + off + 18);
		if (l < OSPF_LSA_HDR_LEN)
			return drop(why, OSPF_DROP_LSA_LEN);
		if (l > n - off)
			return drop(why, OSPF_DROP_LSA_TRUNC);
		off += l;
	}
	u->lsas = b + 4;
	u->len = off - 4;
	return 0;
}

static int lsack_decode(const uint8_t *b, size_t n, struct ospf_lsack *a,
			enum ospf_drop *why)
{
	if (n % OSPF_LSA_HDR_LEN)
		return drop(why, OSPF_DROP_LSACK_LEN);
	a->n = (unsigned)(n / OSPF_LSA_HDR_LEN);
	a->hdrs = b;
	return 0;
}

int ospf_pkt_decode(const uint8_t *buf, size_t len, struct ospf_pkt *p,
		    enum ospf_drop *why)
{
	const uint8_t *body;
	size_t blen;

	if (len < OSPF_HDR_LEN)
		return drop(why, OSPF_DROP_SHORT);
	memset(p, 0, sizeof(*p));
	p->raw = buf;
	p->h.version = buf[0];
	p->h.type = buf[1];
	p->h.len = dp_get_u16(buf + 2);
	p->h.rid = dp_get_u32(buf + 4);
	p->h.area = dp_get_u32(buf + 8);
	p->h.csum = dp_get_u16(buf + 12);
	p->h.autype = dp_get_u16(buf + 14);
	memcpy(p->h.auth, buf + 16, 8);
	if (p->h.version != OSPF_VERSION)
		return drop(why, OSPF_DROP_VERSION);
	if (p->h.len < OSPF_HDR_LEN || p->h.len > len)
		return drop(why, OSPF_DROP_LENGTH);
	if (p->h.type < OSPF_T_HELLO || p->h.type > OSPF_T_MAX)
		return drop(why, OSPF_DROP_TYPE);
	/* Simple passwords (AuType 1) are no protection: not supported.
	 * With AuType 2 the digest replaces the checksum (D.4.3); whether
	 * an AuType is the interface's is ospf_auth_check()'s to say. */
	if (p->h.autype != OSPF_AUTYPE_NONE && p->h.autype != OSPF_AUTYPE_CRYPT)
		return drop(why, OSPF_DROP_AUTH_TYPE);
	if (p->h.autype == OSPF_AUTYPE_NONE && ospf_pkt_csum(buf, p->h.len) != 0)
		return drop(why, OSPF_DROP_CHECKSUM);

	body = buf + OSPF_HDR_LEN;
	blen = p->h.len - OSPF_HDR_LEN;
	switch (p->h.type) {
	case OSPF_T_HELLO:
		return hello_decode(body, blen, &p->u.hello, why);
	case OSPF_T_DBD:
		return dbd_decode(body, blen, &p->u.dbd, why);
	case OSPF_T_LSR:
		return lsr_decode(body, blen, &p->u.lsr, why);
	case OSPF_T_LSU:
		return lsu_decode(body, blen, &p->u.lsu, why);
	default:
		return lsack_decode(body, blen, &p->u.lsack, why);
	}
}

/* ---- accessors over decoded (length-checked) bodies ---- */

void ospf_lsa_hdr_get(const uint8_t *p, struct ospf_lsa_hdr *h)
{
	h->age = dp_get_u16(p);
	h->options = p[2];
	h->type = p[3];
	h->id = dp_get_u32(p + 4);
	h->adv = dp_get_u32(p + 8);
	h->seq = dp_get_u32(p + 12);
	h->csum = dp_get_u16(p + 16);
	h->len = dp_get_u16(p + 18);
}

void ospf_lsa_hdr_put(struct ospf_wbuf *w, const struct ospf_lsa_hdr *h)
{
	ospf_put_u16(w, h->age);
	ospf_put_u8(w, h->options);
	ospf_put_u8(w, h->type);
	ospf_put_u32(w, h->id);
	ospf_put_u32(w, h->adv);
	ospf_put_u32(w, h->seq);
	ospf_put_u16(w, h->csum);
	ospf_put_u16(w, h->len);
}

uint32_t ospf_hello_nbr(const struct ospf_hello *h, unsigned i)
{
	return i < h->n_nbrs ? dp_get_u32(h->nbrs + 4 * i) : 0;
}

void ospf_dbd_hdr(const struct ospf_dbd *d, unsigned i, struct ospf_lsa_hdr *h)
{
	if (i < d->n_hdrs)
		ospf_lsa_hdr_get(d->hdrs + (size_t)i * OSPF_LSA_HDR_LEN, h);
	else
		memset(h, 0, sizeof(*h));
}

void ospf_lsr_ent(const struct ospf_lsr *r, unsigned i, struct ospf_lsa_key *k)
{
	const uint8_t *e = r->ents + (size_t)i * OSPF_LSR_ENT_LEN;

	if (i >= r->n) {
		memset(k, 0, sizeof(*k));
		return;
	}
	/* The type is a 32-bit field; anything above 255 is no type we know
	 * and must not alias one: map it to 0, which matches nothing. */
	k->type = dp_get_u32(e) > 255 ? 0 : e[3];
	k->id = dp_get_u32(e + 4);
	k->adv = dp_get_u32(e + 8);
}

void ospf_lsack_hdr(const struct ospf_lsack *a, unsigned i,
		    struct ospf_lsa_hdr *h)
{
	if (i < a->n)
		ospf_lsa_hdr_get(a->hdrs + (size_t)i * OSPF_LSA_HDR_LEN, h);
	else
		memset(h, 0, sizeof(*h));
}

bool ospf_lsu_next(const struct ospf_lsu *u, size_t *off, const uint8_t **lsa,
		   size_t *lsa_len)
{
	size_t l;

	if (*off + OSPF_LSA_HDR_LEN > u->len)
		return false;
	l = dp_get_u16(u->lsas + *off + 18);
	if (l < OSPF_LSA_HDR_LEN || l > u->len - *off)
		return false;
	*lsa = u->lsas + *off;
	*lsa_len = l;
	*off += l;
	return true;
}

/* ---- encoders ---- */

void ospf_pkt_begin(struct ospf_wbuf *w, uint8_t type, uint32_t rid,
		    uint32_t area)
{
	ospf_put_u8(w, OSPF_VERSION);
	ospf_put_u8(w, type);
	ospf_put_u16(w, 0);       /* length, set by ospf_pkt_end */
	ospf_put_u32(w, rid);
	ospf_put_u32(w, area);
	ospf_put_u16(w, 0);       /* checksum */
	ospf_put_u16(w, 0);       /* AuType: none */
	ospf_put_u32(w, 0);
	ospf_put_u32(w, 0);
}

int ospf_pkt_end(struct ospf_wbuf *w)
{
	if (w->err)
		return w->err;
	if (w->len < OSPF_HDR_LEN || w->len > 0xffff)
		return -EMSGSIZE;
	dp_put_u16(w->p + 2, (uint16_t)w->len);
	dp_put_u16(w->p + 12, 0);
	dp_put_u16(w->p + 12, ospf_pkt_csum(w->p, w->len));
	return 0;
}

void ospf_hello_put(struct ospf_wbuf *w, const struct ospf_hello *h,
		    const uint32_t *nbrs, unsigned n)
{
	unsigned i;

	ospf_put_u32(w, h->mask);
	ospf_put_u16(w, h->hello_s);
	ospf_put_u8(w, h->options);
	ospf_put_u8(w, h->prio);
	ospf_put_u32(w, h->dead_s);
	ospf_put_u32(w, h->dr);
	ospf_put_u32(w, h->bdr);
	for (i = 0; i < n; i++)
		ospf_put_u32(w, nbrs[i]);
}

void ospf_dbd_put(struct ospf_wbuf *w, uint16_t mtu, uint8_t options,
		  uint8_t flags, uint32_t seq)
{
	ospf_put_u16(w, mtu);
	ospf_put_u8(w, options);
	ospf_put_u8(w, flags);
	ospf_put_u32(w, seq);
}

void ospf_lsr_put(struct ospf_wbuf *w, const struct ospf_lsa_key *k)
{
	ospf_put_u32(w, k->type);
	ospf_put_u32(w, k->id);
	ospf_put_u32(w, k->adv);
}

/* ---- LSA bodies ---- */

int ospf_rtr_body_decode(const uint8_t *body, size_t len, uint8_t *flags,
			 struct ospf_rtr_link *links, unsigned max,
			 unsigned *n)
{
	size_t off = 4;
	unsigned i, cnt;

	if (len < 4)
		return -EBADMSG;
	*flags = body[0];
	cnt = dp_get_u16(body + 2);
	for (i = 0; i < cnt; i++) {
		unsigned ntos;

		if (len - off < 12)
			return -EBADMSG;
		ntos = body[off + 9];
		if ((len - off - 12) / 4 < ntos)
			return -EBADMSG;
		if (links && i < max) {
			links[i].id = dp_get_u32(body + off);
			links[i].data = dp_get_u32(body + off + 4);
			links[i].type = body[off + 8];
			links[i].metric = dp_get_u16(body + off + 10);
		}
		off += 12 + 4 * (size_t)ntos;
	}
	if (off != len)
		return -EBADMSG;
	if (links && cnt > max)
		return -E2BIG;
	*n = cnt;
	return 0;
}

void ospf_rtr_body_put(struct ospf_wbuf *w, uint8_t flags,
		       const struct ospf_rtr_link *links, unsigned n)
{
	unsigned i;

	ospf_put_u8(w, flags);
	ospf_put_u8(w, 0);
	ospf_put_u16(w, (uint16_t)n);
	for (i = 0; i < n; i++) {
		ospf_put_u32(w, links[i].id);
		ospf_put_u32(w, links[i].data);
		ospf_put_u8(w, links[i].type);
		ospf_put_u8(w, 0);              /* no TOS metrics */
		ospf_put_u16(w, links[i].metric);
	}
}

/* Body sanity for the LSA types we accept (A.4.2 - A.4.5). */
int ospf_lsa_body_check(const uint8_t *lsa, size_t len)
{
	const uint8_t *b = lsa + OSPF_LSA_HDR_LEN;
	size_t bl = len - OSPF_LSA_HDR_LEN;
	uint8_t flags;
	unsigned n;

	if (len < OSPF_LSA_HDR_LEN)
		return -EBADMSG;
	switch (lsa[3]) {
	case OSPF_LSA_ROUTER:
		return ospf_rtr_body_decode(b, bl, &flags, NULL, 0, &n);
	case OSPF_LSA_NETWORK:
		return (bl >= 8 && bl % 4 == 0) ? 0 : -EBADMSG;
	case OSPF_LSA_SUM_NET:
	case OSPF_LSA_SUM_ASBR:
		return (bl >= 8 && bl % 4 == 0) ? 0 : -EBADMSG;
	case OSPF_LSA_EXTERNAL:
		return (bl >= 16 && (bl - 4) % 12 == 0) ? 0 : -EBADMSG;
	default:
		return -EPROTONOSUPPORT;
	}
}

/* ---- round trip ---- */

static int lsa_reencode(const uint8_t *lsa, size_t len, struct ospf_wbuf *w)
{
	struct ospf_lsa_hdr h;
	const uint8_t *b = lsa + OSPF_LSA_HDR_LEN;
	size_t bl = len - OSPF_LSA_HDR_LEN;
	size_t i;

	ospf_lsa_hdr_get(lsa, &h);
	ospf_lsa_hdr_put(w, &h);
	if (h.type == OSPF_LSA_ROUTER) {
		struct ospf_rtr_link links[256];
		uint8_t flags;
		unsigned n;

		if (ospf_rtr_body_decode(b, bl, &flags, links, 256, &n) == 0) {
			ospf_rtr_body_put(w, flags, links, n);
			return 0;
		}
	} else if (h.type == OSPF_LSA_NETWORK && bl >= 4 && bl % 4 == 0) {
		for (i = 0; i < bl; i += 4)
			ospf_put_u32(w, dp_get_u32(b + i));
		return 0;
	}
	ospf_put_bytes(w, b, bl);
	return 0;
}

int ospf_pkt_reencode(const struct ospf_pkt *p, struct ospf_wbuf *w)
{
	struct ospf_lsa_hdr h;
	unsigned i;
	int rc;

	ospf_pkt_begin(w, p->h.type, p->h.rid, p->h.area);
	if (w->err)
		return w->err;
	memcpy(w->p + 16, p->h.auth, 8);
	switch (p->h.type) {
	case OSPF_T_HELLO: {
		const struct ospf_hello *he = &p->u.hello;

		ospf_hello_put(w, he, NULL, 0);
		for (i = 0; i < he->n_nbrs; i++)
			ospf_put_u32(w, ospf_hello_nbr(he, i));
		break;
	}
	case OSPF_T_DBD: {
		const struct ospf_dbd *d = &p->u.dbd;

		ospf_dbd_put(w, d->mtu, d->options, d->flags, d->seq);
		for (i = 0; i < d->n_hdrs; i++) {
			ospf_dbd_hdr(d, i, &h);
			ospf_lsa_hdr_put(w, &h);
		}
		break;
	}
	case OSPF_T_LSR:
		for (i = 0; i < p->u.lsr.n; i++) {
			struct ospf_lsa_key k;

			ospf_lsr_ent(&p->u.lsr, i, &k);
			ospf_lsr_put(w, &k);
		}
		break;
	case OSPF_T_LSU: {
		const uint8_t *lsa;
		size_t off = 0, l;

		ospf_put_u32(w, p->u.lsu.count);
		while (ospf_lsu_next(&p->u.lsu, &off, &lsa, &l)) {
			rc = lsa_reencode(lsa, l, w);
			if (rc)
				return rc;
		}
		break;
	}
	case OSPF_T_LSACK:
		for (i = 0; i < p->u.lsack.n; i++) {
			ospf_lsack_hdr(&p->u.lsack, i, &h);
			ospf_lsa_hdr_put(w, &h);
		}
		break;
	default:
		return -EINVAL;
	}
	return ospf_pkt_end(w);
}
