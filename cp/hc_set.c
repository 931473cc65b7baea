/* cp/hc_set.c — the target set: validation, replacement as a whole (state
 * kept for unchanged targets), lookup by key, status reads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp/hc_int.h"

static uint64_t hc_mix(uint64_t x)
{
	/* splitmix64's finaliser: spreads keys that differ in few bits. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static bool hc_str_ok(const char *s, size_t cap, bool allow_empty)
{
	size_t i;

	for (i = 0; i < cap && s[i]; i++)
		/* no controls, no spaces: they would break the request line */
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] == 0x7f)
			return false;
	return i < cap && (allow_empty || i > 0);
}

static const uint8_t hc_zero6[16];

int cp_hc_target_validate(const struct cp_hc_target *t, char *msg, size_t len)
{
	const char *why = NULL;

	switch (t->type) {
	case CP_HC_NONE:
		goto out;
	case CP_HC_TCP:
	case CP_HC_UDP:
	case CP_HC_HTTP:
		break;
	default:
		why = "type must be none, tcp, udp or http";
		goto out;
	}
	if (t->v6 ? !memcmp(t->dst_ip6, hc_zero6, 16) : t->dst_ip == 0)
		why = t->v6 ? "address must not be ::" : "address must not be 0.0.0.0";
	else if (t->dst_port == 0)
		why = "port must be 1..65535";
	else if (t->interval_ms < CP_HC_INTERVAL_MIN || t->interval_ms > CP_HC_INTERVAL_MAX)
		why = "interval_ms must be 10..86400000";
	else if (t->timeout_ms == 0)
		why = "timeout_ms must be at least 1";
	else if (t->rise == 0)
		why = "rise must be at least 1";
	else if (t->fall == 0)
		why = "fall must be at least 1";
	else if (t->type == CP_HC_HTTP && t->path[0] && t->path[0] != '/')
		why = "path must start with /";
	else if (t->type == CP_HC_HTTP && !hc_str_ok(t->path, sizeof(t->path), true))
		why = "path must be at most 255 printable characters without spaces";
	else if (t->type == CP_HC_HTTP && !hc_str_ok(t->host, sizeof(t->host), true))
		why = "host must be at most 255 printable characters without spaces";
	else if (t->type == CP_HC_HTTP && (t->http_status < 100 || t->http_status > 999))
		why = "status must be 100..999";
	else if (t->type == CP_HC_UDP && t->payload_len > sizeof(t->payload))
		why = "payload must be at most 512 bytes";
out:
	if (why && msg && len)
		snprintf(msg, len, "%s", why);
	return why ? -EINVAL : 0;
}

/* The form that is stored and compared: no bytes past the strings' and
 * payload's ends, the timeout no longer than the interval. */
static void hc_normalize(struct cp_hc_target *o, const struct cp_hc_target *t)
{
	memset(o, 0, sizeof(*o));
	o->key = t->key;
	o->type = t->type;
	if (t->type == CP_HC_NONE)
		return;
	o->v6 = t->v6;
	if (t->v6) {
		memcpy(o->src_ip6, t->src_ip6, 16);
		memcpy(o->dst_ip6, t->dst_ip6, 16);
	} else {
		o->src_ip = t->src_ip;
		o->dst_ip = t->dst_ip;
	}
	o->dst_port = t->dst_port;
	o->interval_ms = t->interval_ms;
	o->timeout_ms = t->timeout_ms < t->interval_ms ? t->timeout_ms : t->interval_ms;
	o->rise = t->rise;
	o->fall = t->fall;
	o->start_down = t->start_down;
	if (t->type == CP_HC_HTTP) {
		memcpy(o->path, t->path, strlen(t->path));
		memcpy(o->host, t->host, strlen(t->host));
		o->http_status = t->http_status;
	}
	if (t->type == CP_HC_UDP) {
		memcpy(o->payload, t->payload, t->payload_len);
		o->payload_len = t->payload_len;
		o->require_reply = t->require_reply;
	}
}

static bool hc_same(const struct cp_hc_target *a, const struct cp_hc_target *b)
{
	return a->key == b->key && a->type == b->type && a->v6 == b->v6 &&
	       a->src_ip == b->src_ip && a->dst_ip == b->dst_ip &&
	       !memcmp(a->src_ip6, b->src_ip6, 16) && !memcmp(a->dst_ip6, b->dst_ip6, 16) &&
	       a->dst_port == b->dst_port &&
	       a->interval_ms == b->interval_ms && a->timeout_ms == b->timeout_ms &&
	       a->rise == b->rise && a->fall == b->fall && a->start_down == b->start_down &&
	       strcmp(a->path, b->path) == 0 && strcmp(a->host, b->host) == 0 &&
	       a->http_status == b->http_status && a->payload_len == b->payload_len &&
	       memcmp(a->payload, b->payload, a->payload_len) == 0 &&
	       a->require_reply == b->require_reply;
}

/* Slot of key in an index table, or of the empty slot where it would go. */
static uint32_t hc_slot(const uint32_t *ht, uint32_t mask, struct cp_hc_tgt *const *tg,
			const struct cp_hc_target *keys, uint64_t key)
{
	uint32_t s = (uint32_t)hc_mix(key) & mask;

	while (ht[s]) {
		uint64_t k = tg ? tg[ht[s] - 1]->cfg.key : keys[ht[s] - 1].key;

		if (k == key)
			break;
		s = (s + 1) & mask;
	}
	return s;
}

struct cp_hc_tgt *cp_hc_find(const struct cp_hc *h, uint64_t key)
{
	uint32_t s;

