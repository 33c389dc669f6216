#include "propagate.h"

#include <string.h>

#include "../db/db.h"
#include "../net/client.h"
#include "../persist/aof.h"
#include "../repl/repl.h"
#include "../util/mem.h"
#include "../util/num.h"
#include "../util/sbuf.h"
#include "server.h"

struct propagate_op {
    int dbid;
    unsigned targets; /* enum propagate_target */
    int argc;
    struct cmd_arg *argv; /* client_copy_argv: one owned allocation */
};

/* What one command level (a command, or a command run by EXEC) asked for. */
struct propagate_frame {
    struct cmd_arg *replacement; /* owned, NULL when the client's arguments stand */
    int replacement_argc;
    bool prevented;
    unsigned forced; /* targets that get the command even if it changed nothing */
};

static struct {
    struct propagate_op *ops; /* effects of the running top-level call, in order */
    int nops;
    int ops_cap;
    struct propagate_frame *frames; /* frames[depth - 1] is the innermost running command */
    int depth;
    int frames_cap;
} prop;

static void propagate_emit(int dbid, unsigned targets, int argc, const struct cmd_arg *argv)
{
    if (targets & PROPAGATE_AOF)
        aof_feed(dbid, argc, argv);
    if (targets & PROPAGATE_REPL)
        repl_feed(dbid, argc, argv);
}

static void propagate_emit_word(int dbid, unsigned targets, const char *word)
{
    struct cmd_arg arg = {(char *)word, strlen(word)};
    propagate_emit(dbid, targets, 1, &arg);
}

/* Emits the top-level call's effects; several are one transaction for the reader. */
static void propagate_flush(void)
{
    if (prop.nops == 0)
        return;
    unsigned targets = 0;
    for (int i = 0; i < prop.nops; i++)
        targets |= prop.ops[i].targets;
    bool wrap = prop.nops > 1;
    if (wrap)
        propagate_emit_word(prop.ops[0].dbid, targets, "MULTI");
    for (int i = 0; i < prop.nops; i++) {
        propagate_emit(prop.ops[i].dbid, prop.ops[i].targets, prop.ops[i].argc, prop.ops[i].argv);
        mem_free(prop.ops[i].argv);
    }
    if (wrap)
        propagate_emit_word(prop.ops[prop.nops - 1].dbid, targets, "EXEC");
    prop.nops = 0;
}

static void propagate_queue(int dbid, unsigned targets, int argc, const struct cmd_arg *argv)
{
    /* What the AOF replays is already in it. DEBUG LOADAOF replays inside its own call, so
     * queued effects would be flushed after loading ends and written a second time. */
    if (srv.loading)
        return;
    /* With no AOF and no replicas (the common single-server case) there is no reader:
     * copying every write's arguments would be work on the hot path for nothing. */
    if (!((targets & PROPAGATE_AOF) && aof_wants_feed()) &&
        !((targets & PROPAGATE_REPL) && repl_wants_feed()))
        return;
    if (prop.nops == prop.ops_cap) {
        prop.ops_cap = prop.ops_cap ? prop.ops_cap * 2 : 8;
        prop.ops = mem_realloc(prop.ops, sizeof *prop.ops * (size_t)prop.ops_cap);
    }
    prop.ops[prop.nops++] =
        (struct propagate_op){dbid, targets, argc, client_copy_argv(argv, argc)};
}

void propagate_call_begin(void)
{
    if (prop.depth == prop.frames_cap) {
        prop.frames_cap = prop.frames_cap ? prop.frames_cap * 2 : 4;
        prop.frames = mem_realloc(prop.frames, sizeof *prop.frames * (size_t)prop.frames_cap);
    }
    prop.frames[prop.depth++] = (struct propagate_frame){NULL, 0, false, 0};
}

void propagate_call_end(struct client *c, bool wrote)
{
    struct propagate_frame *f = &prop.frames[prop.depth - 1];
    unsigned targets = f->forced ? f->forced : wrote ? PROPAGATE_ALL : 0;
    if (targets && !f->prevented) {
        if (f->replacement)
            propagate_queue(c->db->id, targets, f->replacement_argc, f->replacement);
        else
            propagate_queue(c->db->id, targets, c->argc, c->argv);
    }
    mem_free(f->replacement);
    prop.depth--;
    if (prop.depth == 0)
        propagate_flush();
}

static struct propagate_frame *propagate_current(void)
{
    return prop.depth > 0 ? &prop.frames[prop.depth - 1] : NULL;
}

void propagate_replace(int argc, const struct cmd_arg *argv)
{
    struct propagate_frame *f = propagate_current();
    if (!f)
        return;
    mem_free(f->replacement);
    f->replacement = client_copy_argv(argv, argc);
    f->replacement_argc = argc;
}

void propagate_replace_key(const char *name, const struct cmd_arg *key)
{
    struct cmd_arg argv[2] = {{(char *)name, strlen(name)}, *key};
    propagate_replace(2, argv);
}

void propagate_replace_key_ll(const char *name, const struct cmd_arg *key, long long num)
{
    char buf[NUM_LL_STR_MAX];
    struct cmd_arg argv[3] = {{(char *)name, strlen(name)}, *key, {buf, num_ll_to_str(buf, num)}};
    propagate_replace(3, argv);
}

void propagate_force(unsigned targets)
{
    struct propagate_frame *f = propagate_current();
    if (f)
        f->forced = targets;
}

void propagate_prevent(void)
{
    struct propagate_frame *f = propagate_current();
    if (f)
        f->prevented = true;
}

void propagate_also(int dbid, int argc, const struct cmd_arg *argv)
{
    if (prop.depth > 0)
        propagate_queue(dbid, PROPAGATE_ALL, argc, argv);
    else
        propagate_emit(dbid, PROPAGATE_ALL, argc, argv);
}

void propagate_deletion(int dbid, const char *key, size_t len)
{
    struct cmd_arg argv[2] = {{"DEL", 3}, {(char *)key, len}};
    propagate_also(dbid, 2, argv);
}

/* "<prefix><n>\r\n", without printf: this runs for every write the server makes. */
static void propagate_encode_header(struct sbuf *out, char prefix, long long n)
{
    char buf[32];
    buf[0] = prefix;
    size_t len = 1 + num_ll_to_str(buf + 1, n);
    buf[len++] = '\r';
    buf[len++] = '\n';
    sbuf_catlen(out, buf, len);
}

void propagate_encode(struct sbuf *out, int argc, const struct cmd_arg *argv)
{
    propagate_encode_header(out, '*', argc);
    for (int i = 0; i < argc; i++) {
        propagate_encode_header(out, '$', (long long)argv[i].len);
        sbuf_catlen(out, argv[i].ptr, argv[i].len);
        sbuf_catlen(out, "\r\n", 2);
    }
}

void propagate_encode_in_db(struct sbuf *out, int *stream_db, int dbid, int argc,
                            const struct cmd_arg *argv)
{
    if (dbid != *stream_db) {
        char num[NUM_LL_STR_MAX];
        struct cmd_arg select[2] = {{"SELECT", 6}, {num, num_ll_to_str(num, dbid)}};
        propagate_encode(out, 2, select);
        *stream_db = dbid;
    }
    propagate_encode(out, argc, argv);
}
