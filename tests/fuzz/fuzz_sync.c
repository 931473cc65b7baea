/* libFuzzer target: session sync's decoder (sync/wire.c). The first byte
 * picks the way in: a raw datagram (framing and MAC checks), or the rest
 * sealed with the right key first so that the payload decoders (Batch,
 * Control) see untrusted bytes behind a valid MAC — what an insider with
 * the key could send. Every decoded item must hold its invariants. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp/dp.h"
#include "dp/tcp.h"
#include "sync/wire.h"

static struct sync_key key = { 16, "fuzzfuzzfuzzfuzz" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sync_scratch *sc;
	static struct sync_item items[SYNC_MAX_ITEMS];
	uint8_t d[SYNC_MAX_DGRAM];
	const uint8_t *pl;
	struct sync_hdr h;
	size_t plen;
	int n;

	if (!sc)
		sc = sync_scratch_create();
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		/* sealed: the decoders behind the MAC */
		struct sync_hdr in = { (uint8_t)(data[0] & 2 ? SYNC_T_STREAM : SYNC_T_CONTROL), 0, 1,
				       1, 1, 1 };

		n = sync_wire_seal(&key, &in, data + 1, size - 1, d, sizeof(d));
		if (n < 0)
			return 0;
		data = d;
		size = (size_t)n;
	} else {
		data++;
		size--;
	}
	if (sync_wire_open(&key, data, size, &h, &pl, &plen) < 0)
		return 0;
	if (h.type == SYNC_T_CONTROL) {
		struct sync_control c;

		if (sync_wire_control_decode(sc, pl, plen, &c) == 0 &&
		    (c.n_nacks > SYNC_MAX_NACKS || c.n_bulk > SYNC_MAX_BULKREQ ||
		     c.n_lips > SYNC_MAX_LIPHOLD))
			abort();
		return 0;
	}
	n = sync_wire_batch_decode(sc, pl, plen, items, SYNC_MAX_ITEMS);
	for (int i = 0; i < n; i++) {
		const struct dp_sync_rec *r = &items[i].rec;

		if (items[i].kind == SYNC_ITEM_SESSION &&
		    ((r->proto != 6 && r->proto != 17) || r->state >= DP_TIMEOUT_MAX ||
		     r->fwd >= DP_FWD_MAX || r->lcore >= DP_MAX_LCORES))
			abort();
	}
	return 0;
}
