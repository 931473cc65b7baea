/* dp/bytes.h — big-endian byte readers and writers for untrusted buffers
 * (packets, routing messages, sync datagrams) and the millisecond clock the
 * control threads share. Header-only: the data plane, the control plane, the
 * routing speakers, sync and mgwadm all include it, so there is one copy.
 *
 * The readers do no bounds checks: callers check the length first. */
#ifndef MGW_DP_BYTES_H
#define MGW_DP_BYTES_H

#include <stdint.h>
#include <time.h>

static inline uint16_t dp_get_u16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t dp_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t dp_get_u64(const uint8_t *p)
{
	return (uint64_t)dp_get_u32(p) << 32 | dp_get_u32(p + 4);
}

static inline void dp_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void dp_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void dp_put_u64(uint8_t *p, uint64_t v)
{
	dp_put_u32(p, (uint32_t)(v >> 32));
	dp_put_u32(p + 4, (uint32_t)v);
}

/* CLOCK_MONOTONIC in milliseconds: what every control thread's timers and
 * "since" fields count in (never the data lcores: they use the TSC). */
static inline uint64_t dp_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#endif
