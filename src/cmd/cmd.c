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

static const struct {
    unsigned flag;
    const char *name;
} cmd_flag_names[] = {
    {CMD_WRITE, "write"},       {CMD_READONLY, "readonly"},     {CMD_DENYOOM, "denyoom"},
    {CMD_ADMIN, "admin"},       {CMD_PUBSUB, "pubsub"},         {CMD_NOSCRIPT, "noscript"},
    {CMD_BLOCKING, "blocking"}, {CMD_LOADING, "loading"},       {CMD_STALE, "stale"},
    {CMD_SKIP_MONITOR, "skip_monitor"}, {CMD_SKIP_SLOWLOG, "skip_slowlog"},
    {CMD_FAST, "fast"},         {CMD_NO_AUTH, "no_auth"},       {CMD_MAY_REPLICATE, "may_replicate"},
    {CMD_NO_MULTI, "no_multi"}, {CMD_ALLOW_BUSY, "allow_busy"},
};

static void cmd_reply_flags(struct client *c, const struct cmd *cmd)
{
    const size_t nflags = sizeof cmd_flag_names / sizeof cmd_flag_names[0];
    bool movable = CMD_NUMKEYS_INDEX(cmd) != 0;
    long long n = movable;
    for (size_t i = 0; i < nflags; i++)
        if (cmd->flags & cmd_flag_names[i].flag)
            n++;
    reply_set(c, n);
    for (size_t i = 0; i < nflags; i++)
        if (cmd->flags & cmd_flag_names[i].flag)
            reply_status(c, cmd_flag_names[i].name);
    if (movable)
        reply_status(c, "movablekeys");
}

/* ACL categories as Redis derives them: from the flags and the command's group. */
static void cmd_reply_categories(struct client *c, const struct cmd *cmd)
{
    const char *cats[8];
    int n = 0;
    if (cmd->flags & CMD_WRITE)
        cats[n++] = "@write";
    if (cmd->flags & CMD_READONLY)
        cats[n++] = "@read";
    if (cmd->flags & CMD_ADMIN) {
        cats[n++] = "@admin";
        cats[n++] = "@dangerous";
    }
    if (cmd->flags & CMD_PUBSUB)
        cats[n++] = "@pubsub";
    if (cmd->flags & CMD_BLOCKING)
        cats[n++] = "@blocking";
    static const struct {
        const char *group;
        const char *category;
    } group_categories[] = {
        {"string", "@string"}, {"generic", "@keyspace"}, {"connection", "@connection"},
        {"list", "@list"}, {"hash", "@hash"}, {"set", "@set"}, {"sorted-set", "@sortedset"},
        {"pubsub", "@pubsub"}, {"transactions", "@transaction"},
    };
    for (size_t i = 0; i < sizeof group_categories / sizeof group_categories[0]; i++) {
        if (strcmp(cmd->group, group_categories[i].group) == 0 &&
            !(strcmp(group_categories[i].category, "@pubsub") == 0 && (cmd->flags & CMD_PUBSUB))) {
            cats[n++] = group_categories[i].category;
            break;
        }
    }
    cats[n++] = (cmd->flags & CMD_FAST) ? "@fast" : "@slow";
    reply_set(c, n);
    for (int i = 0; i < n; i++)
        reply_status(c, cats[i]);
}

/* One key spec: flags, then begin_search at `index`, then find_keys (range or keynum). */
static void cmd_reply_key_spec(struct client *c, const struct cmd *cmd, int index, bool keynum)
{
    reply_map(c, 3);
    reply_bulk_cstr(c, "flags");
    reply_set(c, 1);
    reply_status(c, (cmd->flags & CMD_WRITE) ? "RW" : "RO");
    reply_bulk_cstr(c, "begin_search");
    reply_map(c, 2);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, "index");
    reply_bulk_cstr(c, "spec");
    reply_map(c, 1);
    reply_bulk_cstr(c, "index");
    reply_integer(c, index);
    reply_bulk_cstr(c, "find_keys");
    reply_map(c, 2);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, keynum ? "keynum" : "range");
    reply_bulk_cstr(c, "spec");
    reply_map(c, 3);
    if (keynum) {
        /* The count sits at the search index; keys start right after it. */
        reply_bulk_cstr(c, "keynumidx");
        reply_integer(c, 0);
        reply_bulk_cstr(c, "firstkey");
        reply_integer(c, 1);
        reply_bulk_cstr(c, "keystep");
        reply_integer(c, 1);
        return;
    }
    reply_bulk_cstr(c, "lastkey");
    reply_integer(c, cmd->last_key < 0 ? cmd->last_key : cmd->last_key - cmd->first_key);
    reply_bulk_cstr(c, "keystep");
    reply_integer(c, cmd->key_step);
    reply_bulk_cstr(c, "limit");
    reply_integer(c, 0);
}

static void cmd_reply_key_specs(struct client *c, const struct cmd *cmd)
{
    int numkeys_at = CMD_NUMKEYS_INDEX(cmd);
    reply_array(c, (cmd->first_key > 0) + (numkeys_at > 0));
    if (cmd->first_key > 0)
        cmd_reply_key_spec(c, cmd, cmd->first_key, false);
    if (numkeys_at > 0)
        cmd_reply_key_spec(c, cmd, numkeys_at, true);
}

static void cmd_reply_info(struct client *c, const struct cmd *cmd)
{
    if (!cmd) {
        reply_null_array(c);
        return;
    }
    reply_array(c, 10);
    reply_bulk_cstr(c, cmd->fullname);
    reply_integer(c, cmd->arity);
    cmd_reply_flags(c, cmd);
    reply_integer(c, cmd->first_key);
    reply_integer(c, cmd->last_key);
    reply_integer(c, cmd->key_step);
    cmd_reply_categories(c, cmd);
    reply_set(c, 0); /* tips */
    cmd_reply_key_specs(c, cmd);
    reply_array(c, cmd->nsubcmds);
    for (int i = 0; i < cmd->nsubcmds; i++)
        cmd_reply_info(c, cmd->subcmds[i]);
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
    if (filter == 2) { /* ACLCAT */
        const char *g = cmd->group;
        const char *cat = strcmp(g, "generic") == 0 ? "keyspace" : g;
        if (strlen(cat) == value->len && strncasecmp(cat, value->ptr, value->len) == 0)
            return true;
        if (value->len == 4 && strncasecmp(value->ptr, "fast", 4) == 0)
            return cmd->flags & CMD_FAST;
        if (value->len == 5 && strncasecmp(value->ptr, "write", 5) == 0)
            return cmd->flags & CMD_WRITE;
        if (value->len == 4 && strncasecmp(value->ptr, "read", 4) == 0)
            return cmd->flags & CMD_READONLY;
        if (value->len == 5 && strncasecmp(value->ptr, "admin", 5) == 0)
            return cmd->flags & CMD_ADMIN;
        return false;
    }
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
