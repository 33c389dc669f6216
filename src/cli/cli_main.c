/* ferrite-cli's entry point: redis-cli's command line, then the mode it selects. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../core/server.h"
#include "../util/mem.h"
#include "cli.h"

static void cli_usage(int code) __attribute__((noreturn));
static void cli_usage(int code)
{
    FILE *f = code ? stderr : stdout;
    fprintf(f,
"ferrite-cli %s\n"
"\n"
"Usage: ferrite-cli [OPTIONS] [cmd [arg [arg ...]]]\n"
"  -h <hostname>      Server hostname (default: 127.0.0.1).\n"
"  -p <port>          Server port (default: 6379).\n"
"  -s <socket>        Server socket (overrides hostname and port).\n"
"  -a <password>      Password to use when connecting to the server.\n"
"                     You can also use the REDISCLI_AUTH environment\n"
"                     variable to pass this password more safely\n"
"                     (if both are used, this argument takes precedence).\n"
"  --user <username>  Used to send ACL style 'AUTH username pass'. Needs -a.\n"
"  --pass <password>  Alias of -a for consistency with the new --user option.\n"
"  -u <uri>           Server URI: redis://[[user:]password@]host[:port][/db].\n"
"  -r <repeat>        Execute specified command N times.\n"
"  -i <interval>      When -r is used, waits <interval> seconds per command.\n"
"                     It is possible to specify sub-second times like -i 0.1.\n"
"                     This interval is also used in --scan and --stat per cycle.\n"
"  -n <db>            Database number.\n"
"  -2                 Start session in RESP2 protocol mode.\n"
"  -3                 Start session in RESP3 protocol mode.\n"
"  -x                 Read last argument from STDIN.\n"
"  -d <delimiter>     Delimiter between response bulks for raw formatting (default: \\n).\n"
"  -D <delimiter>     Delimiter between responses for raw formatting (default: \\n).\n"
"  -e                 Return exit error code when command execution fails.\n"
"  --raw              Use raw formatting for replies (default when STDOUT is\n"
"                     not a tty).\n"
"  --no-raw           Force formatted output even when STDOUT is not a tty.\n"
"  --csv              Output in CSV format.\n"
"  --stat             Print rolling stats about server: mem, clients, ...\n"
"  --latency          Enter a special mode continuously sampling latency.\n"
"                     If you use this mode in an interactive session it runs\n"
"                     forever displaying real-time stats. Otherwise if --raw or\n"
"                     --csv is specified, or if you redirect the output to a non\n"
"                     TTY, it samples the latency for 1 second (you can use\n"
"                     -i to change the interval), then produces a single output\n"
"                     and exits.\n"
"  --latency-history  Like --latency but tracking latency changes over time.\n"
"                     Default time interval is 15 sec. Change it using -i.\n"
"  --rdb <filename>   Transfer an RDB dump from remote server to local file.\n"
"                     Use filename of \"-\" to write to stdout.\n"
"  --pipe             Transfer raw Redis protocol from stdin to server.\n"
"  --pipe-timeout <n> In --pipe mode, abort with error if after sending all data.\n"
"                     no reply is received within <n> seconds.\n"
"                     Default timeout: 30. Use 0 to wait forever.\n"
"  --bigkeys          Sample Redis keys looking for keys with many elements (complexity).\n"
"  --memkeys          Sample Redis keys looking for keys consuming a lot of memory.\n"
"  --memkeys-samples <n> Sample Redis keys looking for keys consuming a lot of memory.\n"
"                     And define number of key elements to sample\n"
"  --scan             List all keys using the SCAN command.\n"
"  --pattern <pat>    Keys pattern when using the --scan or --bigkeys\n"
"                     options (default: *).\n"
"  --count <count>    COUNT hint for each SCAN call in --scan mode.\n"
"  --no-auth-warning  Don't show warning message when using password on command\n"
"                     line interface.\n"
"  --help             Output this help and exit.\n"
"  --version          Output version and exit.\n"
"\n"
"Examples:\n"
"  cat /etc/passwd | ferrite-cli -x set mypasswd\n"
"  ferrite-cli -r 100 lpush mylist x\n"
"  ferrite-cli -r 100 -i 1 info | grep used_memory_human:\n"
"  ferrite-cli --scan --pattern '*:12345*'\n"
"\n"
"When no command is given, ferrite-cli starts in interactive mode.\n"
"Type \"help\" in interactive mode for information on available commands.\n"
"\n",
            FERRITE_OWN_VERSION);
    exit(code);
}

/* URL percent-decoding for the user and password of -u; exits on a malformed escape. */
static char *cli_percent_decode(const char *s, size_t len)
{
    struct sbuf out = SBUF_INIT;
    sbuf_catlen(&out, "", 0);
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '%') {
            sbuf_catlen(&out, s + i, 1);
            continue;
        }
        if (len - i < 3) {
            fprintf(stderr, "Incomplete URI encoding\n");
            exit(1);
        }
        char hex[3] = {s[i + 1], s[i + 2], '\0'};
        if (!isxdigit((unsigned char)hex[0]) || !isxdigit((unsigned char)hex[1])) {
            fprintf(stderr, "Illegal character in URI encoding\n");
            exit(1);
        }
        char c = (char)strtol(hex, NULL, 16);
        sbuf_catlen(&out, &c, 1);
        i += 2;
    }
    return out.data;
}

