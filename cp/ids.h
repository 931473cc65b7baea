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

/* The id for key (k1, k2), live or retired, or a new one; it becomes live.
 * 1 when it was not live before (new, or back from retirement), 0 when it
 * was; -ENOSPC when the space is exhausted. */
int cp_ids_get(struct cp_ids *ids, uint64_t k1, uint64_t k2, uint32_t *id);

/* Look up without allocating: -ENOENT. */
int cp_ids_find(const struct cp_ids *ids, uint64_t k1, uint64_t k2, uint32_t *id);

/* The config no longer uses it: live → retired (freed later by reap). */
void cp_ids_retire(struct cp_ids *ids, uint32_t id);

/* Free retired ids for which in_use(arg, id) says false. Returns how many. */
unsigned cp_ids_reap(struct cp_ids *ids, bool (*in_use)(void *arg, uint32_t id), void *arg);

/* Ids newly allocated since the last call, one per call: 0 and *id, or
 * -ENOENT when none is left (the caller resets what it keeps per id, e.g.
 * the counter base). */
int cp_ids_pop_fresh(struct cp_ids *ids, uint32_t *id);

/* Ids taken (live + retired). */
uint32_t cp_ids_count(const struct cp_ids *ids);
bool cp_ids_is_live(const struct cp_ids *ids, uint32_t id);

#endif
