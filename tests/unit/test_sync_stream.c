/* Unit tests: session sync's reliable stream (sync/stream.c) with its codec
 * (sync/wire.c), as a model: a sender's table takes 10^6 random creates,
 * updates and deletes, each sent as a record over a channel that loses 10 %,
 * reorders and duplicates (both ways: data and acknowledgements); the
 * receiver applies what the stream delivers. In the end both tables are
 * identical. Halfway the sender's buffer "overflows": it starts a new
 * generation with a bulk of its table, and the receiver, seeing the new
 * generation, keeps only what the bulk refreshes (the sweep) — still
 * identical. Plus the edge cases of each end. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/tcp.h"
#include "sync/stream.h"
#include "sync/wire.h"

#define KEYS     4096
#define EVENTS   1000000
#define CHAN_MAX 65536
#define RTE_DIM_Q (EVENTS / 4 + KEYS)

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 16) % n);
}

/* a datagram in flight, delivered at `at` ms */
struct msg {
	uint64_t at;
	int kind;          /* 0 data, 1 ack */
	uint32_t gen;
	uint64_t seq;
	uint64_t cum;
	unsigned n_nacks;
	struct sync_nack nacks[SYNC_MAX_NACKS];
	uint16_t len;
	uint8_t data[SYNC_MAX_PAYLOAD];
};

struct chan {
	unsigned n;
	struct msg *m;
	uint64_t lost, dups, sent;
};

static void chan_put(struct chan *c, const struct msg *m, uint64_t now)
{
	unsigned copies = 1;

	c->sent++;
	if (rnd(100) < 10) {
		c->lost++;
		return;
	}
	if (rnd(100) < 5) {
		copies = 2;
		c->dups++;
	}
	while (copies-- && c->n < CHAN_MAX) {
		c->m[c->n] = *m;
		c->m[c->n].at = now + 1 + rnd(20);   /* 1..20 ms: reordered */
		c->n++;
	}
}

/* Take one message due at now (any order among the due ones). */
static bool chan_get(struct chan *c, uint64_t now, struct msg *out)
{
	for (unsigned i = 0; i < c->n; i++) {
		if (c->m[i].at <= now) {
			*out = c->m[i];
			c->m[i] = c->m[--c->n];
			return true;
		}
	}
	return false;
}

static struct sync_item key_item(uint32_t key, uint32_t version)
{
	struct sync_item it;

	memset(&it, 0, sizeof(it));
	it.kind = SYNC_ITEM_SESSION;
	it.rec.kind = version ? DP_SYNC_UPSERT : DP_SYNC_DELETE;
	it.rec.proto = 6;
	it.rec.state = DP_TCP_ESTABLISHED;
	it.rec.s.cip = htonl(0x0b000000 + key);
	it.rec.s.vip = htonl(0x0a00000a);
	it.rec.s.lip = htonl(0x0a010064);
	it.rec.s.rip = htonl(0x0a01000b);
	it.rec.s.cport = htons(1000);
	it.rec.s.vport = htons(80);
	it.rec.s.lport = htons(2000);
	it.rec.s.rport = htons(8080);
	it.rec.s.expire_ms = version;
	return it;
}

