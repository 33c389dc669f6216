/* cli: ferrite-cli, a redis-cli 7.0 work-alike. This header is what the cli's modules share:
 * the options, the session (one connection plus the state redis-cli keeps about it), and
 * each mode's entry point. Reply parsing and formatting are in cli_reply and cli_format,
 * which know nothing of sessions. */
#ifndef FERRITE_CLI_H
#define FERRITE_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "cli_conn.h"
#include "cli_format.h"

/* Everything the command line sets. Strings point into argv or the environment, except
 * those marked owned. */
struct cli_config {
    const char *host;        /* -h; owned when it came from -u or `connect` */
    bool host_owned;         /* host must be freed */
    int port;                /* -p */
    const char *unix_path;   /* -s: overrides host and port */
    char *user;              /* --user, or from -u; owned */
    char *auth;              /* -a/--pass, -u or REDISCLI_AUTH; owned */
    int dbnum;               /* -n: the database to SELECT after connecting */
    bool resp3;              /* -3: HELLO 3 after connecting */
    long repeat;             /* -r: times to run the command (negative: forever) */
    long long interval_us;   /* -i, in microseconds */
    bool stdin_lastarg;      /* -x: the last argument is all of stdin */
    enum cli_output output;  /* --raw, --no-raw, --csv, or chosen by isatty(stdout) */
    const char *mb_delim;    /* -d: between items of a raw aggregate */
    const char *cmd_delim;   /* -D: after each raw reply */
    bool set_errcode;        /* -e: exit 1 when a command replies an error */
    bool no_auth_warning;    /* --no-auth-warning */
    bool pipe_mode;          /* --pipe */
    int pipe_timeout;        /* --pipe-timeout, seconds; 0 waits forever */
    const char *rdb_path;    /* --rdb; "-" is stdout */
    bool scan_mode;          /* --scan */
    const char *pattern;     /* --pattern, for --scan and --bigkeys */
    long scan_count;         /* --count: SCAN's COUNT hint, 0 for the server's default */
    bool stat_mode;          /* --stat */
    bool latency_mode;       /* --latency and --latency-history */
    bool latency_history;    /* --latency-history */
    bool bigkeys;            /* --bigkeys */
    bool memkeys;            /* --memkeys */
    long memkeys_samples;    /* --memkeys-samples */
};

/* One session: the connection and what redis-cli tracks about it. */
struct cli {
    struct cli_config cfg;
    struct cli_conn conn;        /* conn.fd < 0 when not connected */
    int dbnum;                   /* the database the connection is in */
    bool in_multi;               /* inside MULTI: the prompt says (TX) */
    int pre_multi_dbnum;         /* restored when the transaction is discarded */
    bool interactive;            /* the read-eval-print loop is running */
    bool pubsub_mode;            /* after SUBSCRIBE: print messages until Ctrl-C */
    bool monitor_mode;           /* after MONITOR: print every reply until Ctrl-C */
    bool shutdown;               /* SHUTDOWN sent: a closed connection is success */
    enum cli_reply_type last_type; /* the type of the last reply printed */
    char prompt[160];            /* "127.0.0.1:6379[2]> " */
};

/* Connects (again when force, or when not connected), then AUTH, SELECT and HELLO 3 as
 * configured. quiet suppresses the "Could not connect" line. 0 or -1. */
int cli_connect(struct cli *cli, bool force, bool quiet);
/* Rebuilds cli->prompt from the address, database and transaction state. */
void cli_refresh_prompt(struct cli *cli);
/* Runs one command `repeat` times, printing each reply as configured; reconnects first if
 * the connection was lost. 0, or -1 when the command could not be sent or read. */
int cli_issue(struct cli *cli, int argc, char **argv, size_t *lens, long repeat);
/* Prints "Error: <reason>" for a failed connection, as redis-cli does. */
void cli_print_conn_error(const struct cli *cli);

/* The interactive mode (also used when commands come on a non-tty stdin). Never returns. */
void cli_repl(struct cli *cli) __attribute__((noreturn));
/* `help`, `help <command>`, `help @<group>` from the server's COMMAND DOCS. */
void cli_help(struct cli *cli, int argc, char **argv);

/* The special modes; each exits the process when done. */
void cli_pipe_mode(struct cli *cli) __attribute__((noreturn));
void cli_rdb_mode(struct cli *cli) __attribute__((noreturn));
void cli_scan_mode(struct cli *cli) __attribute__((noreturn));
void cli_stat_mode(struct cli *cli) __attribute__((noreturn));
void cli_latency_mode(struct cli *cli) __attribute__((noreturn));
void cli_bigkeys_mode(struct cli *cli, bool memory) __attribute__((noreturn));

/* Set by SIGINT in the loops that stop cleanly when interrupted (--scan, --bigkeys). */
extern volatile int cli_interrupted;

#endif
