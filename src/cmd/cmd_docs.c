#include "cmd_docs.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/reply.h"
#include "../util/mem.h"
#include "cmd.h"

/* ---- the rows of command_docs.def ---- */

struct cmd_doc_history {
    const char *fullname;
    const char *version;
    const char *change;
};

struct cmd_doc_deprecation {
    const char *fullname;
    const char *since;
    const char *replaced_by;
};

static const struct cmd_doc_history doc_history_rows[] = {
#define DOC(fullname, complexity, arguments)
#define HISTORY(fullname, version, change) {fullname, version, change},
#define DEPRECATED(fullname, since, replaced_by)
#define SYSCMD(fullname)
#include "command_docs.def"
#undef DOC
#undef HISTORY
#undef DEPRECATED
#undef SYSCMD
};

static const struct cmd_doc_deprecation doc_deprecation_rows[] = {
#define DOC(fullname, complexity, arguments)
#define HISTORY(fullname, version, change)
#define DEPRECATED(fullname, since, replaced_by) {fullname, since, replaced_by},
#define SYSCMD(fullname)
#include "command_docs.def"
#undef DOC
#undef HISTORY
#undef DEPRECATED
#undef SYSCMD
};

static const char *const doc_syscmd_rows[] = {
#define DOC(fullname, complexity, arguments)
#define HISTORY(fullname, version, change)
#define DEPRECATED(fullname, since, replaced_by)
#define SYSCMD(fullname) fullname,
#include "command_docs.def"
#undef DOC
#undef HISTORY
#undef DEPRECATED
#undef SYSCMD
};

#define ROWS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- parsed documentation ---- */

enum doc_arg_type {
    DOC_ARG_STRING,
    DOC_ARG_INTEGER,
    DOC_ARG_DOUBLE,
    DOC_ARG_KEY,
    DOC_ARG_PATTERN,
    DOC_ARG_UNIX_TIME,
    DOC_ARG_PURE_TOKEN,
    DOC_ARG_ONEOF,
    DOC_ARG_BLOCK,
};

/* Indexed by enum doc_arg_type; these are also the names COMMAND DOCS replies with. */
static const char *const doc_arg_type_names[] = {
    "string", "integer", "double", "key", "pattern", "unix-time", "pure-token", "oneof", "block",
};

/* Argument flags, in the order COMMAND DOCS lists them. */
enum doc_arg_flag {
    DOC_ARG_OPTIONAL = 1 << 0,
    DOC_ARG_MULTIPLE = 1 << 1,
    DOC_ARG_MULTIPLE_TOKEN = 1 << 2,
};

static const char *const doc_arg_flag_names[] = {"optional", "multiple", "multiple_token"};

/* The "=NX" shorthand names its argument after the token in lowercase, built in a buffer of
 * this size when replying; the parser refuses longer shorthand tokens. */
#define DOC_SHORT_NAME_MAX 64

/* A piece of a notation string (which is static, so the piece needs no copy). */
struct doc_str {
    const char *ptr; /* NULL when absent; "" (len 0) is a present, empty token */
    size_t len;
};

struct doc_arg {
    struct doc_str name;
    bool name_from_token;         /* "=NX": the name is the token in lowercase */
    enum doc_arg_type type;
    int key_spec_index;           /* -1 if none */
    struct doc_str token;
    struct doc_str since;
    struct doc_str deprecated_since;
    unsigned flags;               /* enum doc_arg_flag */
    struct doc_arg *subargs;      /* owned; for oneof and block only */
    int nsubargs;
};

struct cmd_doc {
    const char *fullname;
    const char *complexity;       /* NULL if Redis documents none */
    const char *arguments;        /* the notation, as written in the row */
    struct doc_arg *args;         /* owned; parsed from arguments, NULL if there are none */
    int nargs;
    const struct cmd_doc_history *history; /* the command's HISTORY rows, contiguous */
    int nhistory;
    const struct cmd_doc_deprecation *deprecation; /* NULL unless DEPRECATED */
    bool syscmd;
    bool used;                    /* attached to a command of the table */
};

