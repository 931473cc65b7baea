/* mgw OSPF — cryptographic authentication (RFC 2328 D.3, D.4.3, D.5.2;
 * RFC 5709) and its sequence numbers.
 *
 * With AuType 2 the header's 64-bit authentication field holds zero (16
 * bits), the Key ID, the digest's length and a 32-bit cryptographic
 * sequence number; the checksum is not computed; the digest follows the
 * packet, counted in the IP length but not in the OSPF length. Keyed MD5
 * digests the packet followed by the key padded to 16 bytes; HMAC-SHA
 * (RFC 5709 3.3) is HMAC over the packet followed by Apad, as many bytes
 * of 0x878FE1F3 as the digest has. Both by OpenSSL's libcrypto.
 *
 * Sequence numbers: RFC 2328 D.5.2 accepts a number that is not below the
 * neighbour's last, so ours never go back within a run. They start at the
 * wall clock's seconds (ospf_conf.auth_seq0) and follow the run time, a
 * second at a time (BIRD does much the same), so that a speaker that
 * restarts is not refused by a neighbour that still remembers the
 * numbers of its previous life (RFC 7474 section 1 discusses the replays
 * that a restart invites; persisting the number is not required here).
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ospf/ospf_int.h"

#define OSPF_MD5_KEY_LEN 16
#define OSPF_APAD        0x878fe1f3u

static const struct {
	const char *name;      /* as in the config */
	const char *digest;    /* OpenSSL's name */
	size_t len;
} types[OSPF_AUTH_TYPES] = {
	[OSPF_AUTH_NONE] = { "none", NULL, 0 },
	[OSPF_AUTH_MD5] = { "md5", "MD5", 16 },
	[OSPF_AUTH_HMAC_SHA1] = { "hmac-sha1", "SHA1", 20 },
	[OSPF_AUTH_HMAC_SHA256] = { "hmac-sha256", "SHA256", 32 },
	[OSPF_AUTH_HMAC_SHA384] = { "hmac-sha384", "SHA384", 48 },
	[OSPF_AUTH_HMAC_SHA512] = { "hmac-sha512", "SHA512", 64 },
};

size_t ospf_auth_len(uint8_t type)
{
	return type < OSPF_AUTH_TYPES ? types[type].len : 0;
}

const char *ospf_auth_name(uint8_t type)
{
	return type < OSPF_AUTH_TYPES ? types[type].name : "?";
}

static int md5_digest(const uint8_t *key, size_t key_len, const uint8_t *pkt,
		      size_t len, uint8_t *out)
{
	uint8_t k[OSPF_MD5_KEY_LEN] = { 0 };
	EVP_MD_CTX *ctx;
	unsigned olen = 0;
	int rc = -EIO;

	if (key_len > sizeof(k))
		return -EINVAL;
	memcpy(k, key, key_len);
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, pkt, len) == 1 &&
	    EVP_DigestUpdate(ctx, k, sizeof(k)) == 1 &&
	    EVP_DigestFinal_ex(ctx, out, &olen) == 1 && olen == 16)
		rc = 0;
	EVP_MD_CTX_free(ctx);
	OPENSSL_cleanse(k, sizeof(k));
	return rc;
}

/* RFC 5709 3.3 with a key of at most L bytes (ospf_conf_check): Ko is the
 * key padded with zeros to L, which HMAC pads on to the block size, so the
 * key goes to HMAC as it is. */
static int hmac_digest(uint8_t type, const uint8_t *key, size_t key_len,
		       const uint8_t *pkt, size_t len, uint8_t *out)
{
	uint8_t apad[OSPF_AUTH_MAX_DIGEST];
	size_t l = types[type].len, olen = 0, i;
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = NULL;
	EVP_MAC *mac;
	int rc = -EIO;

	if (!key_len || key_len > l)
		return -EINVAL;
	for (i = 0; i < l; i += 4)
		dp_put_u32(apad + i, OSPF_APAD);
	mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (mac)
		ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)types[type].digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, key_len, params) == 1 &&
	    EVP_MAC_update(ctx, pkt, len) == 1 &&
	    EVP_MAC_update(ctx, apad, l) == 1 &&
	    EVP_MAC_final(ctx, out, &olen, l) == 1 && olen == l)
		rc = 0;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

