/* evict: keeps used memory under `maxmemory` by deleting keys the way maxmemory-policy
 * says (approximated LRU/LFU/TTL by sampling maxmemory-samples keys, as Redis does). */
#ifndef FERRITE_EVICT_H
#define FERRITE_EVICT_H

#include <stdbool.h>

/* Evicts until memory fits; false if it cannot (noeviction, or nothing left to evict). */
bool evict_to_fit(void);

#endif
