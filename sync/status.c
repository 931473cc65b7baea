/* sync/status.c — GET /api/v1/cluster's "sync" object (and, through it,
 * the mgw_sync_* metrics). Called from the API's thread: takes the sync
 * thread's lock for a consistent picture. */
#include <arpa/inet.h>
#include <stdio.h>

#include "cp/cp.h"
#include "sync/sync_int.h"

static const char *const peer_states[] = { "down", "joining", "up" };

static json_t *refused_json(const uint64_t *r)
{
	json_t *o = json_object();

	for (unsigned i = 0; i < SYNC_REFUSE_MAX; i++)
		json_object_set_new(o, sync_refuse_names[i], json_integer((json_int_t)r[i]));
	return o;
}

static json_t *peer_json(const struct sync *s, const struct sync_peer *p, uint64_t now)
{
	const struct sync_tx_slot *oldest = sync_tx_get(&p->tx, p->tx.acked + 1);
	char ip[16], dg[20];
	json_t *o, *lips = json_array();

	for (unsigned i = 0; i < p->n_lips; i++) {
		char b[INET6_ADDRSTRLEN];

		json_array_append_new(lips, json_string(dp_is_ip6_handle(p->lips[i])
							? cp_ipv6_str(p->lips6[i], b)
							: cp_ipv4_str(ntohl(p->lips[i]), b)));
	}
	snprintf(dg, sizeof(dg), "%016llx", (unsigned long long)p->config_digest);
	o = json_pack("{s:I, s:s, s:s, s:I, s:s, s:o, s:b, s:s, s:o}",
		      "id", (json_int_t)p->id, "ip", cp_ipv4_str(p->ip, ip),
		      "state", peer_states[p->state], "epoch", (json_int_t)p->epoch,
		      "node_state", p->node_state < 5 ? cp_state_names[p->node_state] : "?",
		      "localips", lips, "config_match", p->config_digest == s->config_digest,
		      "config_digest", dg, "refused", refused_json(p->refused));
	json_object_set_new(o, "records_sent", json_integer((json_int_t)p->records_sent));
	json_object_set_new(o, "records_received", json_integer((json_int_t)p->records_received));
	json_object_set_new(o, "datagrams_sent", json_integer((json_int_t)p->datagrams_sent));
	json_object_set_new(o, "datagrams_received",
			    json_integer((json_int_t)p->datagrams_received));
	json_object_set_new(o, "retransmits", json_integer((json_int_t)p->tx.retransmits));
	json_object_set_new(o, "stream_resets", json_integer((json_int_t)p->resets_sent));
	json_object_set_new(o, "stream_restarts_received", json_integer((json_int_t)p->rx.restarts));
	json_object_set_new(o, "duplicates", json_integer((json_int_t)p->rx.dups));
	json_object_set_new(o, "queue", json_integer((json_int_t)p->q_n));
	json_object_set_new(o, "queue_lost", json_integer((json_int_t)p->queue_lost));
	json_object_set_new(o, "unacked", json_integer((json_int_t)(p->tx.next - 1 - p->tx.acked)));
	/* how far behind it is: the age of the oldest datagram it has not
	 * acknowledged, and what waits for the window */
	json_object_set_new(o, "lag_ms", json_integer(oldest ? (json_int_t)(now - oldest->sent_ms)
							 : 0));
	json_object_set_new(o, "checks", json_integer((json_int_t)p->ae_checks));
	json_object_set_new(o, "check_mismatches", json_integer((json_int_t)p->ae_mismatches));
	json_object_set_new(o, "resyncs", json_integer((json_int_t)p->resyncs));
	json_object_set_new(o, "last_heard_ms_ago",
			    p->last_heard_ms ? json_integer((json_int_t)(now - p->last_heard_ms))
					     : json_null());
	json_object_set_new(o, "last_bulk",
			    json_pack("{s:I, s:I, s:s, s:b}", "records",
				      (json_int_t)p->last_bulk_records, "duration_ms",
				      (json_int_t)p->last_bulk_ms, "result", p->last_bulk_result,
				      "in_progress", p->pull.active));
	return o;
}

json_t *sync_status_json(void *arg)
{
	struct sync *s = arg;
	uint64_t now = sync_now_ms(), own, foreign, pend_lost = 0;
	json_t *o, *peers = json_array();
	char dg[20];

	dp_sync_totals(s->dp, &own, &foreign);
	pthread_mutex_lock(&s->mu);
	for (unsigned i = 0; i < s->n_peers; i++)
		json_array_append_new(peers, peer_json(s, &s->peer[i], now));
	for (unsigned i = 0; i < s->n_lcores; i++)
		pend_lost += s->pend[i].lost;
	snprintf(dg, sizeof(dg), "%016llx", (unsigned long long)s->config_digest);
	o = json_pack("{s:b, s:I, s:s, s:i, s:I, s:I, s:s, s:b, s:o}",
		      "enabled", 1, "epoch", (json_int_t)s->epoch, "port", s->conf.port,
		      "udp_port", (int)s->conf.udp_port,
		      "sessions_local", (json_int_t)own, "sessions_from_peers", (json_int_t)foreign,
		      "config_digest", dg, "joining", s->joining, "peers", peers);
	json_object_set_new(o, "refused_unknown", refused_json(s->refused_unknown));
	json_object_set_new(o, "install_queue_lost", json_integer((json_int_t)pend_lost));
	json_object_set_new(o, "send_errors", json_integer((json_int_t)s->send_errors));
	json_object_set_new(o, "failover", sync_fo_json(s));
	pthread_mutex_unlock(&s->mu);
	return o;
}