int ospf_auth_digest(uint8_t type, const uint8_t *key, size_t key_len,
		     const uint8_t *pkt, size_t len, uint8_t *out)
{
	if (type == OSPF_AUTH_MD5)
		return md5_digest(key, key_len, pkt, len, out);
	if (type > OSPF_AUTH_MD5 && type < OSPF_AUTH_TYPES)
		return hmac_digest(type, key, key_len, pkt, len, out);
	return -EINVAL;
}

uint32_t ospf_auth_next_seq(struct ospf_eng *e)
{
	uint64_t run_s = e->now_ms > e->start_ms ? (e->now_ms - e->start_ms) / 1000 : 0;
	uint64_t s = (uint64_t)e->auth_seq0 + run_s;

	/* 2106 or a clock far off: stay at the top rather than wrap */
	if (s > UINT32_MAX)
		s = UINT32_MAX;
	if (s > e->auth_seq_last)
		e->auth_seq_last = (uint32_t)s;
	return e->auth_seq_last;
}

size_t ospf_auth_sign(struct ospf_eng *e, const struct ospf_iface *ifa,
		      const uint8_t *pkt, size_t len, uint8_t *out, size_t cap)
{
	size_t l = ospf_auth_len(ifa->c.auth);

	if (len < OSPF_HDR_LEN || len + l > cap)
		return 0;
	if (out != pkt)
		memmove(out, pkt, len);
	if (ifa->c.auth == OSPF_AUTH_NONE)
		return len;
	dp_put_u16(out + 12, 0);                 /* D.4.3: no checksum */
	dp_put_u16(out + 14, OSPF_AUTYPE_CRYPT);
	dp_put_u16(out + 16, 0);
	out[18] = ifa->c.key_id;
	out[19] = (uint8_t)l;
	dp_put_u32(out + 20, ospf_auth_next_seq(e));
	if (ospf_auth_digest(ifa->c.auth, ifa->c.key, ifa->c.key_len, out, len, out + len))
		return 0;
	return len + l;
}

static int refuse(enum ospf_drop *why, enum ospf_drop r)
{
	*why = r;
	return -EBADMSG;
}

int ospf_auth_check(const struct ospf_iface *ifa, const uint8_t *buf, size_t len,
		    const struct ospf_pkt *p, uint32_t *seq, enum ospf_drop *why)
{
	uint8_t want[OSPF_AUTH_MAX_DIGEST];
	size_t l = ospf_auth_len(ifa->c.auth);
	int rc;

	*seq = 0;
	if (ifa->c.auth == OSPF_AUTH_NONE)
		return p->h.autype == OSPF_AUTYPE_NONE ? 0 : refuse(why, OSPF_DROP_AUTH_TYPE);
	if (p->h.autype != OSPF_AUTYPE_CRYPT)
		return refuse(why, OSPF_DROP_AUTH_TYPE);
	if (p->h.auth[2] != ifa->c.key_id)
		return refuse(why, OSPF_DROP_AUTH_KEY_ID);
	if (p->h.auth[3] != l || len < p->h.len || len - p->h.len < l)
		return refuse(why, OSPF_DROP_AUTH_LEN);
	rc = ospf_auth_digest(ifa->c.auth, ifa->c.key, ifa->c.key_len, buf, p->h.len, want);
	/* constant time: a timing oracle must not leak the digest bytewise */
	if (rc || CRYPTO_memcmp(want, buf + p->h.len, l) != 0)
		return refuse(why, OSPF_DROP_AUTH_DIGEST);
	*seq = dp_get_u32(p->h.auth + 4);
	return 0;
}