static struct cmd_doc doc_rows[] = {
#define DOC(fullname, complexity, arguments) \
    {fullname, complexity, arguments, NULL, 0, NULL, 0, NULL, false, false},
#define HISTORY(fullname, version, change)
#define DEPRECATED(fullname, since, replaced_by)
#define SYSCMD(fullname)
#include "command_docs.def"
#undef DOC
#undef HISTORY
#undef DEPRECATED
#undef SYSCMD
};

/* ---- the argument notation (described in command_docs.def) ---- */

struct doc_parser {
    const char *fullname;         /* the row being parsed, for error messages */
    const char *p;                /* cursor in its arguments notation */
};

__attribute__((noreturn)) static void doc_fail(const char *fullname, const char *what)
{
    fprintf(stderr, "ferrite: bad row in command_docs.def for '%s': %s\n", fullname, what);
    abort();
}

__attribute__((noreturn)) static void doc_parse_fail(const struct doc_parser *ps, const char *what)
{
    fprintf(stderr, "ferrite: bad arguments in command_docs.def for '%s': %s at \"%.30s\"\n",
            ps->fullname, what, ps->p);
    abort();
}

static bool doc_is_delim(char ch)
{
    return ch == '\0' || strchr(" ,|()[]", ch) != NULL;
}

static void doc_skip_spaces(struct doc_parser *ps)
{
    while (*ps->p == ' ')
        ps->p++;
}

/* A NAME, TYPE or VERSION: everything up to the next delimiter, at least one character. */
static struct doc_str doc_parse_word(struct doc_parser *ps, const char *what)
{
    const char *start = ps->p;
    while (!doc_is_delim(*ps->p))
        ps->p++;
    if (ps->p == start)
        doc_parse_fail(ps, what);
    return (struct doc_str){start, (size_t)(ps->p - start)};
}

/* A TOKEN: a word, or anything but a quote between quotes (the empty token is ''). */
static struct doc_str doc_parse_token(struct doc_parser *ps)
{
    if (*ps->p != '\'')
        return doc_parse_word(ps, "expected a token");
    const char *start = ps->p + 1;
    const char *end = strchr(start, '\'');
    if (!end)
        doc_parse_fail(ps, "unterminated quoted token");
    ps->p = end + 1;
    return (struct doc_str){start, (size_t)(end - start)};
}

/* Sets an attribute that may be given once; the cursor is on its sigil. */
static void doc_parse_attr(struct doc_parser *ps, struct doc_str *field, bool is_token)
{
    if (field->ptr)
        doc_parse_fail(ps, "attribute given twice");
    ps->p++;
    *field = is_token ? doc_parse_token(ps) : doc_parse_word(ps, "expected a version");
}

static void doc_parse_list(struct doc_parser *ps, char sep, char end, struct doc_arg **out,
                           int *nout);

