/* BGP message codec (RFC 4271 §4, §6; RFC 5492, 6793, 4760, 9072, 7606).
 *
 * Every decoder takes a whole message with its length and reads it only
 * through explicit bounds checks; every failure names the NOTIFICATION
 * (code, subcode, data) that §6 prescribes. Nothing here allocates or logs.
 */
#include <errno.h>
#include <string.h>

#include "ospf/bgp_int.h"

static int fail(struct bgp_err *err, uint8_t code, uint8_t sub,
		const uint8_t *data, size_t len)
{
	if (len > sizeof(err->data))
		len = sizeof(err->data);
	err->code = code;
	err->sub = sub;
	err->len = (uint16_t)len;
	if (len)
		memcpy(err->data, data, len);
	return -EBADMSG;
}

static int fail_u16(struct bgp_err *err, uint8_t code, uint8_t sub, uint16_t v)
{
	uint8_t b[2];

	dp_put_u16(b, v);
	return fail(err, code, sub, b, 2);
}

/* ---- header ------------------------------------------------------------- */

int bgp_msg_hdr_decode(const uint8_t *msg, size_t len, struct bgp_hdr *h,
		       struct bgp_err *err)
{
	static const uint16_t min_len[BGP_MSG_TYPES] = {
		[BGP_MSG_OPEN] = BGP_MIN_OPEN,
		[BGP_MSG_UPDATE] = BGP_MIN_UPDATE,
		[BGP_MSG_NOTIFICATION] = BGP_MIN_NOTIF,
		[BGP_MSG_KEEPALIVE] = BGP_HDR_LEN,
		[BGP_MSG_ROUTE_REFRESH] = BGP_RR_LEN,
	};
	uint16_t mlen;
	uint8_t type;
	unsigned i;

	if (len < BGP_HDR_LEN)
		return fail(err, BGP_ERR_HEADER, BGP_HDR_BAD_LEN, NULL, 0);
	for (i = 0; i < 16; i++)
		if (msg[i] != 0xff)
			return fail(err, BGP_ERR_HEADER, BGP_HDR_NOT_SYNC, NULL, 0);
	mlen = dp_get_u16(msg + 16);
	type = msg[18];
	if (mlen < BGP_HDR_LEN || mlen > BGP_MAX_MSG)
		return fail(err, BGP_ERR_HEADER, BGP_HDR_BAD_LEN, msg + 16, 2);
	if (type == 0 || type >= BGP_MSG_TYPES)
		return fail(err, BGP_ERR_HEADER, BGP_HDR_BAD_TYPE, &msg[18], 1);
	/* KEEPALIVE and ROUTE-REFRESH have one fixed length, the others a
	 * minimum (§6.1) */
	if (mlen < min_len[type] ||
	    ((type == BGP_MSG_KEEPALIVE || type == BGP_MSG_ROUTE_REFRESH) &&
	     mlen != min_len[type]))
		return fail(err, BGP_ERR_HEADER, BGP_HDR_BAD_LEN, msg + 16, 2);
	h->len = mlen;
	h->type = type;
	return 0;
}

static void put_hdr(uint8_t *buf, uint16_t len, uint8_t type)
{
	memset(buf, 0xff, 16);
	dp_put_u16(buf + 16, len);
	buf[18] = type;
}

/* ---- OPEN (§4.2, §6.2) -------------------------------------------------- */

static int open_cap(struct bgp_open *o, uint8_t code, uint8_t clen,
		    const uint8_t *val, struct bgp_err *err)
{
	switch (code) {
	case BGP_CAP_MP:
		if (clen != 4)
			return fail(err, BGP_ERR_OPEN, BGP_OPEN_UNSPEC, NULL, 0);
		o->mp_any = true;
		if (dp_get_u16(val) == BGP_AFI_IPV4 && val[3] == BGP_SAFI_UNICAST)
			o->mp_ipv4 = true;
		if (dp_get_u16(val) == BGP_AFI_IPV6 && val[3] == BGP_SAFI_UNICAST)
			o->mp_ipv6 = true;
		break;
	case BGP_CAP_AS4:
		if (clen != 4)
			return fail(err, BGP_ERR_OPEN, BGP_OPEN_UNSPEC, NULL, 0);
		o->as4 = true;
		o->as4_val = dp_get_u32(val);
		break;
	default:
		break;	/* RFC 5492 §3: ignore what we do not know */
	}
	if (o->n_caps < BGP_MAX_CAPS)
		o->caps[o->n_caps++] = (struct bgp_cap){ code, clen, val };
	return 0;
}

/* One Capabilities optional parameter: a list of (code, length, value). */
static int open_caps(struct bgp_open *o, const uint8_t *p, size_t len,
		     struct bgp_err *err)
{
	size_t off = 0;
	int rc;

	o->has_caps = true;
	while (off < len) {
		if (len - off < 2 || len - off - 2 < p[off + 1])
			return fail(err, BGP_ERR_OPEN, BGP_OPEN_UNSPEC, NULL, 0);
		rc = open_cap(o, p[off], p[off + 1], p + off + 2, err);
		if (rc)
			return rc;
		off += 2 + (size_t)p[off + 1];
	}
	return 0;
}