static void test_model(void **state)
{
	static uint32_t tx_tab[KEYS], rx_tab[KEYS];
	static struct sync_item q[EVENTS / 4 + KEYS];
	struct sync_scratch *sc = sync_scratch_create();
	struct chan down = { 0, calloc(CHAN_MAX, sizeof(struct msg)), 0, 0, 0 };
	struct chan up = { 0, calloc(CHAN_MAX, sizeof(struct msg)), 0, 0, 0 };
	struct sync_tx tx;
	struct sync_rx rx;
	unsigned qh = 0, qn = 0, done = 0;
	uint64_t now = 0, last_ack = 0, delivered = 0, restarts = 0, applied = 0;
	bool reset_done = false;
	struct msg m;

	(void)state;
	assert_non_null(down.m);
	assert_non_null(up.m);
	assert_int_equal(sync_tx_init(&tx, 1024), 0);
	assert_int_equal(sync_rx_init(&rx, 256), 0);
	memset(tx_tab, 0, sizeof(tx_tab));
	memset(rx_tab, 0, sizeof(rx_tab));
	for (;;) {
		now++;
		/* the sender's table changes: 40 events a millisecond */
		for (unsigned e = 0; e < 40 && done < EVENTS && qn < RTE_DIM_Q; e++, done++) {
			uint32_t k = rnd(KEYS);

			tx_tab[k] = rnd(4) == 0 ? 0 : (uint32_t)(done + 1);
			q[(qh + qn++) % RTE_DIM_Q] = key_item(k, tx_tab[k]);
		}
		/* halfway: the buffer "overflows": a new generation, a bulk */
		if (!reset_done && done >= EVENTS / 2) {
			reset_done = true;
			sync_tx_reset(&tx);
			qn = 0;
			for (uint32_t k = 0; k < KEYS; k++)
				if (tx_tab[k])
					q[(qh + qn++) % RTE_DIM_Q] = key_item(k, tx_tab[k]);
		}
		/* pack and send while the window allows */
		while (qn && !sync_tx_full(&tx)) {
			struct sync_item batch[SYNC_MAX_ITEMS];
			unsigned n = 0, k;
			size_t len;

			while (n < SYNC_MAX_ITEMS && n < qn) {
				batch[n] = q[(qh + n) % RTE_DIM_Q];
				n++;
			}
			k = sync_wire_batch_encode(sc, batch, n, m.data, sizeof(m.data), &len);
			assert_true(k > 0);
			m.kind = 0;
			m.gen = tx.gen;
			m.len = (uint16_t)len;
			m.seq = sync_tx_push(&tx, m.data, len, now);
			chan_put(&down, &m, now);
			qh = (qh + k) % RTE_DIM_Q;
			qn -= k;
		}
		/* the receiver */
		while (chan_get(&down, now, &m)) {
			enum sync_rx_result r = sync_rx_accept(&rx, 1, m.gen, m.seq, m.data, m.len);
			const struct sync_rx_slot *s;

			if (r == SYNC_RX_NEW && m.gen > 1) {
				/* a restarted stream: only what its bulk brings stays
				 * (the bulk is all of the sender's table, first) */
				memset(rx_tab, 0, sizeof(rx_tab));
				restarts++;
			}
			while ((s = sync_rx_next(&rx))) {
				struct sync_item it[SYNC_MAX_ITEMS];
				int n = sync_wire_batch_decode(sc, s->data, s->len, it, SYNC_MAX_ITEMS);

				assert_true(n > 0);
				delivered++;
				for (int i = 0; i < n; i++) {
					uint32_t k = ntohl(it[i].rec.s.cip) - 0x0b000000;

					assert_true(k < KEYS);
					rx_tab[k] = it[i].rec.kind == DP_SYNC_DELETE ? 0 : it[i].rec.s.expire_ms;
					applied++;
				}
			}
		}
		/* its acknowledgement every 5 ms (a heartbeat also says the
		 * sender's next sequence number: the tail's NACK) */
		if (now - last_ack >= 5 && rx.started) {
			m.kind = 1;
			m.gen = rx.gen;
			m.cum = rx.cum;
			m.n_nacks = sync_rx_nacks(&rx, rx.gen == tx.gen ? tx.next : 0, m.nacks,
						  SYNC_MAX_NACKS);
			chan_put(&up, &m, now);
			last_ack = now;
		}
		while (chan_get(&up, now, &m)) {
			uint64_t again[64];
			unsigned n = sync_tx_ack(&tx, m.gen, m.cum, m.nacks, m.n_nacks, now, 10, again, 64);

			for (unsigned i = 0; i < n; i++) {
				const struct sync_tx_slot *t = sync_tx_get(&tx, again[i]);
				struct msg r;

				assert_non_null(t);
				r.kind = 0;
				r.gen = tx.gen;
				r.seq = t->seq;
				r.len = t->len;
				memcpy(r.data, t->data, t->len);
				chan_put(&down, &r, now);
			}
		}
		{
			uint64_t again[16];
			unsigned n = sync_tx_timeouts(&tx, now, 100, again, 16);

			for (unsigned i = 0; i < n; i++) {
				const struct sync_tx_slot *t = sync_tx_get(&tx, again[i]);
				struct msg r;

				r.kind = 0;
				r.gen = tx.gen;
				r.seq = t->seq;
				r.len = t->len;
				memcpy(r.data, t->data, t->len);
				chan_put(&down, &r, now);
			}
		}
		if (done == EVENTS && qn == 0 && tx.acked == tx.next - 1)
			break;
		assert_true(now < 10000000);
	}
	printf("model: %u events, %llu datagrams delivered, %llu records applied, %llu ms, "
	       "lost %llu/%llu down, %llu retransmits, %llu duplicates, %llu restart\n", done,
	       (unsigned long long)delivered, (unsigned long long)applied,
	       (unsigned long long)now, (unsigned long long)down.lost,
	       (unsigned long long)down.sent, (unsigned long long)tx.retransmits,
	       (unsigned long long)rx.dups, (unsigned long long)restarts);
	assert_memory_equal(tx_tab, rx_tab, sizeof(tx_tab));
	assert_true(tx.retransmits > 0 && rx.dups > 0 && restarts == 1);
	sync_tx_free(&tx);
	sync_rx_free(&rx);
	free(down.m);
	free(up.m);
	sync_scratch_free(sc);
}

