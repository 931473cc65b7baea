/* cp/notify.h — systemd's service notification protocol (sd_notify(3)),
 * spoken by hand: one datagram of "KEY=VALUE" lines to the AF_UNIX socket
 * named by $NOTIFY_SOCKET (a path, or "@name" in the abstract namespace).
 * Without that variable every call is a no-op, so mgw runs the same under
 * systemd, another supervisor or a shell. No libsystemd. */
#ifndef MGW_CP_NOTIFY_H
#define MGW_CP_NOTIFY_H

#include <stdint.h>

struct cp_notify;

/* Reads NOTIFY_SOCKET and WATCHDOG_USEC (honoured only when WATCHDOG_PID
 * is unset or ours). 0 and *out NULL when there is nothing to notify. */
int cp_notify_open(struct cp_notify **out);
void cp_notify_close(struct cp_notify *n);

/* Send one message; "\n" separates assignments. -errno on failure. */
int cp_notify_send(struct cp_notify *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The watchdog period systemd asked for, in µs (0 = none). */
uint64_t cp_notify_watchdog_us(const struct cp_notify *n);

/* WATCHDOG=1 when a quarter of the period has gone by since the last one
 * (callers may call it as often as they like). now_ms: monotonic. */
void cp_notify_watchdog(struct cp_notify *n, uint64_t now_ms);

#endif
