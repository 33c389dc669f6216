/* CLIENT subcommands. */
#include <string.h>

#include "../cmd/cmd.h"
#include "../core/blocking.h"
#include "../core/server.h"
#include "../proto/reply.h"
#include "../util/mem.h"
#include "../util/num.h"
#include "../util/sbuf.h"
#include "client.h"

bool client_set_name(struct client *c, const struct cmd_arg *name)
{
    for (size_t i = 0; i < name->len; i++) {
        unsigned char ch = (unsigned char)name->ptr[i];
        /* Redis allows only printable ASCII without spaces, so CLIENT LIST stays parsable. */
        if (ch < '!' || ch > '~') {
            reply_error(c, "ERR Client names cannot contain spaces, newlines or special "
                           "characters.");
            return false;
        }
    }
    mem_free(c->name);
    c->name = name->len ? mem_strndup(name->ptr, name->len) : NULL;
    return true;
}

void cmd_client_id(struct client *c)
{
    reply_integer(c, (long long)c->id);
}

void cmd_client_setname(struct client *c)
{
    if (client_set_name(c, &c->argv[2]))
        reply_ok(c);
}

void cmd_client_getname(struct client *c)
{
    if (c->name)
        reply_bulk_cstr(c, c->name);
    else
        reply_null(c);
}

/* TYPE master: our master is not an output class of its own (its replies are muted). */
#define CLIENT_TYPE_MASTER CLIENT_CLASS_COUNT

/* Parses a TYPE filter value; -1 if unknown. */
static int client_parse_type(const struct cmd_arg *arg)
{
    if (client_arg_is(arg, "normal"))
        return CLIENT_CLASS_NORMAL;
    if (client_arg_is(arg, "replica") || client_arg_is(arg, "slave"))
        return CLIENT_CLASS_REPLICA;
    if (client_arg_is(arg, "pubsub"))
        return CLIENT_CLASS_PUBSUB;
    if (client_arg_is(arg, "master"))
        return CLIENT_TYPE_MASTER;
    return -1;
}

static bool client_is_type(const struct client *c, int type)
{
    if (type == CLIENT_TYPE_MASTER)
        return c->flags & CLIENT_MASTER;
    return !(c->flags & CLIENT_MASTER) && (int)client_class_of(c) == type;
}

void cmd_client_list(struct client *c)
{
    int type = -1;
    uint64_t *ids = NULL;
    int nids = 0;
    if (c->argc == 4 && client_arg_is(&c->argv[2], "type")) {
        type = client_parse_type(&c->argv[3]);
        if (type < 0) {
            reply_errorf(c, "ERR Unknown client type '%s'", c->argv[3].ptr);
            return;
        }
    } else if (c->argc >= 4 && client_arg_is(&c->argv[2], "id")) {
        ids = mem_alloc(sizeof *ids * (size_t)(c->argc - 3));
        for (int i = 3; i < c->argc; i++) {
            unsigned long long id;
            if (num_parse_ull(c->argv[i].ptr, c->argv[i].len, &id) < 0 || id == 0) {
                mem_free(ids);
                reply_error(c, "ERR Invalid client ID");
                return;
            }
            ids[nids++] = id;
        }
    } else if (c->argc != 2) {
        reply_error_syntax(c);
        return;
    }
    struct sbuf out = SBUF_INIT;
    for (struct client *o = srv.clients; o; o = o->next) {
        if (type >= 0 && !client_is_type(o, type))
            continue;
        if (ids) {
            bool hit = false;
            for (int i = 0; i < nids && !hit; i++)
                hit = ids[i] == o->id;
            if (!hit)
                continue;
        }
        client_describe(o, &out);
        sbuf_cat(&out, "\n");
    }
    mem_free(ids);
    reply_verbatim(c, out.data ? out.data : "", out.len, "txt");
    sbuf_free(&out);
}

void cmd_client_info(struct client *c)
{
    struct sbuf out = SBUF_INIT;
    client_describe(c, &out);
    sbuf_cat(&out, "\n");
    reply_verbatim(c, out.data, out.len, "txt");
    sbuf_free(&out);
}

struct client_kill_filter {
    const struct cmd_arg *addr;
    const struct cmd_arg *laddr;
    const struct cmd_arg *user;
    uint64_t id;
    int type;
    bool skipme;
};

static bool client_kill_matches(const struct client *o, const struct client *self,
                                const struct client_kill_filter *f)
{
    if (f->skipme && o == self)
        return false;
    if (f->addr && (strlen(o->addr) != f->addr->len || memcmp(o->addr, f->addr->ptr, f->addr->len)))
        return false;
    if (f->laddr &&
        (strlen(o->laddr) != f->laddr->len || memcmp(o->laddr, f->laddr->ptr, f->laddr->len)))
        return false;
    if (f->user && !client_arg_is(f->user, "default"))
        return false;
    if (f->id && o->id != f->id)
        return false;
    if (f->type >= 0 && !client_is_type(o, f->type))
        return false;
    return true;
}

