/* libFuzzer harness for the command handlers: the whole server in-process, no sockets.
 *
 * Input: lines of space-separated arguments, each line one command. In an argument, \xHH is
 * the byte HH (so spaces, newlines and any binary byte can occur), \\ a backslash, and an
 * argument written "" is the empty string. A line may start with a client selector:
 *   @0, @1   two socketless clients whose replies are kept and checked (the default is @0).
 *            They block for real (BLPOP on an empty list waits until the other client
 *            pushes, CLIENT UNBLOCK, or it is sent another line, which times the wait out).
 *   @2       client_create_fake(): replies dropped, blocking commands answer at once.
 * and two lines are harness directives: "@tick <ms>" moves the clock on (time is virtual,
 * so expiry is reproducible) and "@cron" runs the cron's active expiry cycle, rehash step
 * and client_cron (idle timeouts, output-buffer soft limits). Lines starting with '#' are
 * comments.
 *
 * Commands that would fork, sleep, exit, touch files or reconfigure the process are refused
 * before execution (see harness_allows): SHUTDOWN, DEBUG, SAVE/BGSAVE, CONFIG REWRITE, every
 * admin command not known to be safe, and CONFIG SET of anything but a list of value-only
 * directives. There are no save points, so FLUSHALL writes no snapshot. Commands that would
 * allocate without bound from a few bytes of input (SETRANGE at a huge offset, SRANDMEMBER
 * with a huge negative count...) are skipped, and so is every DENYOOM command once mem_used()
 * passes FUZZ_MEM_BUDGET.
 *
 * Checked after every line:
 *   - every reply the two keeping clients received is well-formed RESP of their protocol
 *     (no RESP3 type on a RESP2 connection), and the reply count is exact where it is known:
 *     one per command, none while blocked, one when a wait ends;
 *   - blocking_count() equals the number of waiting clients.
 * After the whole input: every key is checked (dict placement, volatile index, encodings
 * valid for the type, listpacks/intsets deep-validated, collections non-empty, small
 * encodings within the thresholds when CONFIG SET did not change them, quicklist node
 * chains), the clients are freed and FLUSHALL runs; the keyspace must be empty and mem_used()
 * back at its baseline (within FUZZ_MEM_SLACK: tables of the pub/sub and blocking registries
 * keep their buckets). Configuration, statistics, the slowlog and the client ids are reset,
 * and random() is reseeded, so every input runs the same way alone or in a long session.
 *
 * FUZZ_COMMANDS_TRACE=1 in the environment prints every command and reply to stderr. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "cmd/cmd.h"
#include "core/blocking.h"
#include "core/config.h"
#include "core/multi.h"
#include "core/pubsub.h"
#include "core/server.h"
#include "core/slowlog.h"
#include "db/db.h"
#include "db/dict.h"
#include "db/kv.h"
#include "ev/ev.h"
#include "net/client.h"
#include "proto/reply.h"
#include "types/intset.h"
#include "types/listpack.h"
#include "types/quicklist.h"
#include "util/mem.h"

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);        \
            abort();                                                                        \
        }                                                                                   \
    } while (0)

#define NCLIENTS 3        /* @0 and @1 keep replies, @2 is a fake client */
#define NKEEPING 2
#define FUZZ_MEM_BUDGET (32u << 20)
#define FUZZ_MEM_SLACK (256u << 10)
#define FUZZ_MAX_ALLOC_ARG (1 << 20)  /* SETRANGE offsets */
#define FUZZ_MAX_RAND_COUNT 10000     /* |negative count| of *RANDMEMBER / HRANDFIELD */
#define FUZZ_TIME_BASE_MS 1700000000000LL

/* ---- virtual wall clock ----
 * The server reads the time of day only through gettimeofday (server_unix_us, the dict's
 * rehash budget, log stamps); this definition takes the place of libc's in this binary, so
 * expiry depends on the input, not on how fast it runs. Monotonic time (durations) stays
 * real. */
static long long fuzz_now_us = FUZZ_TIME_BASE_MS * 1000;

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    (void)tz;
    tv->tv_sec = (time_t)(fuzz_now_us / 1000000);
    tv->tv_usec = (suseconds_t)(fuzz_now_us % 1000000);
    return 0;
}

static bool trace;

static void tracef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void tracef(const char *fmt, ...)
{
    if (!trace)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

static void print_escaped(FILE *f, const char *p, size_t n, size_t max)
{
    for (size_t i = 0; i < n && i < max; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '\r')
            fputs("\\r", f);
        else if (ch == '\n')
            fputs("\\n", f);
        else if (ch < 0x20 || ch >= 0x7f || ch == '\\')
            fprintf(f, "\\x%02x", ch);
        else
            fputc(ch, f);
    }
    if (n > max)
        fprintf(f, "...(%zu bytes)", n);
}

/* ---- the command being run, for failure reports ---- */

struct line_args {
    char **ptr;
    size_t *len;
    int argc;
    int cap;
};

static const struct line_args *cur_line;
static int cur_client = -1;