/* -u redis://[[user:]password@][host][:port][/db] */
static void cli_parse_uri(struct cli_config *cfg, const char *uri)
{
    const char *scheme = "redis://";
    if (strncasecmp(uri, scheme, strlen(scheme)) != 0) {
        fprintf(stderr, "Invalid URI scheme\n");
        exit(1);
    }
    const char *cur = uri + strlen(scheme);
    const char *end = cur + strlen(cur);
    const char *at = strchr(cur, '@');
    if (at) {
        const char *colon = strchr(cur, ':');
        if (colon && colon < at) {
            mem_free(cfg->user);
            cfg->user = cli_percent_decode(cur, (size_t)(colon - cur));
            cur = colon + 1;
        }
        mem_free(cfg->auth);
        cfg->auth = cli_percent_decode(cur, (size_t)(at - cur));
        cur = at + 1;
    }
    const char *slash = strchr(cur, '/');
    const char *host_end = slash ? slash : end;
    if (cur < host_end) {
        const char *colon = memchr(cur, ':', (size_t)(host_end - cur));
        if (colon) {
            cfg->port = atoi(colon + 1);
            host_end = colon;
        }
        if (cfg->host_owned)
            mem_free((char *)cfg->host);
        cfg->host = mem_strndup(cur, (size_t)(host_end - cur));
        cfg->host_owned = true;
    }
    if (slash && slash[1])
        cfg->dbnum = atoi(slash + 1);
}

/* Parses the options; returns the index of the first command word. */
static int cli_parse_options(struct cli_config *cfg, int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
#define OPT(name) (!strcmp(a, name))
#define OPT_VALUE(name) (OPT(name) && has_value)
        if (OPT_VALUE("-h")) {
            if (cfg->host_owned)
                mem_free((char *)cfg->host);
            cfg->host = argv[++i];
            cfg->host_owned = false;
        } else if (OPT("-h") || OPT("--help")) {
            cli_usage(0);
        } else if (OPT("-x")) {
            cfg->stdin_lastarg = true;
        } else if (OPT_VALUE("-p")) {
            cfg->port = atoi(argv[++i]);
            if (cfg->port < 0 || cfg->port > 65535) {
                fprintf(stderr, "Invalid server port.\n");
                exit(1);
            }
        } else if (OPT_VALUE("-s")) {
            cfg->unix_path = argv[++i];
        } else if (OPT_VALUE("-r")) {
            cfg->repeat = strtol(argv[++i], NULL, 10);
        } else if (OPT_VALUE("-i")) {
            cfg->interval_us = (long long)(atof(argv[++i]) * 1000000);
        } else if (OPT_VALUE("-n")) {
            cfg->dbnum = atoi(argv[++i]);
        } else if (OPT("--no-auth-warning")) {
            cfg->no_auth_warning = true;
        } else if (OPT_VALUE("-a") || OPT_VALUE("--pass")) {
            mem_free(cfg->auth);
            cfg->auth = mem_strdup(argv[++i]);
        } else if (OPT_VALUE("--user")) {
            mem_free(cfg->user);
            cfg->user = mem_strdup(argv[++i]);
        } else if (OPT_VALUE("-u")) {
            cli_parse_uri(cfg, argv[++i]);
        } else if (OPT("--raw")) {
            cfg->output = CLI_OUTPUT_RAW;
        } else if (OPT("--no-raw")) {
            cfg->output = CLI_OUTPUT_STANDARD;
        } else if (OPT("--csv")) {
            cfg->output = CLI_OUTPUT_CSV;
        } else if (OPT("--latency")) {
            cfg->latency_mode = true;
        } else if (OPT("--latency-history")) {
            cfg->latency_mode = true;
            cfg->latency_history = true;
        } else if (OPT("--stat")) {
            cfg->stat_mode = true;
        } else if (OPT("--scan")) {
            cfg->scan_mode = true;
        } else if (OPT_VALUE("--pattern")) {
            cfg->pattern = argv[++i];
        } else if (OPT_VALUE("--count")) {
            cfg->scan_count = strtol(argv[++i], NULL, 10);
        } else if (OPT_VALUE("--rdb")) {
            cfg->rdb_path = argv[++i];
        } else if (OPT("--pipe")) {
            cfg->pipe_mode = true;
        } else if (OPT_VALUE("--pipe-timeout")) {
            cfg->pipe_timeout = atoi(argv[++i]);
        } else if (OPT("--bigkeys")) {
            cfg->bigkeys = true;
        } else if (OPT("--memkeys")) {
            cfg->memkeys = true;
            cfg->memkeys_samples = 0;
        } else if (OPT_VALUE("--memkeys-samples")) {
            cfg->memkeys = true;
            cfg->memkeys_samples = strtol(argv[++i], NULL, 10);
        } else if (OPT_VALUE("-d")) {
            cfg->mb_delim = argv[++i];
        } else if (OPT_VALUE("-D")) {
            cfg->cmd_delim = argv[++i];
        } else if (OPT("-e")) {
            cfg->set_errcode = true;
        } else if (OPT("-v") || OPT("--version")) {
            printf("ferrite-cli %s\n", FERRITE_OWN_VERSION);
            exit(0);
        } else if (OPT("-2")) {
            cfg->resp3 = false;
        } else if (OPT("-3")) {
            cfg->resp3 = true;
        } else if (a[0] == '-') {
            fprintf(stderr, "Unrecognized option or bad number of args for: '%s'\n", a);
            exit(1);
        } else {
            break; /* the command */
        }
#undef OPT
#undef OPT_VALUE
    }
    if (!cfg->no_auth_warning && cfg->auth)
        fputs("Warning: Using a password with '-a' or '-u' option on the command line "
              "interface may not be safe.\n", stderr);
    return i;
}

