#include "cmd_info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../proto/reply.h"
#include "../util/mem.h"
#include "cmd.h"

/* ---- the rows of command_info.def ---- */

enum info_row_kind { INFO_ROW_KEYS, INFO_ROW_NOTE, INFO_ROW_TIPS, INFO_ROW_ACL };

struct info_row {
    enum info_row_kind kind;
    const char *fullname;
    int spec; /* NOTE: which key spec */
    const char *text;
};

static const struct info_row info_rows[] = {
#define KEYS(fullname, specs) {INFO_ROW_KEYS, fullname, 0, specs},
#define NOTE(fullname, spec, text) {INFO_ROW_NOTE, fullname, spec, text},
#define TIPS(fullname, tips) {INFO_ROW_TIPS, fullname, 0, tips},
#define ACL(fullname, changes) {INFO_ROW_ACL, fullname, 0, changes},
#include "command_info.def"
#undef KEYS
#undef NOTE
#undef TIPS
#undef ACL
};

#define ROWS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- vocabularies, each in the order Redis lists its members ---- */

/* ACL categories in Redis's category bit order. */
enum acl_cat {
    ACL_KEYSPACE, ACL_READ, ACL_WRITE, ACL_SET, ACL_SORTEDSET, ACL_LIST, ACL_HASH, ACL_STRING,
    ACL_BITMAP, ACL_HYPERLOGLOG, ACL_GEO, ACL_STREAM, ACL_PUBSUB, ACL_ADMIN, ACL_FAST, ACL_SLOW,
    ACL_BLOCKING, ACL_DANGEROUS, ACL_CONNECTION, ACL_TRANSACTION, ACL_SCRIPTING, ACL_NCATS
};

static const char *const acl_cat_names[ACL_NCATS] = {
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
    "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
    "connection", "transaction", "scripting",
};

/* The category a command's documentation group implies (Redis declares these per command). */
static const struct {
    const char *group;
    enum acl_cat cat;
} group_cats[] = {
    {"generic", ACL_KEYSPACE}, {"string", ACL_STRING},  {"list", ACL_LIST},
    {"hash", ACL_HASH},        {"set", ACL_SET},        {"sorted-set", ACL_SORTEDSET},
    {"connection", ACL_CONNECTION}, {"transactions", ACL_TRANSACTION},
};

/* Command flags COMMAND INFO shows. Redis 7.0 hides may_replicate and protected. */
static const struct {
    unsigned flag;
    const char *name;
} cmd_flag_names[] = {
    {CMD_WRITE, "write"},       {CMD_READONLY, "readonly"},     {CMD_DENYOOM, "denyoom"},
    {CMD_ADMIN, "admin"},       {CMD_PUBSUB, "pubsub"},         {CMD_NOSCRIPT, "noscript"},
    {CMD_BLOCKING, "blocking"}, {CMD_LOADING, "loading"},       {CMD_STALE, "stale"},
    {CMD_SKIP_MONITOR, "skip_monitor"}, {CMD_SKIP_SLOWLOG, "skip_slowlog"},
    {CMD_FAST, "fast"},         {CMD_NO_AUTH, "no_auth"},
    {CMD_NO_ASYNC_LOADING, "no_async_loading"}, {CMD_NO_MULTI, "no_multi"},
    {0, "movablekeys"}, /* not a flag of ours: derived from CMD_NUMKEYS_* */
    {CMD_ALLOW_BUSY, "allow_busy"},
};

static const char *const key_flag_names[] = {
    "RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete",
    "variable_flags",
};

/* ---- parsed details ---- */

#define INFO_MAX_SPECS 3

struct cmd_key_spec {
    unsigned flags;     /* bit i stands for key_flag_names[i] */
    const char *notes;  /* NULL if none */
    int begin_index;    /* begin_search: the argv index */
    bool keynum;        /* find_keys: a key count at begin_index, or a range from it */
    int lastkey;        /* range: last key relative to begin_index, negative from the end */
    int keystep;
};