int bgp_msg_open_decode(const uint8_t *msg, size_t len, struct bgp_open *o,
			struct bgp_err *err)
{
	size_t off, end, plen_size;
	uint8_t optlen;
	int rc;

	memset(o, 0, sizeof(*o));
	if (len < BGP_MIN_OPEN || len > BGP_MAX_MSG)
		return fail_u16(err, BGP_ERR_HEADER, BGP_HDR_BAD_LEN, (uint16_t)len);
	o->version = msg[19];
	o->my_as = dp_get_u16(msg + 20);
	o->hold_s = dp_get_u16(msg + 22);
	o->id = dp_get_u32(msg + 24);
	optlen = msg[28];
	if (o->version != BGP_VERSION)
		return fail_u16(err, BGP_ERR_OPEN, BGP_OPEN_BAD_VERSION, BGP_VERSION);
	if (o->hold_s == 1 || o->hold_s == 2)
		return fail(err, BGP_ERR_OPEN, BGP_OPEN_BAD_HOLD, NULL, 0);
	/* §6.2: the identifier must be a valid unicast host address */
	if (o->id == 0 || o->id >= 0xe0000000u)
		return fail(err, BGP_ERR_OPEN, BGP_OPEN_BAD_ID, NULL, 0);

	off = BGP_MIN_OPEN;
	end = off + optlen;
	plen_size = 1;
	/* RFC 9072: extended optional parameters length */
	if (optlen == 255 && len > off && msg[off] == 255) {
		if (len - off < 3)
			return fail(err, BGP_ERR_OPEN, BGP_OPEN_UNSPEC, NULL, 0);
		end = off + 3 + dp_get_u16(msg + off + 1);
		off += 3;
		plen_size = 2;
	}
	if (end != len)
		return fail(err, BGP_ERR_OPEN, BGP_OPEN_UNSPEC, NULL, 0);
	while (off < end) {
		uint8_t type;
		size_t plen;

		if (end - off < 1 + plen_size)
			return fail(err, BGP_ERR_OPEN, BGP_OPEN_UNSPEC, NULL, 0);
		type = msg[off];
		plen = plen_size == 1 ? msg[off + 1] : dp_get_u16(msg + off + 1);
		off += 1 + plen_size;
		if (end - off < plen)
			return fail(err, BGP_ERR_OPEN, BGP_OPEN_UNSPEC, NULL, 0);
		if (type != BGP_OPT_CAPS)
			return fail(err, BGP_ERR_OPEN, BGP_OPEN_BAD_PARAM, NULL, 0);
		rc = open_caps(o, msg + off, plen, err);
		if (rc)
			return rc;
		off += plen;
	}
	return 0;
}

int bgp_msg_open_encode(uint8_t *buf, size_t cap, const struct bgp_open *o)
{
	size_t len = BGP_MIN_OPEN, caps_len = 0;
	unsigned i;

	for (i = 0; i < o->n_caps; i++)
		caps_len += 2 + (size_t)o->caps[i].len;
	if (caps_len)
		len += 2 + caps_len;
	/* one parameter of at most 255 bytes; we never need more */
	if (caps_len > 253 || len > cap)
		return -ENOSPC;
	put_hdr(buf, (uint16_t)len, BGP_MSG_OPEN);
	buf[19] = o->version;
	dp_put_u16(buf + 20, o->my_as);
	dp_put_u16(buf + 22, o->hold_s);
	dp_put_u32(buf + 24, o->id);
	buf[28] = caps_len ? (uint8_t)(2 + caps_len) : 0;
	if (caps_len) {
		uint8_t *p = buf + BGP_MIN_OPEN;

		*p++ = BGP_OPT_CAPS;
		*p++ = (uint8_t)caps_len;
		for (i = 0; i < o->n_caps; i++) {
			*p++ = o->caps[i].code;
			*p++ = o->caps[i].len;
			if (o->caps[i].len)
				memcpy(p, o->caps[i].val, o->caps[i].len);
			p += o->caps[i].len;
		}
	}
	return (int)len;
}

/* ---- KEEPALIVE, NOTIFICATION ---------------------------------------------- */

int bgp_msg_keepalive_encode(uint8_t *buf, size_t cap)
{
	if (cap < BGP_HDR_LEN)
		return -ENOSPC;
	put_hdr(buf, BGP_HDR_LEN, BGP_MSG_KEEPALIVE);
	return BGP_HDR_LEN;
}

int bgp_msg_notif_decode(const uint8_t *msg, size_t len, struct bgp_notif *n)
{
	if (len < BGP_MIN_NOTIF || len > BGP_MAX_MSG)
		return -EBADMSG;
	n->code = msg[19];
	n->sub = msg[20];
	n->len = (uint16_t)(len - BGP_MIN_NOTIF);
	n->data = msg + BGP_MIN_NOTIF;
	return 0;
}

