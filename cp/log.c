/* cp/log.c — the one log sink (see log.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_log.h>

#include "cp/log.h"

/* The stream's cookie: written once, before any thread logs. */
struct log_sink {
	bool journal;
	bool line_start;
};

bool cp_log_to_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static int write_all(const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(STDERR_FILENO, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* DPDK hands over one formatted message per fflush; a message of several
 * lines gets the prefix on each (journald reads one line as one entry). */
static ssize_t sink_write(void *cookie, const char *buf, size_t size)
{
	struct log_sink *k = cookie;
	size_t i = 0;

	if (!k->journal) {
		if (write_all(buf, size) < 0)
			return -1;
		return (ssize_t)size;
	}
	while (i < size) {
		const char *nl = memchr(buf + i, '\n', size - i);
		size_t end = nl ? (size_t)(nl - buf) + 1 : size;

		if (k->line_start) {
			/* RTE_LOG_EMERG is 1, syslog's LOG_EMERG 0 */
			int lvl = rte_log_cur_msg_loglevel();
			char pfx[4] = { '<', (char)('0' + (lvl >= 1 && lvl <= 8 ? lvl - 1 : 6)), '>', 0 };

			if (write_all(pfx, 3) < 0)
				return -1;
		}
		if (write_all(buf + i, end - i) < 0)
			return -1;
		k->line_start = nl != NULL;
		i = end;
	}
	return (ssize_t)size;
}

int cp_log_init(void)
{
	static const cookie_io_functions_t fns = { .write = sink_write };
	/* The process's one log stream (DPDK's log stream is global too, and
	 * is written to until the very end, after every context is gone):
	 * static, so nothing is left to free or to leak at exit. */
	static struct log_sink sink;
	struct log_sink *k = &sink;
	FILE *f;

	k->journal = cp_log_to_journal();
	k->line_start = true;
	/* Lives as long as the process: DPDK logs until the very end. */
	f = fopencookie(k, "w", fns);
	if (!f)
		return -ENOMEM;
	setvbuf(f, NULL, _IOFBF, 4096);
	return rte_openlog_stream(f) == 0 ? 0 : -EINVAL;
}