struct cmd_info {
    unsigned acl;       /* bit i stands for acl_cat_names[i] */
    const char **tips;  /* owned array of pointers into the row's words */
    int ntips;
    const char *key_specs_row; /* the KEYS row's text, NULL if none */
    struct cmd_key_spec specs[INFO_MAX_SPECS];
    int nspecs;
};

static _Noreturn void info_fail(const char *fullname, const char *what)
{
    fprintf(stderr, "ferrite: bad row in command_info.def for '%s': %s\n", fullname, what);
    abort();
}

static struct cmd *info_lookup(const char *fullname)
{
    const char *bar = strchr(fullname, '|');
    if (!bar)
        return cmd_lookup(fullname, strlen(fullname));
    struct cmd *parent = cmd_lookup(fullname, (size_t)(bar - fullname));
    return parent ? cmd_lookup_sub(parent, bar + 1, strlen(bar + 1)) : NULL;
}

/* Copies the next space-separated word of *s into buf; false at the end of the text. */
static bool info_next_word(const char **s, char *buf, size_t size, const char *fullname)
{
    while (**s == ' ')
        (*s)++;
    size_t n = strcspn(*s, " ");
    if (n == 0)
        return false;
    if (n >= size)
        info_fail(fullname, "word too long");
    memcpy(buf, *s, n);
    buf[n] = '\0';
    *s += n;
    return true;
}

static int info_find_name(const char *const *names, size_t count, const char *word)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(names[i], word) == 0)
            return (int)i;
    return -1;
}

static void info_parse_key_flags(struct cmd_info *info, const char *fullname, const char *text)
{
    char word[32];
    struct cmd_key_spec *spec = &info->specs[0];
    info->nspecs = 1;
    while (info_next_word(&text, word, sizeof word, fullname)) {
        if (strcmp(word, "|") == 0) {
            if (info->nspecs == INFO_MAX_SPECS)
                info_fail(fullname, "too many key specs");
            spec = &info->specs[info->nspecs++];
            continue;
        }
        int bit = info_find_name(key_flag_names, ROWS(key_flag_names), word);
        if (bit < 0)
            info_fail(fullname, "unknown key spec flag");
        spec->flags |= 1u << bit;
    }
    for (int i = 0; i < info->nspecs; i++)
        if (info->specs[i].flags == 0)
            info_fail(fullname, "a key spec without flags");
}

static void info_parse_tips(struct cmd_info *info, const char *fullname, const char *text)
{
    char word[64];
    const char *s = text;
    while (info_next_word(&s, word, sizeof word, fullname))
        info->ntips++;
    info->tips = mem_calloc(sizeof *info->tips * (size_t)info->ntips);
    s = text;
    for (int i = 0; info_next_word(&s, word, sizeof word, fullname); i++)
        info->tips[i] = mem_strdup(word);
}

static void info_parse_acl(struct cmd_info *info, const char *fullname, const char *text)
{
    char word[32];
    while (info_next_word(&text, word, sizeof word, fullname)) {
        int cat = info_find_name(acl_cat_names, ACL_NCATS, word + 1);
        if ((word[0] != '+' && word[0] != '-') || cat < 0)
            info_fail(fullname, "ACL changes are +category or -category");
        bool has = info->acl & (1u << cat);
        if (has == (word[0] == '+'))
            info_fail(fullname, "an ACL change that changes nothing");
        info->acl ^= 1u << cat;
    }
}

/* The categories Redis adds from the flags, and the one the group stands for. Commands
 * with subcommands declare none in Redis; their subcommands inherit the group. */