static void report_line(void)
{
    if (!cur_line)
        return;
    fprintf(stderr, "while running on @%d:", cur_client);
    for (int i = 0; i < cur_line->argc; i++) {
        fputc(' ', stderr);
        print_escaped(stderr, cur_line->ptr[i], cur_line->len[i], 80);
    }
    fputc('\n', stderr);
}

#define FAIL(...)                                                                           \
    do {                                                                                    \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                     \
        fprintf(stderr, __VA_ARGS__);                                                       \
        fputc('\n', stderr);                                                                \
        report_line();                                                                      \
        abort();                                                                            \
    } while (0)

/* ---- RESP reply checker ---- */

struct resp_check {
    const char *p;
    size_t n;
    size_t pos;
    bool resp3;
    const char *why; /* set on failure */
};

/* The line starting at pos (without its CRLF); NULL if there is no CRLF. */
static const char *rc_line(struct resp_check *r, size_t *len)
{
    const char *start = r->p + r->pos;
    for (size_t i = r->pos; i + 1 < r->n; i++) {
        if (r->p[i] == '\r' && r->p[i + 1] == '\n') {
            *len = i - r->pos;
            r->pos = i + 2;
            return start;
        }
        if (r->p[i] == '\r' || r->p[i] == '\n')
            break;
    }
    r->why = "line without CRLF, or a bare CR/LF inside it";
    return NULL;
}

static bool rc_integer(const char *s, size_t len, bool allow_big, long long *out)
{
    size_t i = 0;
    if (len > 0 && s[0] == '-')
        i = 1;
    if (i == len)
        return false;
    if (s[i] == '0' && len > i + 1)
        return false; /* leading zero */
    for (size_t j = i; j < len; j++)
        if (!isdigit((unsigned char)s[j]))
            return false;
    if (allow_big)
        return true;
    if (len > 20)
        return false;
    char buf[24];
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    long long v = strtoll(buf, NULL, 10);
    if (errno)
        return false;
    if (out)
        *out = v;
    return true;
}

static bool rc_value(struct resp_check *r, int depth);

static bool rc_aggregate(struct resp_check *r, int depth, long long count, long long per_item)
{
    if (depth > 16) {
        r->why = "aggregates nested too deep";
        return false;
    }
    for (long long i = 0; i < count * per_item; i++)
        if (!rc_value(r, depth + 1))
            return false;
    return true;
}

static bool rc_value(struct resp_check *r, int depth)
{
    if (r->pos >= r->n) {
        r->why = "aggregate ends early (fewer elements than announced)";
        return false;
    }
    char type = r->p[r->pos++];
    size_t len;
    const char *s = rc_line(r, &len);
    if (!s)
        return false;
    long long n;
    bool r3only = false;
    switch (type) {
    case '+':
        return true;
    case '-': {
        /* An error code: upper-case letters (digits, '_' or '-' after the first). */
        size_t i = 0;
        while (i < len && s[i] != ' ') {
            char ch = s[i];
            if (!(isupper((unsigned char)ch) || (i > 0 && (isdigit((unsigned char)ch) ||
                                                            ch == '_' || ch == '-')))) {
                r->why = "error reply without an upper-case code";
                return false;
            }
            i++;
        }
        if (i == 0) {
            r->why = "error reply without an upper-case code";
            return false;
        }
        return true;
    }
    case ':':
        if (!rc_integer(s, len, false, NULL)) {
            r->why = "bad integer reply";
            return false;
        }
        return true;
    case '$':
    case '=':
    case '!':
        r3only = type != '$';
        if (!rc_integer(s, len, false, &n) || n < -1 || (n == -1 && (r->resp3 || type != '$'))) {
            r->why = "bad bulk length (or a RESP2 null bulk on a RESP3 connection)";
            return false;
        }
        if (n == -1)
            return true;
        if ((size_t)n > r->n - r->pos || r->n - r->pos - (size_t)n < 2 ||
            r->p[r->pos + (size_t)n] != '\r' || r->p[r->pos + (size_t)n + 1] != '\n') {
            r->why = "bulk payload not followed by CRLF at its announced length";
            return false;
        }
        if (type == '=' && (n < 4 || r->p[r->pos + 3] != ':')) {
            r->why = "verbatim string without its three-letter format";
            return false;
        }
        r->pos += (size_t)n + 2;
        break;
    case '*':
    case '%':
    case '~':
    case '>':
    case '|':
        r3only = type != '*';
        if (!rc_integer(s, len, false, &n) || n < -1 || (n == -1 && (r->resp3 || type != '*'))) {
            r->why = "bad aggregate length (or a RESP2 null array on a RESP3 connection)";
            return false;
        }
        if (n > 0 && !rc_aggregate(r, depth, n, (type == '%' || type == '|') ? 2 : 1))
            return false;
        if (type == '|')
            return rc_value(r, depth); /* attributes precede the value they describe */
        break;
    case '_':
        r3only = true;
        if (len != 0) {
            r->why = "null with a payload";
            return false;
        }
        break;
    case '#':
        r3only = true;
        if (len != 1 || (s[0] != 't' && s[0] != 'f')) {
            r->why = "bad boolean";
            return false;
        }
        break;
    case ',': {
        r3only = true;
        char buf[128];
        if (len == 0 || len >= sizeof buf) {
            r->why = "bad double";
            return false;
        }
        memcpy(buf, s, len);
        buf[len] = '\0';
        char *end;
        strtod(buf, &end);
        if (*end != '\0' && strcmp(buf, "inf") != 0 && strcmp(buf, "-inf") != 0 &&
            strcmp(buf, "nan") != 0) {
            r->why = "bad double";
            return false;
        }
        break;
    }
    case '(':
        r3only = true;
        if (!rc_integer(s, len, true, NULL)) {
            r->why = "bad big number";
            return false;
        }
        break;
    default:
        r->why = "unknown type byte";
        return false;
    }
    if (r3only && !r->resp3) {
        r->why = "RESP3 type on a RESP2 connection";
        return false;
    }
    return true;
}

