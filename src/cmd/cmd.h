/* cmd: the command table (generated from commands.def), lookup and the COMMAND command.
 * Handlers live with their data type or subsystem; this header declares them all. */
#ifndef FERRITE_CMD_H
#define FERRITE_CMD_H

#include <stddef.h>

struct client;

enum cmd_flag {
    CMD_WRITE = 1 << 0,
    CMD_READONLY = 1 << 1,
    CMD_DENYOOM = 1 << 2,
    CMD_ADMIN = 1 << 3,
    CMD_PUBSUB = 1 << 4,
    CMD_NOSCRIPT = 1 << 5,
    CMD_BLOCKING = 1 << 6,
    CMD_LOADING = 1 << 7,
    CMD_STALE = 1 << 8,
    CMD_SKIP_MONITOR = 1 << 9,
    CMD_SKIP_SLOWLOG = 1 << 10,
    CMD_FAST = 1 << 11,
    CMD_NO_AUTH = 1 << 12,
    CMD_MAY_REPLICATE = 1 << 13,
    CMD_NO_MULTI = 1 << 14,
    CMD_ALLOW_BUSY = 1 << 15,
    CMD_PROTECTED = 1 << 16, /* refused unless enable-debug-command allows it */
    /* Which keys a write modifies, for WATCH and waking blocked clients. By default every
     * key in first..last..step is signalled after a write that changed the dataset. */
    CMD_SIGNALS_ITSELF = 1 << 17, /* the handler signals exactly what it changed (DEL) */
    CMD_WRITES_FIRST_KEY = 1 << 18, /* only the first key is written (SINTERSTORE dst ...) */
    /* A key count at argv[1] or argv[2] followed by that many keys (Redis "movablekeys"). */
    CMD_NUMKEYS_AT_1 = 1 << 19,
    CMD_NUMKEYS_AT_2 = 1 << 20,
    /* Redis refuses it while a replica loads its RDB asynchronously. ferrite always loads
     * synchronously, so only COMMAND INFO reads it. */
    CMD_NO_ASYNC_LOADING = 1 << 21,
};

/* argv index of the key count of a CMD_NUMKEYS_* command, or 0. */
#define CMD_NUMKEYS_INDEX(cmd) \
    (((cmd)->flags & CMD_NUMKEYS_AT_1) ? 1 : ((cmd)->flags & CMD_NUMKEYS_AT_2) ? 2 : 0)

typedef void cmd_proc(struct client *c);

struct cmd_doc; /* COMMAND DOCS details, private to the cmd module (cmd_docs.c) */
struct cmd_info; /* COMMAND INFO details, private to the cmd module (cmd_info.c) */

struct cmd {
    const char *name;         /* lowercase; a subcommand's own name ("get") */
    const char *fullname;     /* "get", or "config|get" for a subcommand */
    cmd_proc *proc;           /* NULL for pure containers */
    int arity;                /* > 0 exact argc, < 0 at least -arity */
    unsigned flags;           /* enum cmd_flag */
    int first_key;            /* argv index of the first key, 0 if none */
    int last_key;             /* index of the last key, negative counts from the end */
    int key_step;
    const char *group;        /* documentation group */
    const char *since;        /* Redis version that introduced it */
    const char *summary;
    const char *parent_name;  /* for subcommands, the container's name */
    struct cmd *parent;
    struct cmd **subcmds;     /* owned array, NULL-terminated; NULL if none */
    int nsubcmds;
    const struct cmd_doc *doc; /* its row of command_docs.def; NULL if it has none */
    const struct cmd_info *info; /* ACL categories, tips, key specs (cmd_info.c); never NULL */
    /* Statistics for INFO commandstats; cleared by CONFIG RESETSTAT. */
    long long calls;
    long long usec;
    long long rejected_calls;
    long long failed_calls;
};

#define CMD(func, name, arity, flags, fk, lk, step, group, since, summary) \
    void cmd_##func(struct client *c);
#define CONTAINER(name, arity, flags, group, since, summary)
#define SUB(parent, func, name, arity, flags, fk, lk, step, since, summary) \
    void cmd_##func(struct client *c);
#include "commands.def"
#undef CMD
#undef CONTAINER
#undef SUB

/* Builds the lookup index; call once at start-up. */
void cmd_table_init(void);
/* Finds a top-level command by name, case-insensitively; NULL if unknown. */
struct cmd *cmd_lookup(const char *name, size_t len);
/* Finds a subcommand of parent; NULL if unknown. */
struct cmd *cmd_lookup_sub(const struct cmd *parent, const char *name, size_t len);
const char *cmd_fullname(const struct cmd *cmd);

/* Calls fn for every command and subcommand (for INFO commandstats and RESETSTAT). */
typedef void cmd_visit_fn(struct cmd *cmd, void *arg);
void cmd_foreach(cmd_visit_fn *fn, void *arg);

#endif