static void test_tx_edges(void **state)
{
	struct sync_tx t;
	uint8_t d[10] = { 1 };
	uint64_t again[8];
	struct sync_nack nk = { 1, 100 };

	(void)state;
	assert_int_equal(sync_tx_init(&t, 3), -EINVAL);
	assert_int_equal(sync_tx_init(&t, 4), 0);
	for (int i = 0; i < 4; i++) {
		assert_false(sync_tx_full(&t));
		assert_int_equal(sync_tx_push(&t, d, sizeof(d), 0), (uint64_t)i + 1);
	}
	assert_true(sync_tx_full(&t));
	/* an ack of another generation changes nothing */
	assert_int_equal(sync_tx_ack(&t, 9, 4, NULL, 0, 100, 10, again, 8), 0);
	assert_true(sync_tx_full(&t));
	/* acknowledging beyond what was sent is clamped */
	assert_int_equal(sync_tx_ack(&t, 1, 1000, NULL, 0, 100, 10, again, 8), 0);
	assert_int_equal(t.acked, 4);
	assert_null(sync_tx_get(&t, 4));
	sync_tx_push(&t, d, sizeof(d), 100);
	sync_tx_push(&t, d, sizeof(d), 100);
	/* a NACK of everything resends only what is unacked, once per gap */
	assert_int_equal(sync_tx_ack(&t, 1, 4, &nk, 1, 150, 10, again, 8), 2);
	assert_true(again[0] == 5 && again[1] == 6);
	assert_int_equal(sync_tx_ack(&t, 1, 4, &nk, 1, 155, 10, again, 8), 0);
	assert_int_equal(sync_tx_timeouts(&t, 200, 100, again, 8), 0);
	assert_int_equal(sync_tx_timeouts(&t, 260, 100, again, 8), 2);
	sync_tx_reset(&t);
	assert_int_equal(t.gen, 2);
	assert_int_equal(sync_tx_push(&t, d, sizeof(d), 0), 1);
	sync_tx_free(&t);
}

static void test_rx_edges(void **state)
{
	struct sync_rx r;
	uint8_t d[4] = { 7 };
	struct sync_nack nk[4];

	(void)state;
	assert_int_equal(sync_rx_init(&r, 8), 0);
	assert_int_equal(sync_rx_accept(&r, 5, 1, 2, d, 4), SYNC_RX_NEW);
	assert_int_equal(sync_rx_accept(&r, 5, 1, 2, d, 4), SYNC_RX_DUP);
	assert_null(sync_rx_next(&r));   /* 1 is missing */
	assert_int_equal(sync_rx_nacks(&r, 0, nk, 4), 1);
	assert_true(nk[0].first == 1 && nk[0].last == 1);
	/* the heartbeat says 6 is next: 3..5 are missing too */
	assert_int_equal(sync_rx_nacks(&r, 6, nk, 4), 2);
	assert_true(nk[1].first == 3 && nk[1].last == 5);
	assert_int_equal(sync_rx_accept(&r, 5, 1, 1, d, 4), SYNC_RX_OK);
	assert_non_null(sync_rx_next(&r));
	assert_non_null(sync_rx_next(&r));
	assert_null(sync_rx_next(&r));
	assert_int_equal(r.cum, 2);
	assert_int_equal(sync_rx_accept(&r, 5, 1, 1, d, 4), SYNC_RX_DUP);
	assert_int_equal(sync_rx_accept(&r, 5, 1, 11, d, 4), SYNC_RX_WINDOW);
	assert_int_equal(sync_rx_accept(&r, 5, 1, 0, d, 4), SYNC_RX_OLD);
	/* older generation or epoch: replay; newer: a restart */
	assert_int_equal(sync_rx_accept(&r, 4, 9, 1, d, 4), SYNC_RX_OLD);
	assert_int_equal(sync_rx_accept(&r, 5, 2, 1, d, 4), SYNC_RX_NEW);
	assert_int_equal(r.cum, 0);
	assert_int_equal(sync_rx_accept(&r, 5, 1, 3, d, 4), SYNC_RX_OLD);
	assert_int_equal(sync_rx_accept(&r, 6, 1, 1, d, 4), SYNC_RX_NEW);
	sync_rx_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tx_edges),
		cmocka_unit_test(test_rx_edges),
		cmocka_unit_test(test_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
