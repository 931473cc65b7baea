/* cp/tbuf.h — a growing text buffer, for answers written as text (the
 * Prometheus exposition, GET /sessions): private to cp/. On allocation
 * failure it stops growing and cp_tb_take() returns NULL. */
#ifndef MGW_CP_TBUF_H
#define MGW_CP_TBUF_H

#include <stdbool.h>
#include <stddef.h>

struct cp_tbuf {
	char *s;
	size_t len, cap;
	bool failed;
};

void cp_tb_add(struct cp_tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text (malloc'ed, "" when nothing was added), or NULL after a failure. */
char *cp_tb_take(struct cp_tbuf *b);

#endif