int bgp_msg_notif_encode(uint8_t *buf, size_t cap, uint8_t code, uint8_t sub,
			 const uint8_t *data, size_t len)
{
	if (len > BGP_MAX_ERR_DATA)
		len = BGP_MAX_ERR_DATA;
	if (cap < BGP_MIN_NOTIF + len)
		return -ENOSPC;
	put_hdr(buf, (uint16_t)(BGP_MIN_NOTIF + len), BGP_MSG_NOTIFICATION);
	buf[19] = code;
	buf[20] = sub;
	if (len)
		memcpy(buf + BGP_MIN_NOTIF, data, len);
	return (int)(BGP_MIN_NOTIF + len);
}

/* ---- UPDATE (§4.3, §6.3) -------------------------------------------------- */

/* Checks a withdrawn-routes or NLRI field of prefixes of at most max bits
 * (32 or 128); counts them. */
static int prefixes_check(const uint8_t *p, size_t len, unsigned max, unsigned *n)
{
	size_t off = 0;

	*n = 0;
	while (off < len) {
		uint8_t plen = p[off];

		if (plen > max || len - off - 1 < (size_t)(plen + 7) / 8)
			return -1;
		off += 1 + (size_t)(plen + 7) / 8;
		(*n)++;
	}
	return 0;
}

int bgp_msg_prefix_next(const uint8_t *field, size_t len, bool v6, size_t *off,
			struct bgp_prefix *out)
{
	size_t o = *off, nb;
	uint8_t a[16] = { 0 }, plen;

	if (o >= len)
		return 0;
	plen = field[o];
	nb = (size_t)(plen + 7) / 8;
	if (plen > (v6 ? 128 : 32) || len - o - 1 < nb)
		return 0;
	memcpy(a, field + o + 1, nb);
	if (plen % 8)
		a[nb - 1] &= (uint8_t)(0xff << (8 - plen % 8));   /* host bits */
	memset(out, 0, sizeof(*out));
	out->plen = plen;
	out->v6 = v6;
	if (v6)
		memcpy(out->addr6, a, 16);
	else
		out->addr = dp_get_u32(a);
	*off = o + 1 + nb;
	return 1;
}

/* AS_PATH (as4 = 4-octet members) or AS4_PATH. */
static int as_path_check(const uint8_t *v, size_t len, bool as4,
			 struct bgp_update *u)
{
	size_t asz = as4 ? 4 : 2, off = 0;
	bool first = true;

	while (off < len) {
		uint8_t type, cnt;
		unsigned i;

		if (len - off < 2)
			return -1;
		type = v[off];
		cnt = v[off + 1];
		if (type < 1 || type > 4 || cnt == 0 || len - off - 2 < cnt * asz)
			return -1;
		for (i = 0; i < cnt; i++) {
			const uint8_t *a = v + off + 2 + i * asz;

			if (u && first && type == BGP_AS_SEQUENCE && u->path_len < BGP_MAX_PATH)
				u->path[u->path_len++] = as4 ? dp_get_u32(a) : dp_get_u16(a);
		}
		if (u)
			u->path_total += cnt;
		first = false;
		off += 2 + cnt * asz;
	}
	return 0;
}

/* MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 §3, §4) into u->reach or
 * u->unreach. -1 where the routes inside cannot be found, which RFC 7606
 * §7.11 and §5.3 make a session reset: the attribute is short, the next
 * hop overruns it or has a length IPv6 unicast does not have (RFC 2545
 * §3: 16 or 32), or a unicast NLRI field does not parse. Of the families
 * other than IPv4 and IPv6 unicast only the framing is checked. */
static int mp_parse(struct bgp_update *u, uint8_t type, const uint8_t *v, size_t len)
{
	struct bgp_mp *m = type == BGP_ATTR_MP_REACH ? &u->reach : &u->unreach;
	size_t off = 3;

	if (len < 3)
		return -1;
	m->present = true;
	m->afi = dp_get_u16(v);
	m->safi = v[2];
	if (type == BGP_ATTR_MP_REACH) {
		/* next hop length, next hop, the reserved octet (ignored) */
		if (len < 5 || len - 4 < (size_t)v[3] + 1)
			return -1;
		m->nh_len = v[3];
		m->nh = v + 4;
		off = 5 + (size_t)m->nh_len;
		if (bgp_mp_is(m, BGP_AFI_IPV6) && m->nh_len != BGP_NH6_LEN &&
		    m->nh_len != BGP_NH6_LL_LEN)
			return -1;
	}
	m->nlri = v + off;
	m->nlri_len = (uint16_t)(len - off);
	if (bgp_mp_is(m, BGP_AFI_IPV4) || bgp_mp_is(m, BGP_AFI_IPV6))
		return prefixes_check(m->nlri, m->nlri_len,
				      m->afi == BGP_AFI_IPV6 ? 128 : 32, &m->n);
	return 0;
}

