#include "mem.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <malloc.h>

/* Atomic because io-threads may allocate reply buffers off the main thread. */
static _Atomic size_t mem_used_bytes;

static void mem_oom(size_t n)
{
    fprintf(stderr, "ferrite: out of memory allocating %zu bytes\n", n);
    fflush(stderr);
    abort();
}

void *mem_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        mem_oom(n);
    atomic_fetch_add_explicit(&mem_used_bytes, malloc_usable_size(p), memory_order_relaxed);
    return p;
}

void *mem_calloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p)
        mem_oom(n);
    atomic_fetch_add_explicit(&mem_used_bytes, malloc_usable_size(p), memory_order_relaxed);
    return p;
}

void *mem_realloc(void *p, size_t n)
{
    if (!p)
        return mem_alloc(n);
    size_t old = malloc_usable_size(p);
    void *q = realloc(p, n ? n : 1);
    if (!q)
        mem_oom(n);
    atomic_fetch_sub_explicit(&mem_used_bytes, old, memory_order_relaxed);
    atomic_fetch_add_explicit(&mem_used_bytes, malloc_usable_size(q), memory_order_relaxed);
    return q;
}

void mem_free(void *p)
{
    if (!p)
        return;
    atomic_fetch_sub_explicit(&mem_used_bytes, malloc_usable_size(p), memory_order_relaxed);
    free(p);
}

char *mem_strndup(const char *s, size_t len)
{
    char *d = mem_alloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *mem_strdup(const char *s)
{
    return mem_strndup(s, strlen(s));
}

size_t mem_usable(const void *p)
{
    return p ? malloc_usable_size((void *)p) : 0;
}

size_t mem_used(void)
{
    return atomic_load_explicit(&mem_used_bytes, memory_order_relaxed);
}

size_t mem_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long size, resident;
    int n = fscanf(f, "%lu %lu", &size, &resident);
    fclose(f);
    return n == 2 ? resident * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

const char *mem_allocator_name(void)
{
#ifdef FERRITE_JEMALLOC
    return "jemalloc-5.3.0";
#else
    return "libc";
#endif
}