static void doc_parse_arg(struct doc_parser *ps, struct doc_arg *arg)
{
    memset(arg, 0, sizeof *arg);
    arg->key_spec_index = -1;
    bool optional = *ps->p == '[';
    if (optional) {
        ps->p++;
        doc_skip_spaces(ps);
    }
    if (*ps->p == '=') {
        arg->type = DOC_ARG_PURE_TOKEN;
        doc_parse_attr(ps, &arg->token, true);
        if (arg->token.len == 0 || arg->token.len >= DOC_SHORT_NAME_MAX)
            doc_parse_fail(ps, "the =TOKEN shorthand needs a short, non-empty token");
        arg->name = arg->token;
        arg->name_from_token = true;
    } else {
        struct doc_str type = doc_parse_word(ps, "expected an argument type");
        size_t t = 0;
        while (t < ROWS(doc_arg_type_names) && (strlen(doc_arg_type_names[t]) != type.len ||
                                                memcmp(doc_arg_type_names[t], type.ptr, type.len)))
            t++;
        if (t == ROWS(doc_arg_type_names)) {
            ps->p = type.ptr;
            doc_parse_fail(ps, "unknown argument type");
        }
        arg->type = (enum doc_arg_type)t;
        if (*ps->p != ' ')
            doc_parse_fail(ps, "expected a space and a name after the type");
        doc_skip_spaces(ps);
        arg->name = doc_parse_word(ps, "expected an argument name");
    }
    for (;;) {
        doc_skip_spaces(ps);
        const char *at = ps->p;
        if (*at == '=') {
            doc_parse_attr(ps, &arg->token, true);
        } else if (*at == '@') {
            doc_parse_attr(ps, &arg->since, false);
        } else if (*at == '!') {
            doc_parse_attr(ps, &arg->deprecated_since, false);
        } else if (*at == '#') {
            if (arg->key_spec_index >= 0)
                doc_parse_fail(ps, "attribute given twice");
            ps->p++;
            struct doc_str n = doc_parse_word(ps, "expected a key spec index");
            arg->key_spec_index = 0;
            for (size_t i = 0; i < n.len; i++) {
                if (!isdigit((unsigned char)n.ptr[i]) || arg->key_spec_index > 1000) {
                    ps->p = n.ptr;
                    doc_parse_fail(ps, "bad key spec index");
                }
                arg->key_spec_index = arg->key_spec_index * 10 + (n.ptr[i] - '0');
            }
        } else if (strncmp(at, "...", 3) == 0 && doc_is_delim(at[3])) {
            arg->flags |= DOC_ARG_MULTIPLE;
            ps->p += 3;
        } else if (*at == '+' && doc_is_delim(at[1])) {
            arg->flags |= DOC_ARG_MULTIPLE_TOKEN;
            ps->p++;
        } else {
            break;
        }
    }
    bool container = arg->type == DOC_ARG_ONEOF || arg->type == DOC_ARG_BLOCK;
    if (*ps->p == '(') {
        if (!container)
            doc_parse_fail(ps, "only a oneof or a block has a list");
        ps->p++;
        doc_parse_list(ps, arg->type == DOC_ARG_ONEOF ? '|' : ',', ')', &arg->subargs,
                       &arg->nsubargs);
        if (arg->nsubargs == 0)
            doc_parse_fail(ps, "empty list");
        ps->p++;
    } else if (container) {
        doc_parse_fail(ps, "a oneof or a block needs a list");
    }
    if (optional) {
        doc_skip_spaces(ps);
        if (*ps->p != ']')
            doc_parse_fail(ps, "expected ']'");
        ps->p++;
        arg->flags |= DOC_ARG_OPTIONAL;
    }
    if (arg->type == DOC_ARG_KEY && arg->key_spec_index < 0)
        arg->key_spec_index = 0;
}

/* Parses arguments separated by sep up to end, leaving the cursor on end. */
static void doc_parse_list(struct doc_parser *ps, char sep, char end, struct doc_arg **out,
                           int *nout)
{
    struct doc_arg *args = NULL;
    int n = 0;
    doc_skip_spaces(ps);
    while (*ps->p != end) {
        if (n > 0) {
            if (*ps->p != sep)
                doc_parse_fail(ps, sep == '|' ? "expected '|' between the choices of a oneof"
                                              : "expected ',' between arguments");
            ps->p++;
            doc_skip_spaces(ps);
        }
        args = mem_realloc(args, sizeof *args * (size_t)(n + 1));
        doc_parse_arg(ps, &args[n++]);
        doc_skip_spaces(ps);
    }
    *out = args;
    *nout = n;
}

static void doc_free_args(struct doc_arg *args, int n)
{
    for (int i = 0; i < n; i++)
        doc_free_args(args[i].subargs, args[i].nsubargs);
    mem_free(args);
}