/* Flattens the client's queued output into buf (malloc'd) and returns its length. */
static size_t take_output(struct client *c, char **buf)
{
    size_t total = 0;
    for (const struct reply_block *b = c->out.head; b; b = b->next)
        total += b->used;
    CHECK(total == c->out.bytes);
    CHECK(c->out.sent == 0);
    char *p = malloc(total ? total : 1);
    CHECK(p != NULL);
    size_t off = 0;
    for (const struct reply_block *b = c->out.head; b; b = b->next) {
        memcpy(p + off, b->data, b->used);
        off += b->used;
    }
    /* Written out, as client_write leaves it: the last block stays for the next reply. */
    struct reply_queue *q = &c->out;
    while (q->head && q->head != q->tail) {
        struct reply_block *done = q->head;
        q->head = done->next;
        mem_free(done);
    }
    if (q->head)
        q->head->used = 0;
    q->bytes = 0;
    *buf = p;
    return total;
}

/* Checks that buf holds whole replies only; returns how many top-level replies. */
static long long check_replies(int slot, const char *buf, size_t n, bool resp3)
{
    struct resp_check r = {.p = buf, .n = n, .resp3 = resp3};
    long long count = 0;
    while (r.pos < n) {
        size_t start = r.pos;
        if (!rc_value(&r, 0)) {
            fprintf(stderr, "@%d: malformed reply (%s) at byte %zu of the reply starting at "
                    "byte %zu (RESP%d):\n", slot, r.why, r.pos, start, resp3 ? 3 : 2);
            print_escaped(stderr, buf + start, n - start, 2000);
            fputc('\n', stderr);
            report_line();
            abort();
        }
        if (trace) {
            fprintf(stderr, "  @%d <- ", slot);
            print_escaped(stderr, buf + start, r.pos - start, 300);
            fputc('\n', stderr);
        }
        count++;
    }
    return count;
}

/* ---- clients ---- */

static struct client *clients[NCLIENTS];

static struct client *client_get(int slot)
{
    if (clients[slot])
        return clients[slot];
    struct client *c = client_create_fake();
    if (slot < NKEEPING) {
        /* A socketless client that is not fake: its replies are queued (and checked by
         * us), it blocks, and it is listed (CLIENT LIST/KILL/UNBLOCK find it). */
        c->flags &= ~CLIENT_FAKE;
        snprintf(c->addr, sizeof c->addr, "10.0.0.%d:%d", slot + 1, 4000 + slot);
        snprintf(c->laddr, sizeof c->laddr, "127.0.0.1:6379");
        c->next = srv.clients;
        if (srv.clients)
            srv.clients->prev = c;
        srv.clients = c;
        srv.nclients++;
    }
    clients[slot] = c;
    return c;
}

static size_t blocked_clients(void)
{
    size_t n = 0;
    for (int i = 0; i < NKEEPING; i++)
        n += clients[i] && blocking_is_blocked(clients[i]);
    return n;
}

/* Frees clients the command marked for closing, as the event loop would after writing. */
static void reap_clients(void)
{
    for (int i = 0; i < NCLIENTS; i++) {
        struct client *c = clients[i];
        if (!c)
            continue;
        if (c->flags & CLIENT_CLOSE_ASAP) {
            clients[i] = NULL; /* on srv.closing: freed just below */
        } else if (c->flags & CLIENT_CLOSE_AFTER_REPLY) {
            client_free(c);
            clients[i] = NULL;
        }
    }
    client_free_closing();
    CHECK(srv.closing == NULL);
}

/* ---- which commands may run ---- */

static bool arg_is(const char *p, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(p, word, len) == 0;
}

/* Directives CONFIG SET may change: they only hold values, none opens, binds, resizes or
 * writes anything, and all live in srv.cfg as plain values (restored after every input).
 * Not "save": with save points FLUSHALL writes a snapshot file. */
static const char *const config_settable[] = {
    "maxmemory", "maxmemory-policy", "maxmemory-samples", "lfu-log-factor", "lfu-decay-time",
    "hash-max-listpack-entries", "hash-max-ziplist-entries", "hash-max-listpack-value",
    "hash-max-ziplist-value", "list-max-listpack-size", "list-max-ziplist-size",
    "list-compress-depth", "set-max-intset-entries", "set-max-listpack-entries",
    "set-max-listpack-value", "zset-max-listpack-entries", "zset-max-ziplist-entries",
    "zset-max-listpack-value", "zset-max-ziplist-value", "notify-keyspace-events",
    "slowlog-log-slower-than", "slowlog-max-len", "lazyfree-lazy-user-del",
    "active-expire-effort", "client-output-buffer-limit", "timeout", "tcp-keepalive",
    "protected-mode", "replica-read-only", "slave-read-only", "proto-max-bulk-len",
    "client-query-buffer-limit", "hz", "appendfsync", NULL,
};

