/* cli_repl: the interactive mode. Lines come from libedit (line editing and a persistent
 * history, like redis-cli's linenoise) when stdin is a terminal, or are read plainly and
 * without a prompt when it is not, so `cmds | ferrite-cli` runs them one by one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <editline/readline.h>

#include "../ev/ev.h"
#include "../proto/resp.h"
#include "../util/mem.h"
#include "cli.h"

#define CLI_HISTFILE_ENV "FERRITECLI_HISTFILE"
#define CLI_HISTFILE_DEFAULT ".ferritecli_history"

/* The history file: $FERRITECLI_HISTFILE, else ~/.ferritecli_history; NULL for none
 * (/dev/null, or no home). The caller owns the result. */
static char *cli_repl_histfile(void)
{
    const char *env = getenv(CLI_HISTFILE_ENV);
    if (env && *env)
        return strcmp(env, "/dev/null") ? mem_strdup(env) : NULL;
    const char *home = getenv("HOME");
    if (!home || !*home)
        return NULL;
    struct sbuf path = SBUF_INIT;
    sbuf_catfmt(&path, "%s/%s", home, CLI_HISTFILE_DEFAULT);
    return path.data;
}

/* One line of input (without its line end) that the caller frees, or NULL at the end. */
static char *cli_repl_read_line(struct cli *cli, bool tty)
{
    if (tty)
        return readline(cli->conn.fd >= 0 ? cli->prompt : "not connected> ");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0) {
        free(line);
        return NULL;
    }
    if (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    return line;
}

/* Remembers a line in the history (and its file), unless it holds a password. */
static void cli_repl_remember(const char *line, const char *histfile, int argc, char **argv)
{
    if (argc > 0 && (!strcasecmp(argv[0], "auth") ||
                     (argc > 1 && !strcasecmp(argv[0], "acl") && !strcasecmp(argv[1], "setuser"))))
        return;
    add_history(line);
    if (histfile)
        write_history(histfile);
}

/* Runs one split line: a built-in (quit, connect, clear) or a command, with redis-cli's
 * optional repeat count in front ("3 incr x"). */
static void cli_repl_run(struct cli *cli, int argc, char **argv, size_t *lens)
{
    long repeat = 1;
    char *end = NULL;
    errno = 0;
    long n = strtol(argv[0], &end, 10);
    if (argc > 1 && *end == '\0') {
        if (errno == ERANGE || n <= 0) {
            fputs("Invalid redis-cli repeat command option value.\n", stdout);
            return;
        }
        repeat = n;
        argc--, argv++, lens++;
    }
    if (!strcasecmp(argv[0], "quit") || !strcasecmp(argv[0], "exit")) {
        exit(0);
    } else if (argc == 3 && !strcasecmp(argv[0], "connect")) {
        if (cli->cfg.host_owned)
            mem_free((char *)cli->cfg.host);
        cli->cfg.host = mem_strdup(argv[1]);
        cli->cfg.host_owned = true;
        cli->cfg.port = atoi(argv[2]);
        cli_refresh_prompt(cli);
        cli_connect(cli, true, false);
    } else if (argc == 1 && !strcasecmp(argv[0], "clear")) {
        fputs("\x1b[H\x1b[2J", stdout);
        fflush(stdout);
    } else {
        long long start = ev_monotonic_ms();
        cli_issue(cli, argc, argv, lens, repeat);
        long long elapsed = ev_monotonic_ms() - start;
        if (elapsed >= 500 && cli->cfg.output == CLI_OUTPUT_STANDARD)
            printf("(%.2fs)\n", (double)elapsed / 1000);
    }
}

void cli_repl(struct cli *cli)
{
    cli->interactive = true;
    bool tty = isatty(STDIN_FILENO);
    char *histfile = NULL;
    if (tty) {
        rl_readline_name = "ferrite-cli";
        using_history();
        histfile = cli_repl_histfile();
        if (histfile)
            read_history(histfile);
    }
    cli_refresh_prompt(cli);
    struct resp_request split;
    resp_request_init(&split);
    char *line;
    while ((line = cli_repl_read_line(cli, tty)) != NULL) {
        /* The history gets the line as typed: copy it before the split unescapes in place. */
        char *typed = tty ? mem_strdup(line) : NULL;
        if (resp_split_line(&split, line, strlen(line)) != RESP_DONE) {
            printf("Invalid argument(s)\n");
            fflush(stdout);
            if (tty)
                cli_repl_remember(typed, histfile, 0, NULL);
        } else if (split.argc > 0) {
            int argc = (int)split.argc;
            char **argv = mem_alloc(sizeof *argv * (size_t)argc);
            size_t *lens = mem_alloc(sizeof *lens * (size_t)argc);
            for (int i = 0; i < argc; i++) {
                argv[i] = line + split.argv[i].off;
                lens[i] = split.argv[i].len;
                argv[i][lens[i]] = '\0'; /* unescaping only shortens: there is room */
            }
            if (tty)
                cli_repl_remember(typed, histfile, argc, argv);
            cli_repl_run(cli, argc, argv, lens);
            mem_free(argv);
            mem_free(lens);
        }
        mem_free(typed);
        free(line);
    }
    resp_request_free(&split);
    mem_free(histfile);
    exit(0);
}
