#include "rand.h"

#include <stdlib.h>

uint64_t rand_below(uint64_t n)
{
    uint64_t r = ((uint64_t)random() << 31) ^ (uint64_t)random();
    if (n > (1ull << 62))
        r = (r << 31) ^ (uint64_t)random();
    return r % n;
}