/* Commands refused outright, whatever their flags say. */
static const char *const refused[] = {
    "shutdown", "debug", "save", "bgsave", "bgrewriteaof", "monitor", "sync", "psync",
    "replicaof", "slaveof", "failover", "module", "migrate", "wait", "config|rewrite", NULL,
};

/* Admin commands that are safe to run. */
static const char *const admin_ok[] = {
    "client|list", "client|kill", "client|no-evict", "client|unblock", "config|get",
    "config|set", "config|resetstat", "slowlog|get", "slowlog|len", "slowlog|reset", NULL,
};

static bool in_list(const char *const *list, const char *name)
{
    for (int i = 0; list[i]; i++)
        if (strcasecmp(list[i], name) == 0)
            return true;
    return false;
}

static bool parse_ll(const char *p, size_t len, long long *v)
{
    if (len == 0 || len > 20)
        return false;
    char buf[24];
    memcpy(buf, p, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    *v = strtoll(buf, &end, 10);
    return errno == 0 && *end == '\0';
}

static bool config_touched; /* CONFIG SET ran: the encoding thresholds may have moved */

static bool harness_allows(const struct line_args *a)
{
    struct cmd *cmd = cmd_lookup(a->ptr[0], a->len[0]);
    if (!cmd)
        return true; /* unknown: the error path */
    if (cmd->nsubcmds && a->argc >= 2) {
        struct cmd *sub = cmd_lookup_sub(cmd, a->ptr[1], a->len[1]);
        if (sub)
            cmd = sub;
    }
    const char *name = cmd_fullname(cmd);
    if (in_list(refused, name) || in_list(refused, cmd->name))
        return false;
    if ((cmd->flags & CMD_ADMIN) && !in_list(admin_ok, name))
        return false;
    if (strcmp(name, "config|set") == 0) {
        for (int i = 2; i < a->argc; i += 2)
            if (!in_list(config_settable, a->ptr[i]) || strlen(a->ptr[i]) != a->len[i])
                return false;
        config_touched = true;
    }
    /* Unbounded allocations from a few bytes of input. */
    long long v;
    /* (Offsets past proto-max-bulk-len are refused by the handler: those run.) */
    if (strcmp(name, "setrange") == 0 && a->argc == 4 && parse_ll(a->ptr[2], a->len[2], &v) &&
        v <= LLONG_MAX - (long long)a->len[3] && v + (long long)a->len[3] > FUZZ_MAX_ALLOC_ARG &&
        v + (long long)a->len[3] <= srv.cfg.proto_max_bulk_len)
        return false;
    /* A negative count repeats picks |count| times; the counts the handlers refuse (the
     * minimum, or beyond half the range with WITHVALUES/WITHSCORES) still run. */
    if ((strcmp(name, "srandmember") == 0 || strcmp(name, "zrandmember") == 0 ||
         strcmp(name, "hrandfield") == 0) &&
        a->argc >= 3 && parse_ll(a->ptr[2], a->len[2], &v) && v < -FUZZ_MAX_RAND_COUNT &&
        v != LLONG_MIN && !(a->argc == 4 && strcmp(name, "srandmember") != 0 &&
                            v < -LLONG_MAX / 2))
        return false;
    if ((cmd->flags & CMD_DENYOOM) && mem_used() > FUZZ_MEM_BUDGET)
        return false;
    return true;
}

/* ---- running one line ---- */

static void args_push(struct line_args *a, const char *p, size_t len)
{
    if (a->argc == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 8;
        a->ptr = realloc(a->ptr, sizeof *a->ptr * (size_t)a->cap);
        a->len = realloc(a->len, sizeof *a->len * (size_t)a->cap);
        CHECK(a->ptr && a->len);
    }
    /* Each argument in its own exact-size block (plus the NUL handlers rely on), so reading
     * past an argument trips ASan. */
    char *copy = malloc(len + 1);
    CHECK(copy != NULL);
    memcpy(copy, p, len);
    copy[len] = '\0';
    a->ptr[a->argc] = copy;
    a->len[a->argc] = len;
    a->argc++;
}

static void args_clear(struct line_args *a)
{
    for (int i = 0; i < a->argc; i++)
        free(a->ptr[i]);
    a->argc = 0;
}

static int hexval(unsigned char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = (unsigned char)tolower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Splits one line (no newline in it) into arguments. */
static void split_line(const uint8_t *p, size_t n, struct line_args *a, char *scratch)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && p[i] == ' ')
            i++;
        if (i == n)
            break;
        size_t start = i, len = 0;
        while (i < n && p[i] != ' ') {
            if (p[i] == '\\' && i + 3 < n && p[i + 1] == 'x' && hexval(p[i + 2]) >= 0 &&
                hexval(p[i + 3]) >= 0) {
                scratch[len++] = (char)(hexval(p[i + 2]) * 16 + hexval(p[i + 3]));
                i += 4;
            } else if (p[i] == '\\' && i + 1 < n && p[i + 1] == '\\') {
                scratch[len++] = '\\';
                i += 2;
            } else {
                scratch[len++] = (char)p[i++];
            }
        }
        if (i - start == 2 && p[start] == '"' && p[start + 1] == '"')
            len = 0;
        args_push(a, scratch, len);
    }
}

