/* jsonkind.h — what a JSON value is called in a refusal ("an array", "a
 * string"), so every decoder of peer JSON (the vmtapd protocol, the VLAN
 * list's JSON form) words "expected X, got Y" alike.  Pure. */
#ifndef VMTAP_JSONKIND_H
#define VMTAP_JSONKIND_H

#include <jansson.h>

/* "an object", "an array", "a string", "an integer", "a real number",
 * "a boolean" or "null". */
const char *json_kind(const json_t *v);

#endif