static unsigned info_derived_acl(const struct cmd *cmd)
{
    unsigned acl = 0;
    if (cmd->flags & CMD_WRITE)
        acl |= 1u << ACL_WRITE;
    if (cmd->flags & CMD_READONLY)
        acl |= 1u << ACL_READ;
    if (cmd->flags & CMD_ADMIN)
        acl |= 1u << ACL_ADMIN | 1u << ACL_DANGEROUS;
    if (cmd->flags & CMD_PUBSUB)
        acl |= 1u << ACL_PUBSUB;
    if (cmd->flags & CMD_BLOCKING)
        acl |= 1u << ACL_BLOCKING;
    acl |= 1u << ((cmd->flags & CMD_FAST) ? ACL_FAST : ACL_SLOW);
    if (cmd->nsubcmds == 0)
        for (size_t i = 0; i < ROWS(group_cats); i++)
            if (strcmp(cmd->group, group_cats[i].group) == 0)
                acl |= 1u << group_cats[i].cat;
    return acl;
}

static void info_attach(struct cmd *cmd, void *arg)
{
    (void)arg;
    struct cmd_info *info = mem_calloc(sizeof *info);
    info->acl = info_derived_acl(cmd);
    cmd->info = info;
}

/* Places the key specs on the positions commands.def gives (see command_info.def). */
static void info_place_key_specs(struct cmd *cmd, void *arg)
{
    (void)arg;
    struct cmd_info *info = (struct cmd_info *)cmd->info;
    int numkeys_at = CMD_NUMKEYS_INDEX(cmd);
    int nrange = info->nspecs - (numkeys_at > 0);
    if (info->nspecs == 0 && (cmd->first_key > 0 || numkeys_at > 0))
        info_fail(cmd->fullname, "a command with keys needs a KEYS row");
    if (cmd->first_key > 0 ? nrange < 1 || nrange > 2 : nrange != 0)
        info_fail(cmd->fullname, "the KEYS row does not fit the key positions in commands.def");
    struct cmd_key_spec *spec = info->specs;
    if (nrange == 1) {
        spec->begin_index = cmd->first_key;
        spec->lastkey = cmd->last_key < 0 ? cmd->last_key : cmd->last_key - cmd->first_key;
        spec->keystep = cmd->key_step;
        spec++;
    } else if (nrange == 2) {
        int rest = cmd->first_key + 1;
        if (cmd->key_step != 1 || (cmd->last_key >= 0 && cmd->last_key < rest))
            info_fail(cmd->fullname, "two range specs need first < last and a step of 1");
        spec[0].begin_index = cmd->first_key;
        spec[0].keystep = 1;
        spec[1].begin_index = rest;
        spec[1].lastkey = cmd->last_key < 0 ? cmd->last_key : cmd->last_key - rest;
        spec[1].keystep = 1;
        spec += 2;
    }
    if (numkeys_at > 0) {
        spec->begin_index = numkeys_at;
        spec->keynum = true;
    }
}

void cmd__info_init(void)
{
    cmd_foreach(info_attach, NULL);
    for (size_t i = 0; i < ROWS(info_rows); i++) {
        const struct info_row *row = &info_rows[i];
        struct cmd *cmd = info_lookup(row->fullname);
        if (!cmd)
            info_fail(row->fullname, "no such command in commands.def");
        struct cmd_info *info = (struct cmd_info *)cmd->info;
        switch (row->kind) {
        case INFO_ROW_KEYS:
            if (info->key_specs_row)
                info_fail(row->fullname, "a second KEYS row");
            info->key_specs_row = row->text;
            info_parse_key_flags(info, row->fullname, row->text);
            break;
        case INFO_ROW_NOTE:
            if (row->spec < 0 || row->spec >= info->nspecs || info->specs[row->spec].notes)
                info_fail(row->fullname, "NOTE for a key spec not given (before it) by KEYS");
            info->specs[row->spec].notes = row->text;
            break;
        case INFO_ROW_TIPS:
            if (info->tips)
                info_fail(row->fullname, "a second TIPS row");
            info_parse_tips(info, row->fullname, row->text);
            break;
        case INFO_ROW_ACL:
            info_parse_acl(info, row->fullname, row->text);
            break;
        }
    }
    cmd_foreach(info_place_key_specs, NULL);
}