struct client_state {
    bool exists, blocked, subscribed, reply_off, resp3;
};

static struct client_state client_state(int slot)
{
    struct client_state s = {0};
    struct client *c = clients[slot];
    if (!c)
        return s;
    s.exists = true;
    s.blocked = blocking_is_blocked(c);
    s.subscribed = pubsub_count(c) > 0;
    s.reply_off = (c->flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_REPLY_SKIP_NEXT)) != 0;
    s.resp3 = c->resp >= 3;
    return s;
}

static bool queued_subscribe[NKEEPING]; /* a (P)(UN)SUBSCRIBE is queued in the transaction */

static bool is_subscribe_cmd(const char *p, size_t len)
{
    return len >= 9 && strncasecmp(p + len - 9, "subscribe", 9) == 0;
}

/* Checks and drops what every keeping client received; `exec` is the slot that ran a
 * command (-1 for none), `before` their states before it. */
static void collect_replies(int exec, const struct client_state *before, bool subscribe_cmd,
                            bool exec_cmd)
{
    for (int i = 0; i < NKEEPING; i++) {
        struct client *c = clients[i];
        if (!c)
            continue;
        struct client_state after = client_state(i);
        char *buf;
        size_t n = take_output(c, &buf);
        if (c->flags & CLIENT_CLOSE_ASAP) {
            free(buf); /* dropped mid-reply on purpose (output limits, CLIENT KILL) */
            continue;
        }
        bool resp3 = after.resp3 || (i == exec && before[i].resp3);
        long long got = check_replies(i, buf, n, resp3);
        free(buf);
        long long want = -1; /* unknown */
        bool quiet = before[i].reply_off || after.reply_off || before[i].subscribed ||
                     after.subscribed;
        if (i == exec) {
            if (!quiet && !subscribe_cmd && !(exec_cmd && queued_subscribe[i]))
                want = after.blocked ? 0 : 1;
        } else if (before[i].exists && !quiet) {
            want = before[i].blocked && !after.blocked ? 1 : 0;
        }
        if (want >= 0 && got != want)
            FAIL("@%d received %lld replies, expected %lld (blocked before %d, after %d)", i, got,
                 want, before[i].blocked, after.blocked);
    }
}

static void run_command(int slot, struct line_args *a)
{
    struct client *c = client_get(slot);
    struct client_state before[NKEEPING];
    if (blocking_is_blocked(c)) {
        /* A blocked client reads nothing more until its wait ends: time it out now. */
        for (int i = 0; i < NKEEPING; i++)
            before[i] = client_state(i);
        blocking_unblock_client(c, false);
        collect_replies(-1, before, false, false);
        reap_clients();
        c = client_get(slot);
    }
    for (int i = 0; i < NKEEPING; i++)
        before[i] = client_state(i);
    bool subscribe_cmd = is_subscribe_cmd(a->ptr[0], a->len[0]);
    bool exec_cmd = arg_is(a->ptr[0], a->len[0], "exec");
    if (slot < NKEEPING && subscribe_cmd && multi_active(c))
        queued_subscribe[slot] = true;

    struct cmd_arg *argv = malloc(sizeof *argv * (size_t)a->argc);
    CHECK(argv != NULL);
    for (int i = 0; i < a->argc; i++)
        argv[i] = (struct cmd_arg){a->ptr[i], a->len[i]};
    struct cmd_arg *own_argv = c->argv;
    c->argv = argv;
    c->argc = a->argc;
    srv.cmd_time_ms = server_unix_ms();
    srv.call_clock_us = ev_monotonic_us();
    srv.lru_clock = (uint32_t)((srv.cmd_time_ms / 1000) & 0xFFFFFF);
    c->flags |= CLIENT_EXECUTING;
    server_execute(c);
    c->flags &= ~CLIENT_EXECUTING;
    c->argv = own_argv;
    c->argc = 0;
    free(argv);

    if (slot >= NKEEPING)
        CHECK(c->out.bytes == 0); /* a fake client queues nothing */
    collect_replies(slot < NKEEPING ? slot : -1, before, subscribe_cmd, exec_cmd);
    for (int i = 0; i < NKEEPING; i++)
        if (clients[i] && !multi_active(clients[i]))
            queued_subscribe[i] = false;
    reap_clients();
    CHECK(blocking_count() == blocked_clients());
}

/* The server cron's keyspace and client work. client_cron frees idle clients itself
 * (timeout): a keeping client no longer on srv.clients is gone. */
