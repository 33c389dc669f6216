/* The replication backlog and the stream it records. The ring holds the newest
 * backlog_histlen bytes; the byte at stream offset `repl.offset` is the newest one, so the
 * oldest held is repl.offset - histlen + 1 (INFO repl_backlog_first_byte_offset). */
#include <string.h>

#include "../core/server.h"
#include "../net/client.h"
#include "../proto/reply.h"
#include "../util/mem.h"
#include "repl_private.h"

void repl__backlog_create(void)
{
    if (repl.backlog)
        return;
    repl.backlog_size = srv.cfg.repl_backlog_size;
    repl.backlog = mem_alloc((size_t)repl.backlog_size);
    repl.backlog_histlen = 0;
    repl.backlog_idx = 0;
}

void repl__backlog_free(void)
{
    mem_free(repl.backlog);
    repl.backlog = NULL;
    repl.backlog_histlen = 0;
    repl.backlog_idx = 0;
}

void repl__backlog_resize(long long size)
{
    if (!repl.backlog || size == repl.backlog_size)
        return;
    /* Keep the newest bytes that fit, so a partial resync stays possible. */
    struct sbuf keep = SBUF_INIT;
    long long n = repl.backlog_histlen < size ? repl.backlog_histlen : size;
    repl__backlog_copy(repl.offset - n + 1, &keep);
    mem_free(repl.backlog);
    repl.backlog = mem_alloc((size_t)size);
    repl.backlog_size = size;
    if (keep.len)
        memcpy(repl.backlog, keep.data, keep.len);
    repl.backlog_histlen = (long long)keep.len;
    repl.backlog_idx = (long long)keep.len % size;
    sbuf_free(&keep);
}

static void repl_backlog_append(const char *data, size_t len)
{
    /* Only the last backlog_size bytes can survive. */
    if ((long long)len > repl.backlog_size) {
        data += len - (size_t)repl.backlog_size;
        len = (size_t)repl.backlog_size;
    }
    while (len > 0) {
        size_t room = (size_t)(repl.backlog_size - repl.backlog_idx);
        size_t n = len < room ? len : room;
        memcpy(repl.backlog + repl.backlog_idx, data, n);
        repl.backlog_idx = (repl.backlog_idx + (long long)n) % repl.backlog_size;
        repl.backlog_histlen += (long long)n;
        data += n;
        len -= n;
    }
    if (repl.backlog_histlen > repl.backlog_size)
        repl.backlog_histlen = repl.backlog_size;
}

int repl__backlog_copy(long long from, struct sbuf *out)
{
    long long first = repl.offset - repl.backlog_histlen + 1;
    if (!repl.backlog || from < first || from > repl.offset + 1)
        return -1;
    long long skip = from - first;
    long long len = repl.backlog_histlen - skip;
    long long start = (repl.backlog_idx - repl.backlog_histlen + skip + 2 * repl.backlog_size) %
                      repl.backlog_size;
    while (len > 0) {
        long long n = repl.backlog_size - start < len ? repl.backlog_size - start : len;
        sbuf_catlen(out, repl.backlog + start, (size_t)n);
        start = (start + n) % repl.backlog_size;
        len -= n;
    }
    return 0;
}

/* A replica past client-output-buffer-limit's hard limit while its snapshot is still being
 * produced is dropped like an online one: it would resync anyway, and memory is bounded. */
static void repl_pending_append(struct repl_replica *r, const char *data, size_t len)
{
    sbuf_catlen(&r->pending, data, len);
    long long hard = srv.cfg.obuf_limits[CLIENT_CLASS_REPLICA].hard;
    if (hard && (long long)r->pending.len > hard)
        client_close_async(r->c);
}

void repl__stream_append(const char *data, size_t len)
{
    if (!repl.backlog)
        return;
    repl_backlog_append(data, len);
    repl.offset += (long long)len;
    for (struct repl_replica *r = repl.replicas; r; r = r->next) {
        if (r->c->flags & CLIENT_CLOSE_ASAP)
            continue;
        switch (r->state) {
        case REPL_WAIT_BGSAVE_START:
            break; /* its snapshot will include these writes */
        case REPL_WAIT_BGSAVE_END:
        case REPL_SEND_BULK:
            repl_pending_append(r, data, len);
            break;
        case REPL_ONLINE:
            if (r->await_first_ack)
                repl_pending_append(r, data, len);
            else
                reply_raw(r->c, data, len);
            break;
        }
    }
}
