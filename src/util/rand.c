#include "rand.h"

#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

uint64_t rand_below(uint64_t n)
{
    uint64_t r = ((uint64_t)random() << 31) ^ (uint64_t)random();
    if (n > (1ull << 62))
        r = (r << 31) ^ (uint64_t)random();
    return r % n;
}

void rand_bytes(unsigned char *buf, size_t len)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, len) : -1;
    if (fd >= 0)
        close(fd);
    if (n == (ssize_t)len)
        return;
    /* No urandom: time and pid (and a counter, for two calls in one clock tick). */
    static unsigned long long calls;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned long long seed = (unsigned long long)ts.tv_sec * 1000000000ull +
                              (unsigned long long)ts.tv_nsec;
    seed ^= ((unsigned long long)getpid() << 16) ^ (++calls << 48);
    for (size_t i = 0; i < len; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = (unsigned char)(seed >> 33);
    }
}

void rand_hex(char *out, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[32];
    for (size_t i = 0; i < len; i++) {
        size_t j = i % (2 * sizeof raw);
        if (j == 0)
            rand_bytes(raw, sizeof raw);
        out[i] = hex[j % 2 ? raw[j / 2] & 15 : raw[j / 2] >> 4];
    }
    out[len] = '\0';
}
