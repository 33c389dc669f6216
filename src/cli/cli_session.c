/* cli_session: the connection's life (connect, AUTH, SELECT, HELLO 3, reconnect) and the
 * send-a-command-print-its-replies path every mode but --pipe and --rdb goes through. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"

volatile int cli_interrupted;

void cli_refresh_prompt(struct cli *cli)
{
    char addr[128];
    if (cli->cfg.unix_path)
        snprintf(addr, sizeof addr, "redis %s", cli->cfg.unix_path);
    else if (strchr(cli->cfg.host, ':'))
        snprintf(addr, sizeof addr, "[%s]:%d", cli->cfg.host, cli->cfg.port); /* IPv6 */
    else
        snprintf(addr, sizeof addr, "%s:%d", cli->cfg.host, cli->cfg.port);
    char db[24] = "";
    if (cli->dbnum != 0)
        snprintf(db, sizeof db, "[%d]", cli->dbnum);
    snprintf(cli->prompt, sizeof cli->prompt, "%s%s%s> ", addr, db,
             cli->in_multi ? "(TX)" : "");
}

void cli_print_conn_error(const struct cli *cli)
{
    fprintf(stderr, "Error: %s\n", cli->conn.errstr);
}

/* Sends a set-up command and reports an error reply as redis-cli does ("<what> failed:").
 * Returns the reply's type, or -1 on a connection error. */
static int cli_setup_call(struct cli *cli, int argc, const char *const *argv, const char *what)
{
    struct cli_reply *reply = cli_conn_call(&cli->conn, argc, argv);
    if (!reply) {
        fprintf(stderr, "\nI/O error\n");
        return -1;
    }
    int type = (int)reply->type;
    if (reply->type == CLI_REPLY_ERROR)
        fprintf(stderr, "%s failed: %s\n", what, reply->str);
    cli_reply_free(reply);
    return type;
}

int cli_connect(struct cli *cli, bool force, bool quiet)
{
    if (cli->conn.fd >= 0 && !force)
        return 0;
    const struct cli_config *cfg = &cli->cfg;
    if (cli_conn_open(&cli->conn, cfg->host, cfg->port, cfg->unix_path) < 0) {
        if (!quiet) {
            if (cfg->unix_path)
                fprintf(stderr, "Could not connect to Redis at %s: %s\n", cfg->unix_path,
                        cli->conn.errstr);
            else
                fprintf(stderr, "Could not connect to Redis at %s:%d: %s\n", cfg->host,
                        cfg->port, cli->conn.errstr);
        }
        cli_conn_close(&cli->conn);
        return -1;
    }
    cli->dbnum = 0;
    cli->in_multi = false;
    /* A refused AUTH, SELECT or HELLO is only reported: redis-cli 7.0 goes on, and the
     * command then gets the server's own error (NOAUTH...), which says more. */
    if (cfg->auth) {
        const char *with_user[] = {"AUTH", cfg->user, cfg->auth};
        const char *plain[] = {"AUTH", cfg->auth};
        if (cli_setup_call(cli, cfg->user ? 3 : 2, cfg->user ? with_user : plain, "AUTH") < 0)
            return -1;
    }
    if (cfg->dbnum != 0) {
        char db[24], what[40];
        snprintf(db, sizeof db, "%d", cfg->dbnum);
        snprintf(what, sizeof what, "SELECT %d", cfg->dbnum);
        int type = cli_setup_call(cli, 2, (const char *[]){"SELECT", db}, what);
        if (type < 0)
            return -1;
        if (type != CLI_REPLY_ERROR)
            cli->dbnum = cfg->dbnum;
    }
    if (cfg->resp3 && cli_setup_call(cli, 2, (const char *[]){"HELLO", "3"}, "HELLO 3") < 0)
        return -1;
    cli_refresh_prompt(cli);
    return 0;
}

/* Commands whose reply is text for people (INFO, CLIENT LIST...): redis-cli prints it as is
 * even in the formatted mode. */
static bool cli_wants_raw_strings(int argc, char **argv)
{
    const char *c = argv[0];
    const char *sub = argc >= 2 ? argv[1] : "";
    return !strcasecmp(c, "info") || !strcasecmp(c, "lolwut") ||
           (argc >= 2 && !strcasecmp(c, "debug") &&
            (!strcasecmp(sub, "htstats") || !strcasecmp(sub, "htstats-key") ||
             !strcasecmp(sub, "client-eviction"))) ||
           (argc >= 2 && !strcasecmp(c, "memory") &&
            (!strcasecmp(sub, "malloc-stats") || !strcasecmp(sub, "doctor"))) ||
           (argc == 2 && !strcasecmp(c, "cluster") &&
            (!strcasecmp(sub, "nodes") || !strcasecmp(sub, "info"))) ||
           (argc >= 2 && !strcasecmp(c, "client") &&
            (!strcasecmp(sub, "list") || !strcasecmp(sub, "info"))) ||
           (argc == 3 && !strcasecmp(c, "latency") && !strcasecmp(sub, "graph")) ||
           (argc == 2 && !strcasecmp(c, "latency") && !strcasecmp(sub, "doctor"));
}

/* Reads and prints one reply. -1 when the connection failed in a way the interactive loop
 * recovers from (the server went away); other failures, and an error reply under -e, end
 * the process, as in redis-cli. */
