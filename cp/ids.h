/* cp/ids.h — stable ids for services and real servers.
 *
 * The data plane counts per id (connections, packets, open sessions), and a
 * session remembers its server's id. An id must therefore outlive a
 * server's removal for as long as sessions to it live on (LVS keeps them
 * until they end), and a server removed and added back before then gets its
 * old id. An id is reused only once nothing in the data plane refers to it:
 * the caller tells cp_ids_reap() which retired ids are free of sessions. */
#ifndef MGW_CP_IDS_H
#define MGW_CP_IDS_H

#include <stdbool.h>
#include <stdint.h>

struct cp_ids;

/* An id space of `cap` ids (0..cap-1). */
int cp_ids_create(uint32_t cap, struct cp_ids **out);
void cp_ids_destroy(struct cp_ids *ids);

/* The id for key (k1, k2), live or retired, or a new one. Marks it in use by
 * the config being built (generation `gen`). -ENOSPC when exhausted. */
int cp_ids_get(struct cp_ids *ids, uint64_t k1, uint64_t k2, uint64_t gen, uint32_t *id);

/* Look up without allocating: -ENOENT. */
int cp_ids_find(const struct cp_ids *ids, uint64_t k1, uint64_t k2, uint32_t *id);

/* After a config of generation `gen` is live: ids not used by it become
 * retired. */
void cp_ids_retire_unused(struct cp_ids *ids, uint64_t gen);

/* Free retired ids for which in_use(arg, id) says false. Returns how many. */
unsigned cp_ids_reap(struct cp_ids *ids, bool (*in_use)(void *arg, uint32_t id), void *arg);

/* True once after an id was newly allocated (the caller resets what it
 * keeps per id, e.g. the counter base). */
bool cp_ids_take_fresh(struct cp_ids *ids, uint32_t id);

/* Ids taken (live + retired). */
uint32_t cp_ids_count(const struct cp_ids *ids);
bool cp_ids_is_live(const struct cp_ids *ids, uint32_t id);

#endif
