/* parse.h — checked parsers for the values users type: numbers with a
 * range, MAC addresses, on/off/auto.  Never atoi. */
#ifndef VMTAP_PARSE_H
#define VMTAP_PARSE_H

#include <stdint.h>

/* Decimal only, no sign, no spaces, no trailing bytes; min <= value <= max.
 * Returns 0, -EINVAL (not a number) or -ERANGE (out of range). */
int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/* Six hex pairs separated by ':' ("fe:12:34:56:78:9a").  Multicast and
 * all-zero addresses are refused (-EINVAL): a NIC needs a unicast MAC. */
int parse_mac(const char *s, uint8_t mac[6]);

/* Formats mac into buf (18 bytes) and returns buf. */
char *format_mac(const uint8_t mac[6], char buf[18]);

/* The value of option NAME at argv[*i], spelled "NAME=VALUE" or "NAME VALUE"
 * (then *i moves past the value); NULL when argv[*i] is not NAME with a
 * value.  Every program's option loop reads values with it. */
const char *parse_opt_value(int argc, char **argv, int *i, const char *name);

#endif
