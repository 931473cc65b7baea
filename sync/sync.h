/* sync/sync.h — session sync between the nodes of a cluster (see
 * docs/design.md "Cluster"): one thread that carries this node's session
 * records to every peer and installs theirs, joins a cluster (pre-online →
 * bulk → online), checks itself every second (markers) and repairs what
 * it finds. sync/wire.h is the datagram, sync/stream.h the reliable
 * stream. */
#ifndef MGW_SYNC_SYNC_H
#define MGW_SYNC_SYNC_H

struct cp;
struct cp_config;
struct dp;
struct sync;

/* Start the sync thread for cfg->sync (after cp_start: the sync port's
 * TAP holds its address). *out is NULL and 0 is returned when the config
 * has no peers. */
int sync_start(struct cp *cp, struct dp *dp, const struct cp_config *cfg, struct sync **out);
void sync_stop(struct sync *s);

/* Stopping (the end of a SIGTERM drain): let this node's local IPs go and
 * wait up to wait_ms for their heirs to take them (sync/failover.c). */
void sync_release(struct sync *s, unsigned wait_ms);

#endif
