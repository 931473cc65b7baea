/* cp/log.h — where every log line goes: one sink, stderr.
 *
 * DPDK's own default stream writes each line to stdout and to syslog, so
 * under systemd the journal got everything twice. cp_log_init() (called
 * before rte_eal_init) gives DPDK's logger a stream of ours instead: each
 * line once, to stderr, and when stderr is the journal (JOURNAL_STREAM
 * names it) with the "<N>" syslog priority prefix journald reads, so
 * `journalctl -p warning` works. Nothing is sent to syslog. */
#ifndef MGW_CP_LOG_H
#define MGW_CP_LOG_H

#include <stdbool.h>

/* 0 or -errno. */
int cp_log_init(void);
/* Whether stderr is the journal's stream (for code that writes raw lines). */
bool cp_log_to_journal(void);

#endif