/* ---- start-up ---- */

static struct cmd_doc *doc_find(const char *fullname)
{
    for (size_t i = 0; i < ROWS(doc_rows); i++)
        if (strcmp(doc_rows[i].fullname, fullname) == 0)
            return &doc_rows[i];
    return NULL;
}

/* The DOC row a HISTORY, DEPRECATED or SYSCMD row refers to; it must exist. */
static struct cmd_doc *doc_find_for(const char *fullname, const char *row_kind)
{
    struct cmd_doc *doc = doc_find(fullname);
    if (!doc) {
        fprintf(stderr, "ferrite: command_docs.def has a %s row for '%s' but no DOC row\n",
                row_kind, fullname);
        abort();
    }
    return doc;
}

static void doc_attach(struct cmd *cmd, void *arg)
{
    (void)arg;
    struct cmd_doc *doc = doc_find(cmd_fullname(cmd));
    cmd->doc = doc;
    if (doc)
        doc->used = true;
}

void cmd__docs_init(void)
{
    for (size_t i = 0; i < ROWS(doc_rows); i++) {
        struct cmd_doc *doc = &doc_rows[i];
        if (doc_find(doc->fullname) != doc)
            doc_fail(doc->fullname, "a second DOC row");
        struct doc_parser ps = {doc->fullname, doc->arguments};
        doc_parse_list(&ps, ',', '\0', &doc->args, &doc->nargs);
    }
    for (size_t i = 0; i < ROWS(doc_history_rows); i++) {
        struct cmd_doc *doc = doc_find_for(doc_history_rows[i].fullname, "HISTORY");
        if (!doc->history)
            doc->history = &doc_history_rows[i];
        else if (doc->history + doc->nhistory != &doc_history_rows[i])
            doc_fail(doc->fullname, "HISTORY rows not kept together");
        doc->nhistory++;
    }
    for (size_t i = 0; i < ROWS(doc_deprecation_rows); i++) {
        struct cmd_doc *doc = doc_find_for(doc_deprecation_rows[i].fullname, "DEPRECATED");
        if (doc->deprecation)
            doc_fail(doc->fullname, "a second DEPRECATED row");
        doc->deprecation = &doc_deprecation_rows[i];
    }
    for (size_t i = 0; i < ROWS(doc_syscmd_rows); i++)
        doc_find_for(doc_syscmd_rows[i], "SYSCMD")->syscmd = true;

    cmd_foreach(doc_attach, NULL);
    /* Rows for commands ferrite lacks were parsed only to be checked. */
    for (size_t i = 0; i < ROWS(doc_rows); i++) {
        if (!doc_rows[i].used) {
            doc_free_args(doc_rows[i].args, doc_rows[i].nargs);
            doc_rows[i].args = NULL;
            doc_rows[i].nargs = 0;
        }
    }
}

/* ---- COMMAND DOCS ---- */

static void doc_reply_str(struct client *c, struct doc_str s)
{
    reply_bulk(c, s.ptr, s.len);
}