bool cmd__in_acl_category(const struct cmd *cmd, const char *name, size_t len)
{
    for (int i = 0; i < ACL_NCATS; i++)
        if (strlen(acl_cat_names[i]) == len && strncasecmp(acl_cat_names[i], name, len) == 0)
            return cmd->info->acl & (1u << i);
    return false;
}

/* ---- the reply ---- */

static bool info_has_flag(const struct cmd *cmd, size_t i)
{
    if (cmd_flag_names[i].flag == 0)
        return CMD_NUMKEYS_INDEX(cmd) != 0;
    return cmd->flags & cmd_flag_names[i].flag;
}

static void info_reply_flags(struct client *c, const struct cmd *cmd)
{
    long long n = 0;
    for (size_t i = 0; i < ROWS(cmd_flag_names); i++)
        n += info_has_flag(cmd, i);
    reply_set(c, n);
    for (size_t i = 0; i < ROWS(cmd_flag_names); i++)
        if (info_has_flag(cmd, i))
            reply_status(c, cmd_flag_names[i].name);
}

static void info_reply_categories(struct client *c, const struct cmd_info *info)
{
    reply_set(c, __builtin_popcount(info->acl));
    char name[32];
    for (int i = 0; i < ACL_NCATS; i++) {
        if (info->acl & (1u << i)) {
            snprintf(name, sizeof name, "@%s", acl_cat_names[i]);
            reply_status(c, name);
        }
    }
}

static void info_reply_key_spec(struct client *c, const struct cmd_key_spec *spec)
{
    reply_map(c, spec->notes ? 4 : 3);
    if (spec->notes) {
        reply_bulk_cstr(c, "notes");
        reply_bulk_cstr(c, spec->notes);
    }
    reply_bulk_cstr(c, "flags");
    reply_set(c, __builtin_popcount(spec->flags));
    for (size_t i = 0; i < ROWS(key_flag_names); i++)
        if (spec->flags & (1u << i))
            reply_status(c, key_flag_names[i]);
    reply_bulk_cstr(c, "begin_search");
    reply_map(c, 2);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, "index");
    reply_bulk_cstr(c, "spec");
    reply_map(c, 1);
    reply_bulk_cstr(c, "index");
    reply_integer(c, spec->begin_index);
    reply_bulk_cstr(c, "find_keys");
    reply_map(c, 2);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, spec->keynum ? "keynum" : "range");
    reply_bulk_cstr(c, "spec");
    reply_map(c, 3);
    if (spec->keynum) {
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
    reply_integer(c, spec->lastkey);
    reply_bulk_cstr(c, "keystep");
    reply_integer(c, spec->keystep);
    reply_bulk_cstr(c, "limit");
    reply_integer(c, 0);
}

void cmd__info_reply(struct client *c, const struct cmd *cmd)
{
    const struct cmd_info *info = cmd->info;
    reply_array(c, 10);
    reply_bulk_cstr(c, cmd->fullname);
    reply_integer(c, cmd->arity);
    info_reply_flags(c, cmd);
    reply_integer(c, cmd->first_key);
    reply_integer(c, cmd->last_key);
    reply_integer(c, cmd->key_step);
    info_reply_categories(c, info);
    reply_set(c, info->ntips);
    for (int i = 0; i < info->ntips; i++)
        reply_bulk_cstr(c, info->tips[i]);
    /* Redis 7.0 sends key specs and subcommands as sets (arrays to a RESP2 client). */
    reply_set(c, info->nspecs);
    for (int i = 0; i < info->nspecs; i++)
        info_reply_key_spec(c, &info->specs[i]);
    reply_set(c, cmd->nsubcmds);
    for (int i = 0; i < cmd->nsubcmds; i++)
        cmd__info_reply(c, cmd->subcmds[i]);
}
