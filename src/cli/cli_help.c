/* cli_help: `help` in the interactive mode. redis-cli 7.0 compiles its help text in; this
 * asks the server instead (COMMAND DOCS, once, at the first `help`), so the help always
 * matches the server it talks to, and builds each command's synopsis the way redis-cli's
 * generated help.h spells it: "key value [EX seconds|PX milliseconds|KEEPTTL] [NX|XX]". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/server.h"
#include "../util/mem.h"
#include "cli.h"

struct cli_help_entry {
    char *name;     /* owned; "GET", or "CONFIG GET" for a subcommand */
    char *params;   /* owned; the synopsis after the name */
    char *summary;  /* owned */
    char *since;    /* owned */
    char *group;    /* owned; "string", "sorted-set"... */
};

/* Fetched on first use and kept for the process's life. */
static struct cli_help_entry *cli_help_entries;
static size_t cli_help_count;
static bool cli_help_loaded;

/* The value for `key` in a reply that lists key, value, key, value (a RESP2 array or a
 * RESP3 map: both arrive that way). */
static const struct cli_reply *cli_help_field(const struct cli_reply *kv, const char *key)
{
    if (!kv || (kv->type != CLI_REPLY_ARRAY && kv->type != CLI_REPLY_MAP))
        return NULL;
    for (size_t i = 0; i + 1 < kv->count; i += 2) {
        const struct cli_reply *k = kv->elements[i];
        if (k->str && !strcmp(k->str, key))
            return kv->elements[i + 1];
    }
    return NULL;
}

static bool cli_help_has_flag(const struct cli_reply *arg, const char *flag)
{
    const struct cli_reply *flags = cli_help_field(arg, "flags");
    for (size_t i = 0; flags && i < flags->count; i++)
        if (flags->elements[i]->str && !strcmp(flags->elements[i]->str, flag))
            return true;
    return false;
}

static void cli_help_add_arg(struct sbuf *out, const struct cli_reply *arg);

static void cli_help_add_list(struct sbuf *out, const struct cli_reply *args, const char *sep)
{
    for (size_t i = 0; args && i < args->count; i++) {
        if (i > 0)
            sbuf_cat(out, sep);
        cli_help_add_arg(out, args->elements[i]);
    }
}

/* One argument: [TOKEN name], a|b|c for a choice, a b for a block, "x [x ...]" when it
 * repeats. */
static void cli_help_add_arg(struct sbuf *out, const struct cli_reply *arg)
{
    const struct cli_reply *name = cli_help_field(arg, "name");
    const struct cli_reply *type = cli_help_field(arg, "type");
    const struct cli_reply *token = cli_help_field(arg, "token");
    if (!name || !type || !name->str || !type->str)
        return;
    struct sbuf repeat = SBUF_INIT;
    if (!strcmp(type->str, "oneof"))
        cli_help_add_list(&repeat, cli_help_field(arg, "arguments"), "|");
    else if (!strcmp(type->str, "block"))
        cli_help_add_list(&repeat, cli_help_field(arg, "arguments"), " ");
    else if (strcmp(type->str, "pure-token") != 0)
        sbuf_cat(&repeat, name->str);
    struct sbuf tok = SBUF_INIT;
    if (token && token->str) {
        sbuf_cat(&tok, token->str);
        if (strcmp(type->str, "pure-token") != 0)
            sbuf_cat(&tok, " ");
    }
    bool optional = cli_help_has_flag(arg, "optional");
    if (optional)
        sbuf_cat(out, "[");
    sbuf_catlen(out, tok.data ? tok.data : "", tok.len);
    sbuf_catlen(out, repeat.data ? repeat.data : "", repeat.len);
    if (cli_help_has_flag(arg, "multiple")) {
        sbuf_cat(out, " [");
        if (cli_help_has_flag(arg, "multiple_token"))
            sbuf_catlen(out, tok.data ? tok.data : "", tok.len);
        sbuf_catlen(out, repeat.data ? repeat.data : "", repeat.len);
        sbuf_cat(out, " ...]");
    }
    if (optional)
        sbuf_cat(out, "]");
    sbuf_free(&tok);
    sbuf_free(&repeat);
}