static int cli_read_and_print(struct cli *cli, bool raw_strings)
{
    struct cli_reply *reply = NULL;
    if (cli_conn_read_reply(&cli->conn, &reply) < 0) {
        if (cli->shutdown) {
            cli_conn_close(&cli->conn);
            return 0;
        }
        enum cli_conn_error err = cli->conn.err;
        int e = cli->conn.errno_saved;
        if (cli->interactive && (err == CLI_CONN_ERR_EOF ||
                                 (err == CLI_CONN_ERR_IO && (e == ECONNRESET || e == EPIPE))))
            return -1;
        cli_print_conn_error(cli);
        exit(1);
    }
    cli->last_type = reply->type;
    /* -e: an error reply ends the process with exit code 1, the message on stderr. */
    if (reply->type == CLI_REPLY_ERROR && cli->cfg.set_errcode) {
        fprintf(stderr, "%s\n", reply->str);
        exit(1);
    }
    struct sbuf out = SBUF_INIT;
    cli_format_reply(&out, reply, cli->cfg.output, raw_strings, cli->cfg.mb_delim,
                     cli->cfg.cmd_delim);
    fwrite(out.data ? out.data : "", 1, out.len, stdout);
    fflush(stdout);
    sbuf_free(&out);
    cli_reply_free(reply);
    return 0;
}

/* Keeps redis-cli's view of the session in step with what a command just did. */
static void cli_track_state(struct cli *cli, int argc, char **argv)
{
    const char *c = argv[0];
    bool ok = cli->last_type != CLI_REPLY_ERROR;
    if (!strcasecmp(c, "select") && argc == 2 && ok) {
        cli->cfg.dbnum = cli->dbnum = atoi(argv[1]);
    } else if (!strcasecmp(c, "multi") && argc == 1 && ok) {
        cli->in_multi = true;
        cli->pre_multi_dbnum = cli->dbnum;
    } else if (!strcasecmp(c, "exec") && argc == 1 && cli->in_multi) {
        cli->in_multi = false;
        /* A failed transaction never ran its SELECT. */
        if (cli->last_type == CLI_REPLY_ERROR || cli->last_type == CLI_REPLY_NIL)
            cli->cfg.dbnum = cli->dbnum = cli->pre_multi_dbnum;
    } else if (!strcasecmp(c, "discard") && argc == 1 && ok) {
        cli->in_multi = false;
        cli->cfg.dbnum = cli->dbnum = cli->pre_multi_dbnum;
    } else if (!strcasecmp(c, "reset") && argc == 1 && ok) {
        cli->in_multi = false;
        cli->cfg.dbnum = cli->dbnum = 0;
        cli->cfg.resp3 = false;
    } else {
        return;
    }
    cli_refresh_prompt(cli);
}

/* Prints replies until the connection ends or Ctrl-C: the pub/sub and MONITOR streams. */
static void cli_stream_replies(struct cli *cli, bool raw_strings, bool *mode)
{
    while (*mode) {
        if (cli_read_and_print(cli, raw_strings) == -1) {
            cli_print_conn_error(cli);
            exit(1);
        }
        /* An error (MONITOR refused, SUBSCRIBE in a transaction) ends the stream. */
        if (cli->last_type == CLI_REPLY_ERROR)
            *mode = false;
    }
}

static int cli_send_command(struct cli *cli, int argc, char **argv, size_t *lens, long repeat)
{
    if (cli->conn.fd < 0)
        return -1;
    const char *c = argv[0];
    bool raw_strings = cli_wants_raw_strings(argc, argv);
    if (!strcasecmp(c, "shutdown"))
        cli->shutdown = true;
    if (!strcasecmp(c, "monitor"))
        cli->monitor_mode = true;
    if (!strcasecmp(c, "subscribe") || !strcasecmp(c, "psubscribe") ||
        !strcasecmp(c, "ssubscribe"))
        cli->pubsub_mode = true;
    /* A negative repeat count runs forever (with -i, a poor man's watch). */
    while (repeat < 0 || repeat-- > 0) {
        cli_conn_append(&cli->conn, argc, argv, lens);
        if (cli->monitor_mode) {
            cli_stream_replies(cli, raw_strings, &cli->monitor_mode);
            return 0;
        }
        if (cli->pubsub_mode) {
            if (cli->cfg.output != CLI_OUTPUT_RAW)
                printf("Reading messages... (press Ctrl-C to quit)\n");
            cli_stream_replies(cli, raw_strings, &cli->pubsub_mode);
            continue;
        }
        if (cli_read_and_print(cli, raw_strings) < 0)
            return -1;
        cli_track_state(cli, argc, argv);
        if (cli->cfg.interval_us)
            usleep((useconds_t)cli->cfg.interval_us);
        fflush(stdout);
    }
    return 0;
}

int cli_issue(struct cli *cli, int argc, char **argv, size_t *lens, long repeat)
{
    /* help needs no connection: it answers from what was fetched at start. */
    if (!strcasecmp(argv[0], "help") || !strcasecmp(argv[0], "?")) {
        cli_help(cli, argc - 1, argv + 1);
        return 0;
    }
    if (cli->conn.fd < 0 || cli->conn.err == CLI_CONN_ERR_IO ||
        cli->conn.err == CLI_CONN_ERR_EOF) {
        if (cli_connect(cli, true, false) < 0)
            return -1;
    }
    if (cli_send_command(cli, argc, argv, lens, repeat) < 0) {
        cli_print_conn_error(cli);
        cli_conn_close(&cli->conn);
        return -1;
    }
    return 0;
}