static bool ip6_is_link_local(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* RFC 2545 §3: a global unicast address (not ::, ::1 or multicast), then,
 * when 32 bytes, a link-local one. */
static bool nh6_ok(const struct bgp_mp *m)
{
	static const uint8_t zero[15];
	const uint8_t *g = m->nh;

	if (g[0] == 0xff || (memcmp(g, zero, 15) == 0 && g[15] <= 1))
		return false;
	return m->nh_len == BGP_NH6_LEN || ip6_is_link_local(g + 16);
}

const char *const bgp_7606_names[BGP_7606_MAX] = {
#define BGP_7606_NAME(n, str) [BGP_7606_##n] = str,
	BGP_7606_REASONS(BGP_7606_NAME)
#undef BGP_7606_NAME
};

/* RFC 7606: note a malformed attribute; the strongest verdict wins. */
static void malformed(struct bgp_update *u, enum bgp_upd_verdict v,
		      enum bgp_7606_reason why, uint8_t type)
{
	if (v > u->verdict)
		u->verdict = (uint8_t)v;
	u->reasons |= 1u << why;
	if (v == BGP_UPD_ATTR_DISCARD)
		u->n_discarded++;
	if (!u->first_type)
		u->first_type = type;
}

/* Flags that a recognised attribute must carry: optional and transitive
 * bits exactly; partial only where it is allowed (optional transitive). */
static int attr_flags_ok(uint8_t type, uint8_t flags)
{
	uint8_t ot = flags & (BGP_AF_OPTIONAL | BGP_AF_TRANSITIVE);

	switch (type) {
	case BGP_ATTR_ORIGIN:
	case BGP_ATTR_AS_PATH:
	case BGP_ATTR_NEXT_HOP:
	case BGP_ATTR_LOCAL_PREF:
	case BGP_ATTR_ATOMIC_AGGR:
		return ot == BGP_AF_TRANSITIVE && !(flags & BGP_AF_PARTIAL);
	case BGP_ATTR_MED:
	case BGP_ATTR_MP_REACH:
	case BGP_ATTR_MP_UNREACH:
	case BGP_ATTR_ORIGINATOR_ID:
	case BGP_ATTR_CLUSTER_LIST:
		return ot == BGP_AF_OPTIONAL && !(flags & BGP_AF_PARTIAL);
	case BGP_ATTR_AGGREGATOR:
	case BGP_ATTR_COMMUNITIES:
	case BGP_ATTR_EXT_COMMUNITIES:
	case BGP_ATTR_AS4_PATH:
	case BGP_ATTR_AS4_AGGREGATOR:
	case BGP_ATTR_LARGE_COMMUNITIES:
		return ot == (BGP_AF_OPTIONAL | BGP_AF_TRANSITIVE);
	default:
		return 1;
	}
}

/* One attribute whose framing is sound: flags, type, value of vlen bytes
 * at v; whole is the attribute as on the wire (a NOTIFICATION's data).
 * -EBADMSG only where RFC 7606 keeps the session reset. */
static int attr_one(struct bgp_update *u, unsigned opts, uint8_t flags, uint8_t type,
		    const uint8_t *v, size_t vlen, const uint8_t *whole,
		    size_t wlen, struct bgp_err *err)
{
	bool as4 = opts & BGP_UPD_AS4;
	enum bgp_upd_verdict bad = BGP_UPD_TREAT_AS_WITHDRAW;
	enum bgp_7606_reason why;
	bool ok;

	if (bgp_update_has(u, type)) {
		/* §3: MP_REACH/MP_UNREACH twice is a reset; the second of
		 * any other attribute is dropped and the UPDATE goes on */
		if (type == BGP_ATTR_MP_REACH || type == BGP_ATTR_MP_UNREACH)
			return fail(err, BGP_ERR_UPDATE, BGP_UPD_MALFORMED_LIST, NULL, 0);
		malformed(u, BGP_UPD_ATTR_DISCARD, BGP_7606_DUPLICATE, type);
		return 0;
	}
	u->seen[type >> 3] |= (uint8_t)(1u << (type & 7));

	switch (type) {
	case BGP_ATTR_ORIGIN:
		why = BGP_7606_ORIGIN;
		ok = vlen == 1 && v[0] <= 2;
		if (ok)
			u->origin = v[0];
		break;
	case BGP_ATTR_AS_PATH:
		why = BGP_7606_AS_PATH;
		ok = as_path_check(v, vlen, as4, u) == 0;
		break;
	case BGP_ATTR_NEXT_HOP:
		why = BGP_7606_NEXT_HOP;
		u->next_hop = vlen == 4 ? dp_get_u32(v) : 0;
		/* a unicast host address: not 0/8, multicast or class E */
		ok = vlen == 4 && (u->next_hop >> 24) != 0 && u->next_hop < 0xe0000000u;
		break;
	case BGP_ATTR_MED:
		why = BGP_7606_MED;
		ok = vlen == 4;
		if (ok)
			u->med = dp_get_u32(v);
		break;
	case BGP_ATTR_LOCAL_PREF:
		/* §7.5: from an external peer it is discarded, well formed
		 * or not (only a malformed one counts as an error) */
		why = BGP_7606_LOCAL_PREF;
		ok = vlen == 4;
		if (opts & BGP_UPD_EBGP) {
			if (!ok)
				malformed(u, BGP_UPD_ATTR_DISCARD, why, type);
			return 0;
		}
		if (ok)
			u->local_pref = dp_get_u32(v);
		break;
	case BGP_ATTR_ATOMIC_AGGR:
		why = BGP_7606_ATOMIC_AGGR;
		bad = BGP_UPD_ATTR_DISCARD;
		ok = vlen == 0;
		break;
	case BGP_ATTR_AGGREGATOR:
		why = BGP_7606_AGGREGATOR;
		bad = BGP_UPD_ATTR_DISCARD;
		ok = vlen == (as4 ? 8u : 6u);
		break;
	case BGP_ATTR_COMMUNITIES:
		why = BGP_7606_COMMUNITIES;
		ok = vlen % 4 == 0;
		break;
	case BGP_ATTR_EXT_COMMUNITIES:
		why = BGP_7606_COMMUNITIES;
		ok = vlen % 8 == 0;
		break;
	case BGP_ATTR_LARGE_COMMUNITIES:
		why = BGP_7606_COMMUNITIES;
		ok = vlen % 12 == 0;
		break;
	case BGP_ATTR_ORIGINATOR_ID:
		why = BGP_7606_RR;
		ok = vlen == 4;
		break;
	case BGP_ATTR_CLUSTER_LIST:
		why = BGP_7606_RR;
		ok = vlen % 4 == 0;
		break;
	case BGP_ATTR_AS4_PATH:
		why = BGP_7606_AS4;
		bad = BGP_UPD_ATTR_DISCARD;
		ok = as_path_check(v, vlen, true, NULL) == 0;
		break;
	case BGP_ATTR_AS4_AGGREGATOR:
		why = BGP_7606_AS4;
		bad = BGP_UPD_ATTR_DISCARD;
		ok = vlen == 8;
		break;
	case BGP_ATTR_MP_REACH:
	case BGP_ATTR_MP_UNREACH:
		/* §7.11/7.12: the routes inside cannot be found: reset
		 * (AFI/SAFI disable is the other choice; we take no routes) */
		if (!attr_flags_ok(type, flags))
			return fail(err, BGP_ERR_UPDATE, BGP_UPD_FLAGS, whole, wlen);
		if (mp_parse(u, type, v, vlen))
			return fail(err, BGP_ERR_UPDATE, BGP_UPD_OPTIONAL, whole, wlen);
		/* a next hop that can be read but is no address to forward
		 * to: the routes can be found, so they are withdrawn (§7.11) */
		if (type == BGP_ATTR_MP_REACH && bgp_mp_is(&u->reach, BGP_AFI_IPV6) &&
		    !nh6_ok(&u->reach))
			malformed(u, BGP_UPD_TREAT_AS_WITHDRAW, BGP_7606_MP_NEXT_HOP, type);
		return 0;
	default:
		/* an unknown well-known attribute is still a reset (RFC 4271
		 * §6.3); unknown optional ones are ignored */
		if (!(flags & BGP_AF_OPTIONAL))
			return fail(err, BGP_ERR_UPDATE, BGP_UPD_UNKNOWN_WELLKNOWN,
				    whole, wlen);
		u->n_unknown++;
		return 0;
	}
	/* §3: flags in conflict with the attribute's make it malformed */
	if (!attr_flags_ok(type, flags))
		malformed(u, BGP_UPD_TREAT_AS_WITHDRAW, BGP_7606_FLAGS, type);
	else if (!ok)
		malformed(u, bad, why, type);
	if (type == BGP_ATTR_AS_PATH && !ok)
		u->path_len = u->path_total = 0;   /* what as_path_check half read */
	return 0;
}

static int attrs_parse(struct bgp_update *u, const uint8_t *a, size_t len,
		       unsigned opts, struct bgp_err *err)
{
	size_t off = 0;
	int rc;

	while (off < len) {
		uint8_t flags, type;
		size_t hl, vlen;

		flags = a[off];
		hl = flags & BGP_AF_EXTLEN ? 4 : 3;
		/* §4: a partial attribute header, or an attribute running
		 * past the field: the framing is lost for the rest, but the
		 * Total Attribute Length still finds the NLRI, which count as
		 * withdrawn */
		if (len - off < hl) {
			malformed(u, BGP_UPD_TREAT_AS_WITHDRAW, BGP_7606_ATTR_LIST, 0);
			return 0;
		}
		type = a[off + 1];
		vlen = hl == 4 ? dp_get_u16(a + off + 2) : a[off + 2];
		if (len - off - hl < vlen) {
			malformed(u, BGP_UPD_TREAT_AS_WITHDRAW, BGP_7606_ATTR_LIST, type);
			return 0;
		}
		rc = attr_one(u, opts, flags, type, a + off + hl, vlen, a + off,
			      hl + vlen, err);
		if (rc)
			return rc;
		off += hl + vlen;
	}
	return 0;
}

int bgp_msg_update_decode(const uint8_t *msg, size_t len, unsigned opts,
			  struct bgp_update *u, struct bgp_err *err)
{
	static const uint8_t mandatory[] = {
		BGP_ATTR_ORIGIN, BGP_ATTR_AS_PATH, BGP_ATTR_NEXT_HOP,
	};
	size_t off = BGP_HDR_LEN, alen;
	unsigned i;
	int rc;

	memset(u, 0, sizeof(*u));
	if (len < BGP_MIN_UPDATE || len > BGP_MAX_MSG)
		return fail_u16(err, BGP_ERR_HEADER, BGP_HDR_BAD_LEN, (uint16_t)len);
	/* RFC 7606 §4 and §5.3: without the lengths or with NLRI that cannot
	 * be read there is nothing to withdraw precisely: reset */
	u->wd_len = dp_get_u16(msg + off);
	off += 2;
	if (len - off < (size_t)u->wd_len + 2)
		return fail(err, BGP_ERR_UPDATE, BGP_UPD_MALFORMED_LIST, NULL, 0);
	u->wd = msg + off;
	off += u->wd_len;
	alen = dp_get_u16(msg + off);
	off += 2;
	if (len - off < alen)
		return fail(err, BGP_ERR_UPDATE, BGP_UPD_MALFORMED_LIST, NULL, 0);
	u->attrs_len = (uint16_t)alen;
	u->nlri = msg + off + alen;
	u->nlri_len = (uint16_t)(len - off - alen);

	if (prefixes_check(u->wd, u->wd_len, 32, &u->n_wd))
		return fail(err, BGP_ERR_UPDATE, BGP_UPD_NETWORK, NULL, 0);
	if (prefixes_check(u->nlri, u->nlri_len, 32, &u->n_nlri))
		return fail(err, BGP_ERR_UPDATE, BGP_UPD_NETWORK, NULL, 0);
	rc = attrs_parse(u, msg + off, alen, opts, err);
	if (rc)
		return rc;

	/* §3: a missing well-known mandatory attribute withdraws (NLRI need
	 * ORIGIN, AS_PATH and NEXT_HOP; MP_REACH_NLRI the first two) */
	for (i = 0; i < sizeof(mandatory); i++) {
		bool need = u->n_nlri > 0 ||
			    (bgp_update_has(u, BGP_ATTR_MP_REACH) &&
			     mandatory[i] != BGP_ATTR_NEXT_HOP);

		if (need && !bgp_update_has(u, mandatory[i]) &&
		    !(u->reasons & (1u << BGP_7606_ATTR_LIST)))
			malformed(u, BGP_UPD_TREAT_AS_WITHDRAW, BGP_7606_MISSING, mandatory[i]);
	}
	u->eor = u->wd_len == 0 && alen == 0 && u->nlri_len == 0;
	/* RFC 4724 §2: for another family, an MP_UNREACH_NLRI of it alone */
	u->eor6 = u->wd_len == 0 && u->nlri_len == 0 && !u->reach.present &&
		  bgp_mp_is(&u->unreach, BGP_AFI_IPV6) && u->unreach.nlri_len == 0;
	return 0;
}

/* AS4_PATH's length: RFC 6793 §4.2.2, to an old speaker the real path
 * rides in it when an AS does not fit 2 octets; 0 when not needed. */
static size_t as4_path_len(const struct bgp_attrs_out *a)
{
	unsigned i, n = a->path_len > BGP_MAX_PATH ? BGP_MAX_PATH : a->path_len;

	if (a->as4)
		return 0;
	for (i = 0; i < n; i++)
		if (a->path[i] > 0xffff)
			return 3 + 2 + (size_t)n * 4;
	return 0;
}

/* ORIGIN, AS_PATH, NEXT_HOP (IPv4 only: an IPv6 one is in MP_REACH), MED
 * and LOCAL_PREF, in ascending type order as §5 asks; what comes after
 * them (MP_REACH_NLRI, 14) comes before AS4_PATH (17, as4_path_put()).
 * Returns their length, or -ENOSPC if they and AS4_PATH do not fit. */
static int attrs_head(uint8_t *buf, size_t cap, const struct bgp_attrs_out *a, bool nh4)
{
	size_t asz = a->as4 ? 4 : 2, off = 0, plen;
	unsigned i, n = a->path_len > BGP_MAX_PATH ? BGP_MAX_PATH : a->path_len;

	plen = n ? 2 + n * asz : 0;
	if (cap < 4 + 3 + plen + (nh4 ? 7 : 0) + (a->has_med ? 7 : 0) +
		  (a->has_local_pref ? 7 : 0) + as4_path_len(a))
		return -ENOSPC;

	buf[off++] = BGP_AF_TRANSITIVE;
	buf[off++] = BGP_ATTR_ORIGIN;
	buf[off++] = 1;
	buf[off++] = a->origin;

	buf[off++] = BGP_AF_TRANSITIVE;
	buf[off++] = BGP_ATTR_AS_PATH;
	buf[off++] = (uint8_t)plen;
	if (n) {
		buf[off++] = BGP_AS_SEQUENCE;
		buf[off++] = (uint8_t)n;
		for (i = 0; i < n; i++) {
			if (a->as4) {
				dp_put_u32(buf + off, a->path[i]);
			} else {
				uint32_t as = a->path[i] > 0xffff ? BGP_AS_TRANS : a->path[i];

				dp_put_u16(buf + off, (uint16_t)as);
			}
			off += asz;
		}
	}

	if (nh4) {
		buf[off++] = BGP_AF_TRANSITIVE;
		buf[off++] = BGP_ATTR_NEXT_HOP;
		buf[off++] = 4;
		dp_put_u32(buf + off, a->next_hop);
		off += 4;
	}

	if (a->has_med) {
		buf[off++] = BGP_AF_OPTIONAL;
		buf[off++] = BGP_ATTR_MED;
		buf[off++] = 4;
		dp_put_u32(buf + off, a->med);
		off += 4;
	}
	if (a->has_local_pref) {
		buf[off++] = BGP_AF_TRANSITIVE;
		buf[off++] = BGP_ATTR_LOCAL_PREF;
		buf[off++] = 4;
		dp_put_u32(buf + off, a->local_pref);
		off += 4;
	}
	return (int)off;
}

/* AS4_PATH when as4_path_len() says so (room checked by attrs_head()). */
static size_t as4_path_put(uint8_t *buf, const struct bgp_attrs_out *a)
{
	size_t len = as4_path_len(a), off = 0;
	unsigned i, n = a->path_len > BGP_MAX_PATH ? BGP_MAX_PATH : a->path_len;

	if (!len)
		return 0;
	buf[off++] = BGP_AF_OPTIONAL | BGP_AF_TRANSITIVE;
	buf[off++] = BGP_ATTR_AS4_PATH;
	buf[off++] = (uint8_t)(len - 3);
	buf[off++] = BGP_AS_SEQUENCE;
	buf[off++] = (uint8_t)n;
	for (i = 0; i < n; i++, off += 4)
		dp_put_u32(buf + off, a->path[i]);
	return off;
}

/* One prefix as on the wire, either family: length, then the address's
 * leading bytes in network order (host bits cleared). */
static size_t prefix_put(uint8_t *p, const struct bgp_prefix *x)
{
	size_t nb = (size_t)(x->plen + 7) / 8;
	uint8_t a4[4];

	p[0] = x->plen;
	if (!x->v6)
		dp_put_u32(a4, x->addr);
	memcpy(p + 1, x->v6 ? x->addr6 : a4, nb);
	if (x->plen % 8)
		p[nb] &= (uint8_t)(0xff << (8 - x->plen % 8));
	return 1 + nb;
}

/* As many of x[0..n) as fit at *off before limit, stopping at the first
 * of the other family or of a bad length; returns how many went in. */
static unsigned prefixes_put(uint8_t *buf, size_t *off, size_t limit, bool v6,
			     const struct bgp_prefix *x, unsigned n)
{
	unsigned i;

	for (i = 0; i < n && x[i].v6 == v6 && x[i].plen <= (v6 ? 128 : 32); i++) {
		if (*off > limit || limit - *off < 1 + (x[i].plen + 7u) / 8)
			break;
		*off += prefix_put(buf + *off, &x[i]);
	}
	return i;
}

/* The header of an MP attribute for IPv6 unicast, always with an
 * extended length (as FRR does: its length is only known at the end, and
 * a few hundred /128s pass 255); mp_end() fills the length in. */
static size_t mp_start(uint8_t *buf, uint8_t type)
{
	buf[0] = BGP_AF_OPTIONAL | BGP_AF_EXTLEN;
	buf[1] = type;
	dp_put_u16(buf + 4, BGP_AFI_IPV6);
	buf[6] = BGP_SAFI_UNICAST;
	return 7;
}

static void mp_end(uint8_t *attr, size_t end)
{
	dp_put_u16(attr + 2, (uint16_t)(end - 4));
}

#define MP_REACH6_HDR (7 + 1 + BGP_NH6_LEN + 1)	/* ... AFI, SAFI, nh len, nh, reserved */

/* The IPv6 unicast body of an UPDATE from its (empty) withdrawn routes
 * field on: MP_UNREACH_NLRI with wd[], else the attributes and
 * MP_REACH_NLRI with nlri[], else an empty MP_UNREACH_NLRI (End-of-RIB). */
static size_t update6_body(uint8_t *buf, size_t off, size_t limit,
			   const struct bgp_attrs_out *a,
			   const struct bgp_prefix *wd, unsigned n_wd,
			   const struct bgp_prefix *nlri, unsigned n_nlri,
			   unsigned *nw, unsigned *nn)
{
	size_t alen_at, astart, at;
	int head;

	dp_put_u16(buf + off, 0);
	alen_at = off + 2;
	astart = off = off + 4;
	if (n_wd || !a || !n_nlri) {
		if (limit - off < 7)
			return astart - 4;
		at = off;
		off += mp_start(buf + off, BGP_ATTR_MP_UNREACH);
		*nw = prefixes_put(buf, &off, limit, true, wd, n_wd);
		if (n_wd && !*nw)
			off = astart;	/* not one fits: this is no End-of-RIB */
		else
			mp_end(buf + at, off - at);
	} else {
		head = attrs_head(buf + off, limit - off, a, false);
		if (head < 0 || limit - off - (size_t)head < MP_REACH6_HDR + as4_path_len(a))
			return astart - 4;
		off += (size_t)head;
		at = off;
		off += mp_start(buf + off, BGP_ATTR_MP_REACH);
		buf[off++] = BGP_NH6_LEN;
		memcpy(buf + off, a->next_hop6, BGP_NH6_LEN);
		off += BGP_NH6_LEN;
		buf[off++] = 0;	/* reserved */
		*nn = prefixes_put(buf, &off, limit - as4_path_len(a), true, nlri, n_nlri);
		mp_end(buf + at, off - at);
		off += as4_path_put(buf + off, a);
		if (!*nn)
			off = astart;	/* attributes without NLRI would be noise */
	}
	dp_put_u16(buf + alen_at, (uint16_t)(off - astart));
	return off;
}

/* The IPv4 body: withdrawn routes, attributes, NLRI (§4.3). */
static size_t update4_body(uint8_t *buf, size_t off, size_t limit,
			   const struct bgp_attrs_out *a,
			   const struct bgp_prefix *wd, unsigned n_wd,
			   const struct bgp_prefix *nlri, unsigned n_nlri,
			   unsigned *nw, unsigned *nn)
{
	size_t wstart = off + 2;
	int alen = 0;

	off = wstart;
	/* room kept for the attributes' length */
	*nw = prefixes_put(buf, &off, limit - 2, false, wd, n_wd);
	dp_put_u16(buf + wstart - 2, (uint16_t)(off - wstart));

	if (a && n_nlri) {
		alen = attrs_head(buf + off + 2, limit - off - 2, a, true);
		if (alen < 0)
			alen = 0;	/* no room left: NLRI go in the next one */
		else
			alen += (int)as4_path_put(buf + off + 2 + alen, a);
	}
	dp_put_u16(buf + off, (uint16_t)alen);
	off += 2 + (size_t)alen;
	if (alen > 0)
		*nn = prefixes_put(buf, &off, limit, false, nlri, n_nlri);
	if (alen > 0 && *nn == 0) {
		/* attributes without NLRI would be noise: take them back */
		off -= 2 + (size_t)alen;
		dp_put_u16(buf + off, 0);
		off += 2;
	}
	return off;
}

int bgp_msg_update_encode(uint8_t *buf, size_t cap, bool v6, const struct bgp_attrs_out *a,
			  const struct bgp_prefix *wd, unsigned n_wd,
			  const struct bgp_prefix *nlri, unsigned n_nlri,
			  unsigned *wd_done, unsigned *nlri_done)
{
	size_t off, limit = cap < BGP_MAX_MSG ? cap : BGP_MAX_MSG;
	unsigned nw = 0, nn = 0;

	if (limit < BGP_MIN_UPDATE)
		return -ENOSPC;
	off = (v6 ? update6_body : update4_body)(buf, BGP_HDR_LEN, limit, a, wd, n_wd,
						 nlri, n_nlri, &nw, &nn);
	put_hdr(buf, (uint16_t)off, BGP_MSG_UPDATE);
	if (wd_done)
		*wd_done = nw;
	if (nlri_done)
		*nlri_done = nn;
	return (int)off;
}

/* ---- names for logs and JSON ---------------------------------------------- */

const char *bgp_msg_type_name(unsigned type)
{
	static const char *const names[BGP_MSG_TYPES] = {
		[BGP_MSG_OPEN] = "open",
		[BGP_MSG_UPDATE] = "update",
		[BGP_MSG_NOTIFICATION] = "notification",
		[BGP_MSG_KEEPALIVE] = "keepalive",
		[BGP_MSG_ROUTE_REFRESH] = "route_refresh",
	};

	return type < BGP_MSG_TYPES && names[type] ? names[type] : "unknown";
}

const char *bgp_msg_err_name(uint8_t code, uint8_t sub)
{
	static const char *const hdr[] = {
		"Message Header Error", "Connection Not Synchronized",
		"Bad Message Length", "Bad Message Type",
	};
	static const char *const open[] = {
		"OPEN Message Error", "Unsupported Version Number", "Bad Peer AS",
		"Bad BGP Identifier", "Unsupported Optional Parameter", NULL,
		"Unacceptable Hold Time", "Unsupported Capability",
	};
	static const char *const upd[] = {
		"UPDATE Message Error", "Malformed Attribute List",
		"Unrecognized Well-known Attribute", "Missing Well-known Attribute",
		"Attribute Flags Error", "Attribute Length Error",
		"Invalid ORIGIN Attribute", NULL, "Invalid NEXT_HOP Attribute",
		"Optional Attribute Error", "Invalid Network Field",
		"Malformed AS_PATH",
	};
	static const char *const fsm[] = {
		"Finite State Machine Error",
		"Unexpected Message in OpenSent",
		"Unexpected Message in OpenConfirm",
		"Unexpected Message in Established",
	};
	static const char *const cease[] = {
		"Cease", "Maximum Number of Prefixes Reached",
		"Administrative Shutdown", "Peer De-configured",
		"Administrative Reset", "Connection Rejected",
		"Other Configuration Change", "Connection Collision Resolution",
		"Out of Resources",
	};
#define PICK(t) (sub < sizeof(t) / sizeof(t[0]) && t[sub] ? t[sub] : t[0])
	switch (code) {
	case BGP_ERR_HEADER: return PICK(hdr);
	case BGP_ERR_OPEN: return PICK(open);
	case BGP_ERR_UPDATE: return PICK(upd);
	case BGP_ERR_HOLD: return "Hold Timer Expired";
	case BGP_ERR_FSM: return PICK(fsm);
	case BGP_ERR_CEASE: return PICK(cease);
	default: return "Unknown Error";
	}
#undef PICK
}