static char *cli_help_text(const struct cli_reply *docs, const char *key)
{
    const struct cli_reply *v = cli_help_field(docs, key);
    return mem_strdup(v && v->str ? v->str : "");
}

/* Adds a command (and, recursively, its subcommands) from one COMMAND DOCS entry. */
static void cli_help_add_command(const char *name, const struct cli_reply *docs)
{
    struct sbuf params = SBUF_INIT;
    const struct cli_reply *args = cli_help_field(docs, "arguments");
    cli_help_add_list(&params, args, " ");
    cli_help_entries = mem_realloc(cli_help_entries,
                                   sizeof *cli_help_entries * (cli_help_count + 1));
    struct cli_help_entry *e = &cli_help_entries[cli_help_count++];
    e->name = mem_strdup(name);
    for (char *p = e->name; *p; p++)
        *p = *p == '|' ? ' ' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    e->params = mem_strdup(params.data ? params.data : "");
    e->summary = cli_help_text(docs, "summary");
    e->since = cli_help_text(docs, "since");
    e->group = cli_help_text(docs, "group");
    sbuf_free(&params);
    const struct cli_reply *subs = cli_help_field(docs, "subcommands");
    for (size_t i = 0; subs && i + 1 < subs->count; i += 2)
        if (subs->elements[i]->str)
            cli_help_add_command(subs->elements[i]->str, subs->elements[i + 1]);
}

static int cli_help_cmp(const void *a, const void *b)
{
    return strcasecmp(((const struct cli_help_entry *)a)->name,
                      ((const struct cli_help_entry *)b)->name);
}

static void cli_help_load(struct cli *cli)
{
    cli_help_loaded = true;
    if (cli_connect(cli, false, true) < 0)
        return;
    struct cli_reply *docs = cli_conn_call(&cli->conn, 2, (const char *[]){"COMMAND", "DOCS"});
    if (!docs)
        return;
    for (size_t i = 0; i + 1 < docs->count; i += 2)
        if (docs->elements[i]->str)
            cli_help_add_command(docs->elements[i]->str, docs->elements[i + 1]);
    cli_reply_free(docs);
    /* redis-cli lists a group's commands alphabetically (its help.h is sorted). */
    if (cli_help_count)
        qsort(cli_help_entries, cli_help_count, sizeof *cli_help_entries, cli_help_cmp);
}

static void cli_help_print_entry(const struct cli_help_entry *e, bool with_group)
{
    printf("\r\n  \x1b[1m%s\x1b[0m \x1b[90m%s\x1b[0m\r\n", e->name, e->params);
    printf("  \x1b[33msummary:\x1b[0m %s\r\n", e->summary);
    printf("  \x1b[33msince:\x1b[0m %s\r\n", e->since);
    if (with_group)
        printf("  \x1b[33mgroup:\x1b[0m %s\r\n", e->group);
}

/* True when the words of argv[0..argc) are exactly the words of name, ignoring case. */
static bool cli_help_name_matches(const char *name, int argc, char **argv)
{
    const char *p = name;
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (strncasecmp(p, argv[i], n) != 0)
            return false;
        p += n;
        if (i + 1 < argc && *p++ != ' ')
            return false;
    }
    return *p == '\0';
}

void cli_help(struct cli *cli, int argc, char **argv)
{
    if (argc == 0) {
        printf("ferrite-cli %s\n"
               "To get help about Redis commands type:\n"
               "      \"help @<group>\" to get a list of commands in <group>\n"
               "      \"help <command>\" for help on <command>\n"
               "      \"quit\" to exit\n",
               FERRITE_OWN_VERSION);
        return;
    }
    if (!cli_help_loaded)
        cli_help_load(cli);
    const char *group = argv[0][0] == '@' ? argv[0] + 1 : NULL;
    for (size_t i = 0; i < cli_help_count; i++) {
        const struct cli_help_entry *e = &cli_help_entries[i];
        if (group ? !strcasecmp(e->group, group)
                  : cli_help_name_matches(e->name, argc, argv))
            cli_help_print_entry(e, group == NULL);
    }
    printf("\r\n");
    fflush(stdout);
}