static void run_cron(void)
{
    srv.cmd_time_ms = server_unix_ms();
    db_active_expire(1000);
    db_rehash_step(1000);
    client_cron();
    for (int i = 0; i < NKEEPING; i++) {
        bool listed = false;
        for (struct client *o = srv.clients; o && !listed; o = o->next)
            listed = o == clients[i];
        if (clients[i] && !listed) {
            tracef("   (@%d closed by client_cron)\n", i);
            clients[i] = NULL;
        }
    }
    for (int i = 0; i < NKEEPING; i++)
        if (clients[i])
            CHECK(clients[i]->out.bytes == 0); /* cron sends nothing */
    reap_clients();
    CHECK(blocking_count() == blocked_clients());
}

static void run_line(const uint8_t *p, size_t n, struct line_args *a, char *scratch)
{
    split_line(p, n, a, scratch);
    if (a->argc == 0)
        return;
    int slot = 0;
    if (a->len[0] == 2 && a->ptr[0][0] == '@' && a->ptr[0][1] >= '0' &&
        a->ptr[0][1] < '0' + NCLIENTS) {
        slot = a->ptr[0][1] - '0';
        free(a->ptr[0]);
        memmove(a->ptr, a->ptr + 1, sizeof *a->ptr * (size_t)(a->argc - 1));
        memmove(a->len, a->len + 1, sizeof *a->len * (size_t)(a->argc - 1));
        a->argc--;
        if (a->argc == 0)
            return;
    }
    cur_line = a;
    cur_client = slot;
    if (trace) {
        fprintf(stderr, "@%d ->", slot);
        for (int i = 0; i < a->argc; i++) {
            fputc(' ', stderr);
            print_escaped(stderr, a->ptr[i], a->len[i], 80);
        }
        fputc('\n', stderr);
    }
    long long v;
    if (arg_is(a->ptr[0], a->len[0], "@tick")) {
        if (a->argc == 2 && parse_ll(a->ptr[1], a->len[1], &v) && v >= 0 && v <= 1000000000LL)
            fuzz_now_us += v * 1000;
    } else if (arg_is(a->ptr[0], a->len[0], "@cron")) {
        run_cron();
    } else if (harness_allows(a)) {
        run_command(slot, a);
    } else {
        tracef("   (refused by the harness)\n");
    }
    cur_line = NULL;
}

/* ---- keyspace invariants ---- */

static bool parse_double_text(const unsigned char *p, size_t len, double *out)
{
    char buf[128];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, p, len);
    buf[len] = '\0';
    char *end;
    *out = strtod(buf, &end);
    return *end == '\0';
}

static int bytes_cmp(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

/* Checks a listpack value: valid, non-empty, pairs where pairs are stored, distinct keys
 * for sets and hashes, (score, member) order for sorted sets, and the size thresholds. */
static void check_listpack(const struct kv *kv, const unsigned char *lp)
{
    CHECK(lp_validate(lp, lp_bytes(lp), true));
    unsigned long len = lp_length(lp);
    CHECK(len > 0);
    int step = kv->type == KV_SET ? 1 : 2;
    CHECK(len % (unsigned long)step == 0);
    unsigned long entries = len / (unsigned long)step;
    if (!config_touched) {
        long long max = kv->type == KV_SET    ? srv.cfg.set_max_listpack_entries
                        : kv->type == KV_ZSET ? srv.cfg.zset_max_listpack_entries
                                              : srv.cfg.hash_max_listpack_entries;
        if ((long long)entries > max)
            FAIL("key '%.*s': listpack %s with %lu entries, threshold %lld", (int)kv->keylen,
                 kv_key(kv), kv_type_name(kv), entries, max);
    }
    if (entries > 512)
        return; /* the quadratic checks below stay cheap */
    unsigned char ib[LP_INTBUF_SIZE], jb[LP_INTBUF_SIZE];
    double prev_score = 0;
    const unsigned char *prev_m = NULL;
    size_t prev_len = 0;
    unsigned char prev_buf[LP_INTBUF_SIZE];
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p)) {
        size_t il;
        const unsigned char *is = lp_get(p, &il, ib);
        if (!config_touched && kv->type != KV_HASH) {
            long long maxv = kv->type == KV_SET ? srv.cfg.set_max_listpack_value
                                                : srv.cfg.zset_max_listpack_value;
            if ((long long)il > maxv)
                FAIL("key '%.*s': listpack %s member of %zu bytes, threshold %lld",
                     (int)kv->keylen, kv_key(kv), kv_type_name(kv), il, maxv);
        }
        for (unsigned char *q = lp_next(lp, p); q; q = lp_next(lp, q)) {
            if (step == 2 && !(q = lp_next(lp, q)))
                break;
            if (!q)
                break;
            size_t jl;
            const unsigned char *js = lp_get(q, &jl, jb);
            if (il == jl && memcmp(is, js, il) == 0)
                FAIL("key '%.*s': listpack %s holds '%.*s' twice", (int)kv->keylen, kv_key(kv),
                     kv_type_name(kv), (int)il, is);
        }
        if (kv->type == KV_ZSET) {
            unsigned char *sp = lp_next(lp, p);
            size_t sl;
            unsigned char sb[LP_INTBUF_SIZE];
            const unsigned char *ss = lp_get(sp, &sl, sb);
            double score;
            CHECK(parse_double_text(ss, sl, &score));
            CHECK(score == score); /* never NaN */
            if (prev_m && (score < prev_score ||
                           (score == prev_score && bytes_cmp(prev_m, prev_len, is, il) >= 0)))
                FAIL("key '%.*s': listpack zset out of (score, member) order", (int)kv->keylen,
                     kv_key(kv));
            prev_score = score;
            if (is == ib) { /* integer member: the text lives in ib, keep a copy */
                memcpy(prev_buf, ib, il);
                prev_m = prev_buf;
            } else {
                prev_m = is;
            }
            prev_len = il;
        }
        if (step == 2 && !(p = lp_next(lp, p)))
            break;
    }
}