	if (h->ht == NULL)
		return NULL;
	s = hc_slot(h->ht, h->ht_mask, h->tg, NULL, key);
	return h->ht[s] ? h->tg[h->ht[s] - 1] : NULL;
}

uint64_t cp_hc_first_start(const struct cp_hc *h, const struct cp_hc_tgt *t, uint64_t now)
{
	uint64_t interval = (uint64_t)t->cfg.interval_ms * 1000000ull;

	return now + hc_mix(t->cfg.key ^ h->seed) % interval;
}

static void hc_fresh(struct cp_hc_tgt *t, const struct cp_hc_target *cfg)
{
	bool up = cfg->type == CP_HC_NONE || !cfg->start_down;

	t->cfg = *cfg;
	t->tn.pos = CP_HC_HEAP_NONE;
	t->fd = -1;
	t->phase = HC_IDLE;
	cp_hc_fsm_init(&t->fsm, up);
	t->st.up = up;
	t->st.last_ok = cfg->type == CP_HC_NONE;
}

static void hc_retire(struct cp_hc *h, struct cp_hc_tgt *t)
{
	cp_hc_abandon(h, t);
	cp_hc_heap_remove(&h->heap, &t->tn);
	t->dead = true;
	if (h->running) {
		/* The thread may hold an event for it: it frees it after that. */
		t->next_dead = h->graveyard;
		h->graveyard = t;
	} else {
		free(t);
	}
}

int cp_hc_set(struct cp_hc *h, const struct cp_hc_target *in, unsigned n)
{
	struct cp_hc_target *norm = NULL;
	struct cp_hc_tgt **tg = NULL;
	uint32_t *ht = NULL, mask = 15, i;
	char msg[128];
	bool locked = false;
	int rc = -EINVAL;

	if (n > UINT32_MAX / 4)
		goto out;
	rc = -ENOMEM;
	while (mask + 1 < 2 * n)
		mask = 2 * mask + 1;
	norm = calloc(n ? n : 1, sizeof(*norm));
	tg = calloc(n ? n : 1, sizeof(*tg));
	ht = calloc((size_t)mask + 1, sizeof(*ht));
	if (norm == NULL || tg == NULL || ht == NULL)
		goto out;

	for (i = 0; i < n; i++) {
		uint32_t s;

		rc = cp_hc_target_validate(&in[i], msg, sizeof(msg));
		if (rc) {
			HC_LOG(WARNING, "set refused: target %u (key %" PRIu64 "): %s", i, in[i].key,
			       msg);
			goto out;
		}
		hc_normalize(&norm[i], &in[i]);
		s = hc_slot(ht, mask, NULL, norm, norm[i].key);
		if (ht[s]) {
			HC_LOG(WARNING, "set refused: key %" PRIu64 " given twice", norm[i].key);
			rc = -EINVAL;
			goto out;
		}
		ht[s] = i + 1;
	}

	pthread_mutex_lock(&h->lock);
	locked = true;
	/* From a callback: the thread waits on us, and we would wait on it. */
	rc = -EDEADLK;
	if (h->running && pthread_equal(pthread_self(), h->thread))
		goto out;
	rc = cp_hc_heap_reserve(&h->heap, n > h->heap.n ? n : h->heap.n);
	if (rc)
		goto out;
	/* Everything that can fail happens before the old set is touched. */
	for (i = 0; i < n; i++) {
		struct cp_hc_tgt *old = cp_hc_find(h, norm[i].key);

		if (old && hc_same(&old->cfg, &norm[i])) {
			old->keep = true;
			tg[i] = old;
			continue;
		}
		tg[i] = calloc(1, sizeof(*tg[i]));
		if (tg[i] == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		hc_fresh(tg[i], &norm[i]);
	}

	for (i = 0; i < h->n; i++)
		if (!h->tg[i]->keep)
			hc_retire(h, h->tg[i]);
	for (i = 0; i < n; i++) {
		struct cp_hc_tgt *t = tg[i];

		if (t->keep) {
			t->keep = false;
		} else if (t->cfg.type != CP_HC_NONE && h->running) {
			t->next_ns = cp_hc_first_start(h, t, cp_hc_mono_ns());
			cp_hc_heap_update(&h->heap, &t->tn, t->next_ns);
		}
		/* Not running: cp_hc_start schedules everything. */
	}
	free(h->tg);
	free(h->ht);
	h->tg = tg;
	h->ht = ht;
	h->ht_mask = mask;
	h->n = n;
	tg = NULL;
	ht = NULL;
	if (h->running)
		cp_hc_wake(h);
	HC_LOG(DEBUG, "set: %u targets", n);
	rc = 0;
out:
	if (tg) {
		/* Failed: undo the marks, free what was made for the new set. */
		for (i = 0; i < n; i++) {
			if (tg[i] == NULL)
				continue;
			if (tg[i]->keep)
				tg[i]->keep = false;
			else
				free(tg[i]);
		}
	}
	if (locked) {
		/* A callback being delivered may still name a removed key:
		 * wait for it to end, so none comes after we return. */
		while (rc == 0 && h->delivering)
			pthread_cond_wait(&h->delivered, &h->lock);
		pthread_mutex_unlock(&h->lock);
	}
	free(ht);
	free(tg);
	free(norm);
	return rc;
}

int cp_hc_get(struct cp_hc *h, uint64_t key, struct cp_hc_status *out)
{
	struct cp_hc_tgt *t;
	int rc = -ENOENT;

	pthread_mutex_lock(&h->lock);
	t = cp_hc_find(h, key);
	if (t) {
		*out = t->st;
		rc = 0;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}