/* -x: all of stdin, as is, becomes one more argument. The caller owns the bytes. */
static char *cli_read_stdin(size_t *len)
{
    struct sbuf in = SBUF_INIT;
    char buf[16384];
    size_t n;
    sbuf_catlen(&in, "", 0);
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
        sbuf_catlen(&in, buf, n);
    *len = in.len;
    return in.data;
}

/* A command given on the command line; the process's exit code. */
static int cli_noninteractive(struct cli *cli, int argc, char **argv)
{
    int n = argc + (cli->cfg.stdin_lastarg ? 1 : 0);
    char **args = mem_alloc(sizeof *args * (size_t)n);
    size_t *lens = mem_alloc(sizeof *lens * (size_t)n);
    for (int i = 0; i < argc; i++) {
        args[i] = argv[i];
        lens[i] = strlen(argv[i]);
    }
    char *last = NULL;
    if (cli->cfg.stdin_lastarg) {
        last = cli_read_stdin(&lens[argc]);
        args[argc] = last;
    }
    int rc = cli_issue(cli, n, args, lens, cli->cfg.repeat);
    mem_free(last);
    mem_free(args);
    mem_free(lens);
    return rc == 0 ? 0 : 1;
}

static void cli_config_free(struct cli_config *cfg)
{
    if (cfg->host_owned)
        mem_free((char *)cfg->host);
    mem_free(cfg->user);
    mem_free(cfg->auth);
}

int main(int argc, char **argv)
{
    static struct cli cli;
    struct cli_config *cfg = &cli.cfg;
    cfg->host = "127.0.0.1";
    cfg->port = 6379;
    cfg->repeat = 1;
    cfg->mb_delim = "\n";
    cfg->cmd_delim = "\n";
    cfg->pipe_timeout = 30;
    /* Like redis-cli: formatted for a terminal, raw for a pipe (FAKETTY says "terminal"). */
    cfg->output = isatty(STDOUT_FILENO) || getenv("FAKETTY") ? CLI_OUTPUT_STANDARD
                                                              : CLI_OUTPUT_RAW;
    cli_conn_init(&cli.conn);
    int first = cli_parse_options(cfg, argc, argv);
    argc -= first;
    argv += first;
    const char *env_auth = getenv("REDISCLI_AUTH");
    if (!cfg->auth && env_auth)
        cfg->auth = mem_strdup(env_auth);
    /* Every mode but the interactive one needs the connection to start. */
    bool special = cfg->latency_mode || cfg->rdb_path || cfg->pipe_mode || cfg->bigkeys ||
                   cfg->memkeys || cfg->stat_mode || cfg->scan_mode || argc > 0;
    if (!special) {
        cli_connect(&cli, false, false);
        cli_repl(&cli);
    }
    if (cli_connect(&cli, false, false) < 0)
        exit(1);
    if (cfg->latency_mode)
        cli_latency_mode(&cli);
    if (cfg->rdb_path)
        cli_rdb_mode(&cli);
    if (cfg->pipe_mode)
        cli_pipe_mode(&cli);
    if (cfg->bigkeys || cfg->memkeys)
        cli_bigkeys_mode(&cli, cfg->memkeys);
    if (cfg->stat_mode)
        cli_stat_mode(&cli);
    if (cfg->scan_mode)
        cli_scan_mode(&cli);
    int rc = cli_noninteractive(&cli, argc, argv);
    cli_conn_close(&cli.conn);
    cli_config_free(cfg);
    return rc;
}
