#include "cmd.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "../net/client.h"
#include "../proto/reply.h"
#include "../util/glob.h"
#include "../util/mem.h"
#include "../util/num.h"
#include "cmd_docs.h"
#include "cmd_info.h"

static struct cmd cmd_table[] = {
/* Parameters are abbreviated so that they do not collide with the field designators. */
#define CMD(func, nm, ar, fl, fk, lk, step, grp, ver, sum) \
    {.name = nm, .fullname = nm, .proc = cmd_##func, .arity = ar, .flags = fl, .first_key = fk, \
     .last_key = lk, .key_step = step, .group = grp, .since = ver, .summary = sum},
#define CONTAINER(nm, ar, fl, grp, ver, sum) \
    {.name = nm, .fullname = nm, .arity = ar, .flags = fl, .group = grp, .since = ver, \
     .summary = sum},
#define SUB(parent, func, name, arity, flags, fk, lk, step, since, summary)
#include "commands.def"
#undef CMD
#undef CONTAINER
#undef SUB
};

static struct cmd cmd_subtable[] = {
#define CMD(func, name, arity, flags, fk, lk, step, group, since, summary)
#define CONTAINER(name, arity, flags, group, since, summary)
#define SUB(parent, func, nm, ar, fl, fk, lk, step, ver, sum) \
    {.name = nm, .fullname = parent "|" nm, .proc = cmd_##func, .arity = ar, .flags = fl, \
     .first_key = fk, .last_key = lk, .key_step = step, .since = ver, .summary = sum, \
     .parent_name = parent},
#include "commands.def"
#undef CMD
#undef CONTAINER
#undef SUB
};

#define CMD_COUNT (sizeof cmd_table / sizeof cmd_table[0])
#define CMD_SUB_COUNT (sizeof cmd_subtable / sizeof cmd_subtable[0])
/* Open addressing, at most a quarter full, so a lookup is about one probe. */
#define CMD_INDEX_SIZE 1024

static struct cmd *cmd_index[CMD_INDEX_SIZE];

/* The set of names is fixed and ours, so no keyed hash is needed here. */
static unsigned cmd_name_hash(const char *name, size_t len)
{
    unsigned h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)tolower((unsigned char)name[i]);
        h *= 16777619u;
    }
    return h;
}

void cmd_table_init(void)
{
    _Static_assert(CMD_COUNT * 4 <= CMD_INDEX_SIZE, "command index too small");
    for (size_t i = 0; i < CMD_COUNT; i++) {
        struct cmd *cmd = &cmd_table[i];
        unsigned slot = cmd_name_hash(cmd->name, strlen(cmd->name)) & (CMD_INDEX_SIZE - 1);
        while (cmd_index[slot])
            slot = (slot + 1) & (CMD_INDEX_SIZE - 1);
        cmd_index[slot] = cmd;
        for (size_t j = 0; j < CMD_SUB_COUNT; j++)
            if (strcmp(cmd_subtable[j].parent_name, cmd->name) == 0)
                cmd->nsubcmds++;
        if (cmd->nsubcmds == 0)
            continue;
        cmd->subcmds = mem_calloc(sizeof *cmd->subcmds * (size_t)(cmd->nsubcmds + 1));
        int n = 0;
        for (size_t j = 0; j < CMD_SUB_COUNT; j++) {
            if (strcmp(cmd_subtable[j].parent_name, cmd->name) == 0) {
                cmd_subtable[j].parent = cmd;
                cmd_subtable[j].group = cmd->group;
                cmd->subcmds[n++] = &cmd_subtable[j];
            }
        }
    }
    cmd__docs_init();
    cmd__info_init();
}

struct cmd *cmd_lookup(const char *name, size_t len)
{
    unsigned slot = cmd_name_hash(name, len) & (CMD_INDEX_SIZE - 1);
    for (struct cmd *cmd; (cmd = cmd_index[slot]) != NULL; slot = (slot + 1) & (CMD_INDEX_SIZE - 1))
        if (strlen(cmd->name) == len && strncasecmp(cmd->name, name, len) == 0)
            return cmd;
    return NULL;
}

struct cmd *cmd_lookup_sub(const struct cmd *parent, const char *name, size_t len)
{
    for (int i = 0; i < parent->nsubcmds; i++) {
        struct cmd *sub = parent->subcmds[i];
        if (strlen(sub->name) == len && strncasecmp(sub->name, name, len) == 0)
            return sub;
    }
    return NULL;
}

const char *cmd_fullname(const struct cmd *cmd)
{
    return cmd->fullname;
}

void cmd_foreach(cmd_visit_fn *fn, void *arg)
{
    for (size_t i = 0; i < CMD_COUNT; i++) {
        fn(&cmd_table[i], arg);
        for (int j = 0; j < cmd_table[i].nsubcmds; j++)
            fn(cmd_table[i].subcmds[j], arg);
    }
}

/* ---- COMMAND ---- */

static void cmd_reply_info(struct client *c, const struct cmd *cmd)
{
    if (!cmd) {
        reply_null_array(c);
        return;
    }
    cmd__info_reply(c, cmd);
}

void cmd_command(struct client *c)
{
    reply_array(c, (long long)CMD_COUNT);
    for (size_t i = 0; i < CMD_COUNT; i++)
        cmd_reply_info(c, &cmd_table[i]);
}