/* Closes o: right away if it is another client, after this reply if it is the caller. */
static void client_kill_one(struct client *o, struct client *self)
{
    if (o == self)
        o->flags |= CLIENT_CLOSE_AFTER_REPLY;
    else
        client_close_async(o);
}

void cmd_client_kill(struct client *c)
{
    struct client_kill_filter f = {.type = -1, .skipme = true};
    bool old_form = c->argc == 3;
    if (old_form) {
        f.addr = &c->argv[2];
        f.skipme = false;
    } else {
        if ((c->argc - 2) % 2 != 0) {
            reply_error_syntax(c);
            return;
        }
        for (int i = 2; i < c->argc; i += 2) {
            const struct cmd_arg *opt = &c->argv[i], *val = &c->argv[i + 1];
            if (client_arg_is(opt, "id")) {
                unsigned long long id;
                if (num_parse_ull(val->ptr, val->len, &id) < 0 || id == 0) {
                    reply_error(c, "ERR client-id should be greater than 0");
                    return;
                }
                f.id = id;
            } else if (client_arg_is(opt, "type")) {
                f.type = client_parse_type(val);
                if (f.type < 0) {
                    reply_errorf(c, "ERR Unknown client type '%s'", val->ptr);
                    return;
                }
            } else if (client_arg_is(opt, "addr")) {
                f.addr = val;
            } else if (client_arg_is(opt, "laddr")) {
                f.laddr = val;
            } else if (client_arg_is(opt, "user")) {
                f.user = val;
            } else if (client_arg_is(opt, "skipme")) {
                if (client_arg_is(val, "yes"))
                    f.skipme = true;
                else if (client_arg_is(val, "no"))
                    f.skipme = false;
                else {
                    reply_error_syntax(c);
                    return;
                }
            } else {
                reply_error_syntax(c);
                return;
            }
        }
    }
    long long killed = 0;
    for (struct client *o = srv.clients; o; o = o->next) {
        if (!client_kill_matches(o, c, &f))
            continue;
        client_kill_one(o, c);
        killed++;
    }
    if (old_form) {
        if (killed == 0)
            reply_error(c, "ERR No such client");
        else
            reply_ok(c);
    } else {
        reply_integer(c, killed);
    }
}

void cmd_client_reply(struct client *c)
{
    const struct cmd_arg *mode = &c->argv[2];
    if (client_arg_is(mode, "on")) {
        c->flags &= ~(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP_NEXT);
        reply_ok(c);
    } else if (client_arg_is(mode, "off")) {
        c->flags |= CLIENT_REPLY_OFF;
    } else if (client_arg_is(mode, "skip")) {
        if (!(c->flags & CLIENT_REPLY_OFF))
            c->flags |= CLIENT_REPLY_SKIP_NEXT;
    } else {
        reply_error_syntax(c);
    }
}

void cmd_client_no_evict(struct client *c)
{
    const struct cmd_arg *mode = &c->argv[2];
    if (client_arg_is(mode, "on"))
        c->flags |= CLIENT_NO_EVICT;
    else if (client_arg_is(mode, "off"))
        c->flags &= ~CLIENT_NO_EVICT;
    else {
        reply_error_syntax(c);
        return;
    }
    reply_ok(c);
}

void cmd_client_unblock(struct client *c)
{
    unsigned long long id;
    if (num_parse_ull(c->argv[2].ptr, c->argv[2].len, &id) < 0) {
        reply_error_not_int(c);
        return;
    }
    bool with_error = false;
    if (c->argc == 4 && client_arg_is(&c->argv[3], "error"))
        with_error = true;
    else if (c->argc == 4 && !client_arg_is(&c->argv[3], "timeout")) {
        reply_error(c, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
        return;
    } else if (c->argc > 4) {
        reply_error_syntax(c);
        return;
    }
    for (struct client *o = srv.clients; o; o = o->next) {
        if (o->id == id && blocking_is_blocked(o)) {
            blocking_unblock_client(o, with_error);
            reply_integer(c, 1);
            return;
        }
    }
    reply_integer(c, 0);
}

void cmd_client_help(struct client *c)
{
    static const char *const help[] = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "    * ID <client-id>",
        "      Kill connections by client id.",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "    * ID <client-id> [<client-id> ...]",
        "      Return clients of specified IDs only.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "HELP",
        "    Print this help.",
        NULL,
    };
    reply_help(c, help);
}