static void check_quicklist(const struct quicklist *ql)
{
    CHECK(ql->count > 0);
    CHECK(ql->head && ql->tail && ql->head->prev == NULL && ql->tail->next == NULL);
    unsigned long count = 0;
    uint32_t nodes = 0;
    const struct ql_node *prev = NULL;
    for (const struct ql_node *n = ql->head; n; n = n->next) {
        CHECK(n->prev == prev);
        CHECK(n->count > 0);
        if (!n->compressed) {
            CHECK(n->sz == lp_bytes(n->lp));
            CHECK(lp_validate(n->lp, n->sz, true));
            CHECK(lp_length(n->lp) == n->count);
        }
        if (ql->fill > 0) /* the list's own fill, fixed when it was created */
            CHECK(n->count <= ql->fill);
        count += n->count;
        nodes++;
        prev = n;
    }
    CHECK(prev == ql->tail);
    CHECK(count == ql->count);
    CHECK(nodes == ql->len);
}

static void check_kv(struct db *db, struct kv *kv, size_t *nvolatile)
{
    const char *key = kv_key(kv);
    CHECK(dict_find(&db->keys, key, kv->keylen) == &kv->node);
    if (kv->has_expire) {
        uint32_t idx = kv_volatile_idx(kv);
        CHECK(idx < db->nvolatile && db->volatile_keys[idx] == kv);
        (*nvolatile)++;
    }
    switch (kv->type) {
    case KV_STRING:
        CHECK(kv->enc == KV_ENC_RAW || kv->enc == KV_ENC_INT || kv->enc == KV_ENC_EMBSTR);
        if (kv->enc == KV_ENC_EMBSTR)
            CHECK(kv->v.slen <= KV_EMBSTR_MAX);
        break;
    case KV_LIST:
        CHECK(kv->enc == KV_ENC_QUICKLIST);
        check_quicklist(kv->v.ptr);
        break;
    case KV_SET:
        if (kv->enc == KV_ENC_INTSET) {
            const struct intset *is = kv->v.ptr;
            CHECK(intset_validate((const unsigned char *)is, intset_bytes(is), true));
            CHECK(intset_len(is) > 0);
            if (!config_touched && (long long)intset_len(is) > srv.cfg.set_max_intset_entries)
                FAIL("key '%.*s': intset of %u, threshold %lld", (int)kv->keylen, key,
                     intset_len(is), srv.cfg.set_max_intset_entries);
        } else if (kv->enc == KV_ENC_LISTPACK) {
            check_listpack(kv, kv->v.ptr);
        } else {
            CHECK(kv->enc == KV_ENC_HASHTABLE);
            CHECK(dict_size(kv->v.ptr) > 0);
        }
        break;
    case KV_HASH:
        if (kv->enc == KV_ENC_LISTPACK) {
            check_listpack(kv, kv->v.ptr);
        } else {
            CHECK(kv->enc == KV_ENC_HASHTABLE);
            CHECK(dict_size(kv->v.ptr) > 0);
        }
        break;
    case KV_ZSET:
        if (kv->enc == KV_ENC_LISTPACK)
            check_listpack(kv, kv->v.ptr);
        else
            CHECK(kv->enc == KV_ENC_SKIPLIST);
        break;
    default:
        FAIL("key '%.*s' of unknown type %d", (int)kv->keylen, key, kv->type);
    }
}

static void count_node(struct dict_node *node, void *arg)
{
    (void)node;
    (*(size_t *)arg)++;
}

static void check_keyspace(void)
{
    for (int i = 0; i < srv.cfg.databases; i++) {
        struct db *db = &srv.dbs[i];
        size_t n = 0, nvolatile = 0;
        struct dict_iter it;
        dict_iter_init(&it, &db->keys);
        for (struct dict_node *node; (node = dict_iter_next(&it)) != NULL; n++)
            check_kv(db, (struct kv *)node, &nvolatile);
        dict_iter_release(&it);
        CHECK(n == db_size(db));
        CHECK(nvolatile == db->nvolatile);
        /* A full SCAN reports every key at least once. */
        size_t scanned = 0;
        uint64_t cursor = 0;
        do {
            cursor = dict_scan(&db->keys, cursor, count_node, &scanned);
        } while (cursor != 0);
        CHECK(scanned >= n);
    }
}

/* ---- set-up and the entry point ---- */

static struct server_config saved_cfg;
static size_t mem_baseline;
static struct line_args line;
static char *scratch;
static size_t scratch_cap;