static void doc_reply_args(struct client *c, const struct doc_arg *args, int n)
{
    reply_array(c, n);
    for (int i = 0; i < n; i++) {
        const struct doc_arg *a = &args[i];
        reply_map(c, 2 + (a->key_spec_index >= 0) + (a->token.ptr != NULL) +
                         (a->since.ptr != NULL) + (a->deprecated_since.ptr != NULL) +
                         (a->flags != 0) + (a->nsubargs > 0));
        reply_bulk_cstr(c, "name");
        if (a->name_from_token) {
            char lower[DOC_SHORT_NAME_MAX];
            for (size_t j = 0; j < a->name.len; j++)
                lower[j] = (char)tolower((unsigned char)a->name.ptr[j]);
            reply_bulk(c, lower, a->name.len);
        } else {
            doc_reply_str(c, a->name);
        }
        reply_bulk_cstr(c, "type");
        reply_bulk_cstr(c, doc_arg_type_names[a->type]);
        if (a->key_spec_index >= 0) {
            reply_bulk_cstr(c, "key_spec_index");
            reply_integer(c, a->key_spec_index);
        }
        if (a->token.ptr) {
            reply_bulk_cstr(c, "token");
            doc_reply_str(c, a->token);
        }
        if (a->since.ptr) {
            reply_bulk_cstr(c, "since");
            doc_reply_str(c, a->since);
        }
        if (a->deprecated_since.ptr) {
            reply_bulk_cstr(c, "deprecated_since");
            doc_reply_str(c, a->deprecated_since);
        }
        if (a->flags) {
            reply_bulk_cstr(c, "flags");
            long long nflags = 0;
            for (size_t f = 0; f < ROWS(doc_arg_flag_names); f++)
                nflags += (a->flags >> f) & 1;
            reply_set(c, nflags);
            for (size_t f = 0; f < ROWS(doc_arg_flag_names); f++)
                if (a->flags & (1u << f))
                    reply_status(c, doc_arg_flag_names[f]);
        }
        if (a->nsubargs > 0) {
            reply_bulk_cstr(c, "arguments");
            doc_reply_args(c, a->subargs, a->nsubargs);
        }
    }
}

void cmd__docs_reply(struct client *c, const struct cmd *cmd)
{
    const struct cmd_doc *doc = cmd->doc;
    bool deprecated = doc && doc->deprecation;
    bool syscmd = doc && doc->syscmd;
    reply_map(c, 1 + (cmd->summary != NULL) + (cmd->since != NULL) + (doc && doc->complexity) +
                     (deprecated || syscmd) + 2 * deprecated + (doc && doc->nhistory > 0) +
                     (doc && doc->nargs > 0) + (cmd->nsubcmds > 0));
    /* The fields in Redis's order. */
    if (cmd->summary) {
        reply_bulk_cstr(c, "summary");
        reply_bulk_cstr(c, cmd->summary);
    }
    if (cmd->since) {
        reply_bulk_cstr(c, "since");
        reply_bulk_cstr(c, cmd->since);
    }
    reply_bulk_cstr(c, "group");
    reply_bulk_cstr(c, cmd->group);
    if (doc && doc->complexity) {
        reply_bulk_cstr(c, "complexity");
        reply_bulk_cstr(c, doc->complexity);
    }
    if (deprecated || syscmd) {
        reply_bulk_cstr(c, "doc_flags");
        reply_set(c, deprecated + syscmd);
        if (deprecated)
            reply_status(c, "deprecated");
        if (syscmd)
            reply_status(c, "syscmd");
    }
    if (deprecated) {
        reply_bulk_cstr(c, "deprecated_since");
        reply_bulk_cstr(c, doc->deprecation->since);
        reply_bulk_cstr(c, "replaced_by");
        reply_bulk_cstr(c, doc->deprecation->replaced_by);
    }
    if (doc && doc->nhistory > 0) {
        reply_bulk_cstr(c, "history");
        reply_set(c, doc->nhistory);
        for (int i = 0; i < doc->nhistory; i++) {
            reply_array(c, 2);
            reply_bulk_cstr(c, doc->history[i].version);
            reply_bulk_cstr(c, doc->history[i].change);
        }
    }
    if (doc && doc->nargs > 0) {
        reply_bulk_cstr(c, "arguments");
        doc_reply_args(c, doc->args, doc->nargs);
    }
    if (cmd->nsubcmds > 0) {
        reply_bulk_cstr(c, "subcommands");
        reply_map(c, cmd->nsubcmds);
        for (int i = 0; i < cmd->nsubcmds; i++) {
            reply_bulk_cstr(c, cmd_fullname(cmd->subcmds[i]));
            cmd__docs_reply(c, cmd->subcmds[i]);
        }
    }
}
