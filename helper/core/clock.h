/* clock.h — the one clock for deadlines and retry times. */
#ifndef VMTAP_CLOCK_H
#define VMTAP_CLOCK_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC: never jumps with the wall clock (NTP,
 * settimeofday), so a deadline computed from it neither fires early nor
 * never.  Only differences mean anything; never fails. */
uint64_t mono_ms(void);

#endif