static void harness_init(void)
{
    trace = getenv("FUZZ_COMMANDS_TRACE") != NULL;
    config_init_defaults();
    /* Tiny thresholds, so every type converts between its encodings within a few commands. */
    srv.cfg.hash_max_listpack_entries = 4;
    srv.cfg.hash_max_listpack_value = 16;
    srv.cfg.set_max_intset_entries = 4;
    srv.cfg.set_max_listpack_entries = 4;
    srv.cfg.set_max_listpack_value = 16;
    srv.cfg.zset_max_listpack_entries = 4;
    srv.cfg.zset_max_listpack_value = 16;
    srv.cfg.list_max_listpack_size = 4;
    srv.cfg.list_compress_depth = 1; /* inner list nodes LZF-compressed */
    srv.cfg.enable_debug_command = 0;
    srv.cfg.slowlog_log_slower_than = 0; /* every command goes through the slowlog */
    srv.cfg.slowlog_max_len = 16;
    srv.cfg.loglevel = LOG_NOTHING;
    srv.cfg.maxclients = 16;
    srv.cfg.nsave = 0; /* no save points: FLUSHALL must not write dump.rdb */

    uint8_t seed[16] = {0};
    dict_set_seed(seed);
    memset(srv.run_id, '0', 40);
    srv.start_ms = server_unix_ms();
    srv.last_save = srv.start_ms / 1000;
    srv.lru_clock = (uint32_t)((srv.start_ms / 1000) & 0xFFFFFF);
    srv.active_expire_enabled = true;
    srv.unix_fd = -1;
    srv.stats.last_sample_ms = ev_monotonic_ms();
    cmd_table_init();
    db_init_all(srv.cfg.databases);
    srv.slowlog = slowlog_create();
    /* A loop without listeners: blocking timeouts are timers on it (they never fire: a
     * waiting client times out when it is sent its next line), INFO names its backend. */
    srv.loop = ev_create(ev_backend_find("poll"), srv.cfg.maxclients + SERVER_FD_RESERVE);
    CHECK(srv.loop != NULL);
    saved_cfg = srv.cfg;
}

/* libFuzzer's entropic schedule (the default) spends most of the time in its own feature
 * bookkeeping with the server's many thousand features per input: -entropic=0 runs about
 * three times as many inputs for the same coverage. Added unless the caller chose. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static char *args[256];
    static char flag[] = "-entropic=0";
    bool chosen = false;
    for (int i = 1; i < *argc; i++)
        chosen |= strncmp((*argv)[i], "-entropic=", 10) == 0;
    if (!chosen && *argc >= 1 && *argc < 255) {
        args[0] = (*argv)[0];
        args[1] = flag;
        memcpy(args + 2, *argv + 1, sizeof *args * (size_t)(*argc - 1));
        args[*argc + 1] = NULL;
        *argc += 1;
        *argv = args;
    }
    harness_init();
    return 0;
}

/* Runs a harness-internal command on the fake client. */
static void run_internal(const char *a0, const char *a1)
{
    struct line_args a = {0};
    args_push(&a, a0, strlen(a0));
    if (a1)
        args_push(&a, a1, strlen(a1));
    run_command(NCLIENTS - 1, &a);
    args_clear(&a);
    free(a.ptr);
    free(a.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_now_us = FUZZ_TIME_BASE_MS * 1000;
    srandom(1);
    srand(1);
    config_touched = false;
    if (scratch_cap < size + 1) {
        free(scratch);
        scratch_cap = size + 1;
        scratch = malloc(scratch_cap);
        CHECK(scratch != NULL);
    }

    size_t start = 0;
    while (start < size) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t end = nl ? (size_t)(nl - data) : size;
        size_t len = end - start;
        if (len > 0 && data[start + len - 1] == '\r')
            len--;
        if (!(len > 0 && data[start] == '#'))
            run_line(data + start, len, &line, scratch);
        args_clear(&line);
        start = end + 1;
    }

    check_keyspace();
    for (int i = 0; i < NCLIENTS; i++) {
        if (clients[i]) {
            client_free(clients[i]);
            clients[i] = NULL;
        }
    }
    CHECK(srv.clients == NULL && srv.nclients == 0);
    CHECK(blocking_count() == 0);
    run_internal("flushall", NULL);
    run_internal("slowlog", "reset");
    for (int i = 0; i < srv.cfg.databases; i++)
        CHECK(db_size(&srv.dbs[i]) == 0 && srv.dbs[i].nvolatile == 0);
    client_free(clients[NCLIENTS - 1]);
    clients[NCLIENTS - 1] = NULL;
    srv.cfg = saved_cfg;
    server_reset_stats();
    srv.next_client_id = 0;
    srv.dirty = 0;
    memset(queued_subscribe, 0, sizeof queued_subscribe);

    CHECK(srv.rdb_saves == 0); /* nothing was ever written to disk */

    size_t used = mem_used();
    if (mem_baseline == 0)
        mem_baseline = used;
    tracef("mem_used %zu after the input, baseline %zu\n", used, mem_baseline);
    if (used > mem_baseline + FUZZ_MEM_SLACK) {
        fprintf(stderr, "mem_used() %zu after FLUSHALL, baseline %zu: %zu bytes not returned\n",
                used, mem_baseline, used - mem_baseline);
        abort();
    }
    return 0;
}