void cmd_command_count(struct client *c)
{
    reply_integer(c, (long long)CMD_COUNT);
}

/* Resolves "name" or "container|sub" as COMMAND INFO and DOCS accept them. */
static struct cmd *cmd_lookup_fullname(const char *name, size_t len)
{
    const char *bar = memchr(name, '|', len);
    if (!bar)
        return cmd_lookup(name, len);
    struct cmd *parent = cmd_lookup(name, (size_t)(bar - name));
    return parent ? cmd_lookup_sub(parent, bar + 1, len - (size_t)(bar - name) - 1) : NULL;
}

void cmd_command_info(struct client *c)
{
    if (c->argc == 2) {
        cmd_command(c);
        return;
    }
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++)
        cmd_reply_info(c, cmd_lookup_fullname(c->argv[i].ptr, c->argv[i].len));
}

void cmd_command_docs(struct client *c)
{
    if (c->argc == 2) {
        reply_map(c, (long long)CMD_COUNT);
        for (size_t i = 0; i < CMD_COUNT; i++) {
            reply_bulk_cstr(c, cmd_table[i].fullname);
            cmd__docs_reply(c, &cmd_table[i]);
        }
        return;
    }
    /* Unknown names are left out, as Redis does. */
    struct reply_deferred d = reply_defer(c);
    long long n = 0;
    for (int i = 2; i < c->argc; i++) {
        struct cmd *cmd = cmd_lookup_fullname(c->argv[i].ptr, c->argv[i].len);
        if (!cmd)
            continue;
        reply_bulk_cstr(c, cmd->fullname);
        cmd__docs_reply(c, cmd);
        n++;
    }
    reply_set_deferred_map(c, d, n);
}

/* Whether cmd passes COMMAND LIST's FILTERBY clause. */
static bool cmd_list_match(const struct cmd *cmd, int filter, const struct cmd_arg *value)
{
    if (filter == 0)
        return true;
    if (filter == 1) /* PATTERN */
        return glob_match(value->ptr, value->len, cmd->fullname, strlen(cmd->fullname), true);
    if (filter == 2) /* ACLCAT */
        return cmd__in_acl_category(cmd, value->ptr, value->len);
    return false; /* MODULE: there are no modules */
}

void cmd_command_list(struct client *c)
{
    int filter = 0;
    const struct cmd_arg *value = NULL;
    if (c->argc == 5 && client_arg_is(&c->argv[2], "filterby")) {
        if (client_arg_is(&c->argv[3], "pattern"))
            filter = 1;
        else if (client_arg_is(&c->argv[3], "aclcat"))
            filter = 2;
        else if (client_arg_is(&c->argv[3], "module"))
            filter = 3;
        value = &c->argv[4];
    }
    if (c->argc != 2 && filter == 0) {
        reply_error_syntax(c);
        return;
    }
    struct reply_deferred d = reply_defer(c);
    long long n = 0;
    for (size_t i = 0; i < CMD_COUNT; i++) {
        const struct cmd *cmd = &cmd_table[i];
        if (cmd_list_match(cmd, filter, value)) {
            reply_bulk_cstr(c, cmd->fullname);
            n++;
        }
        for (int j = 0; j < cmd->nsubcmds; j++) {
            if (cmd_list_match(cmd->subcmds[j], filter, value)) {
                reply_bulk_cstr(c, cmd->subcmds[j]->fullname);
                n++;
            }
        }
    }
    reply_set_deferred_array(c, d, n);
}

void cmd_command_getkeys(struct client *c)
{
    struct cmd *cmd = cmd_lookup(c->argv[2].ptr, c->argv[2].len);
    int argc = c->argc - 2;
    if (cmd && cmd->nsubcmds && argc >= 2)
        cmd = cmd_lookup_sub(cmd, c->argv[3].ptr, c->argv[3].len);
    if (!cmd) {
        reply_error(c, "ERR Invalid command specified");
        return;
    }
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        reply_error(c, "ERR Invalid number of arguments specified for command");
        return;
    }
    int numkeys_at = CMD_NUMKEYS_INDEX(cmd);
    if (cmd->first_key <= 0 && numkeys_at == 0) {
        reply_error(c, "ERR The command has no key arguments");
        return;
    }
    const struct cmd_arg *args = &c->argv[2];
    long long nkeys = 0;
    if (numkeys_at > 0 &&
        (num_parse_ll(args[numkeys_at].ptr, args[numkeys_at].len, &nkeys) < 0 || nkeys < 1 ||
         nkeys > argc - numkeys_at - 1)) {
        reply_error(c, "ERR Invalid arguments specified for command");
        return;
    }
    struct reply_deferred d = reply_defer(c);
    long long n = 0;
    if (cmd->first_key > 0) {
        int last = cmd->last_key < 0 ? argc + cmd->last_key : cmd->last_key;
        for (int i = cmd->first_key; i <= last && i < argc; i += cmd->key_step) {
            reply_bulk(c, args[i].ptr, args[i].len);
            n++;
        }
    }
    for (long long i = 0; i < nkeys; i++) {
        const struct cmd_arg *k = &args[numkeys_at + 1 + i];
        reply_bulk(c, k->ptr, k->len);
        n++;
    }
    reply_set_deferred_array(c, d, n);
}

void cmd_command_help(struct client *c)
{
    static const char *const help[] = {
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "HELP",
        "    Print this help.",
        NULL,
    };
    reply_help(c, help);
}
