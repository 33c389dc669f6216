/* cli_modes: redis-cli's special modes, with its output: --scan, --stat, --latency,
 * --bigkeys/--memkeys here; --pipe and --rdb, which bypass the reply printing, in
 * cli_transfer.c. Each runs until done (or Ctrl-C) and exits. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../ev/ev.h"
#include "../util/mem.h"
#include "cli.h"

static void cli_on_sigint(int sig)
{
    (void)sig;
    cli_interrupted = 1;
}

/* Loops that run until Ctrl-C stop at the end of their step and report, as in redis-cli. */
static void cli_catch_sigint(void)
{
    struct sigaction sa = {.sa_handler = cli_on_sigint};
    sigaction(SIGINT, &sa, NULL);
}

/* Sends a command and returns its reply; a lost connection ends the process. */
static struct cli_reply *cli_must_call(struct cli *cli, int argc, const char *const *argv)
{
    struct cli_reply *reply = cli_conn_call(&cli->conn, argc, argv);
    if (!reply) {
        fprintf(stderr, "\nI/O error\n");
        exit(1);
    }
    return reply;
}

/* One SCAN step from *cursor (MATCH and COUNT as configured); the reply is checked to be
 * [cursor, [keys...]] and *cursor advanced. */
static struct cli_reply *cli_scan_step(struct cli *cli, unsigned long long *cursor)
{
    char cur[24], count[24];
    snprintf(cur, sizeof cur, "%llu", *cursor);
    snprintf(count, sizeof count, "%ld", cli->cfg.scan_count);
    const char *argv[6] = {"SCAN", cur};
    int argc = 2;
    if (cli->cfg.pattern) {
        argv[argc++] = "MATCH";
        argv[argc++] = cli->cfg.pattern;
    }
    if (cli->cfg.scan_count > 0) {
        argv[argc++] = "COUNT";
        argv[argc++] = count;
    }
    struct cli_reply *reply = cli_must_call(cli, argc, argv);
    if (reply->type == CLI_REPLY_ERROR) {
        fprintf(stderr, "Error: %s\n", reply->str);
        exit(1);
    }
    if (reply->type != CLI_REPLY_ARRAY || reply->count != 2 || !reply->elements[0]->str ||
        reply->elements[1]->type != CLI_REPLY_ARRAY) {
        fprintf(stderr, "Non ARRAY response from SCAN!\n");
        exit(1);
    }
    /* Keys are used as bulk strings from here on (printed, sent back to TYPE). */
    const struct cli_reply *keys = reply->elements[1];
    for (size_t i = 0; i < keys->count; i++) {
        if (keys->elements[i]->type != CLI_REPLY_STRING) {
            fprintf(stderr, "Non STRING key in SCAN reply!\n");
            exit(1);
        }
    }
    *cursor = strtoull(reply->elements[0]->str, NULL, 10);
    return reply;
}

void cli_scan_mode(struct cli *cli)
{
    cli_catch_sigint();
    unsigned long long cursor = 0;
    do {
        struct cli_reply *reply = cli_scan_step(cli, &cursor);
        const struct cli_reply *keys = reply->elements[1];
        for (size_t i = 0; i < keys->count; i++) {
            const struct cli_reply *k = keys->elements[i];
            if (cli->cfg.output == CLI_OUTPUT_STANDARD) {
                struct sbuf repr = SBUF_INIT;
                sbuf_catrepr(&repr, k->str, k->len);
                printf("%s\n", repr.data);
                sbuf_free(&repr);
            } else {
                printf("%s\n", k->str);
            }
        }
        cli_reply_free(reply);
        if (cli->cfg.interval_us)
            usleep((useconds_t)cli->cfg.interval_us);
    } while (!cli_interrupted && cursor != 0);
    exit(0);
}

/* The value of `field` in INFO text ("used_memory:123", or "db0:keys=5,..." with the key
 * part as field); LONG_MIN when absent. */
static long cli_info_long(const char *info, const char *field)
{
    const char *p = strstr(info, field);
    if (!p)
        return LONG_MIN;
    return strtol(p + strlen(field) + 1, NULL, 10);
}

/* Bytes as redis-cli shows them: 512B, 1.50K, 3.20M... */
static void cli_bytes_to_human(char *buf, size_t size, long long n)
{
    static const char units[] = "KMGTP";
    if (n < 0) {
        *buf++ = '-';
        size--;
        n = -n;
    }
    double d = (double)n;
    int u = -1;
    while (d >= 1024 && u < 4) {
        d /= 1024;
        u++;
    }
    if (u < 0)
        snprintf(buf, size, "%lldB", n);
    else
        snprintf(buf, size, "%.2f%c", d, units[u]);
}

void cli_stat_mode(struct cli *cli)
{
    long long interval = cli->cfg.interval_us ? cli->cfg.interval_us : 1000000;
    long requests = 0;
    for (int line = 0;; line++) {
        struct cli_reply *reply = cli_must_call(cli, 1, (const char *[]){"INFO"});
        if (reply->type == CLI_REPLY_ERROR || !reply->str) {
            fprintf(stderr, "ERROR: %s\n", reply->str ? reply->str : "unexpected reply");
            exit(1);
        }
        const char *info = reply->str;
        if (line % 20 == 0)
            printf("------- data ------ --------------------- load -------------------- "
                   "- child -\n"
                   "keys       mem      clients blocked requests            connections  "
                   "        \n");
        char buf[64], field[24];
        long keys = 0;
        for (int db = 0; db < 20; db++) {
            snprintf(field, sizeof field, "db%d:keys", db);
            long k = cli_info_long(info, field);
            if (k != LONG_MIN)
                keys += k;
        }
        snprintf(buf, sizeof buf, "%ld", keys);
        printf("%-11s", buf);
        cli_bytes_to_human(buf, sizeof buf, cli_info_long(info, "used_memory"));
        printf("%-8s", buf);
        snprintf(buf, sizeof buf, "%ld", cli_info_long(info, "connected_clients"));
        printf(" %-8s", buf);
        snprintf(buf, sizeof buf, "%ld", cli_info_long(info, "blocked_clients"));
        printf("%-8s", buf);
        long total = cli_info_long(info, "total_commands_processed");
        snprintf(buf, sizeof buf, "%ld (+%ld)", total, requests == 0 ? 0 : total - requests);
        printf("%-19s", buf);
        requests = total;
        snprintf(buf, sizeof buf, "%ld", cli_info_long(info, "total_connections_received"));
        printf(" %-12s", buf);
        long child = cli_info_long(info, "rdb_bgsave_in_progress") > 0 ? 1 : 0;
        child |= cli_info_long(info, "aof_rewrite_in_progress") > 0 ? 2 : 0;
        child |= cli_info_long(info, "loading") > 0 ? 4 : 0;
        static const char *const child_names[] = {"", "SAVE", "AOF", "SAVE+AOF", "LOAD"};
        printf("%s\n", child <= 4 ? child_names[child] : "");
        fflush(stdout);
        cli_reply_free(reply);
        usleep((useconds_t)interval);
    }
}

static void cli_latency_print(const struct cli *cli, long long min, long long max, double avg,
                              long long count)
{
    if (cli->cfg.output == CLI_OUTPUT_STANDARD) {
        printf("min: %lld, max: %lld, avg: %.2f (%lld samples)", min, max, avg, count);
        fflush(stdout);
    } else if (cli->cfg.output == CLI_OUTPUT_CSV) {
        printf("%lld,%lld,%.2f,%lld\n", min, max, avg, count);
    } else {
        printf("%lld %lld %.2f %lld\n", min, max, avg, count);
    }
}

#define CLI_LATENCY_SAMPLE_MS 10
#define CLI_LATENCY_HISTORY_MS 15000

void cli_latency_mode(struct cli *cli)
{
    long long history_ms = cli->cfg.interval_us ? cli->cfg.interval_us / 1000
                                                : CLI_LATENCY_HISTORY_MS;
    /* Not on a terminal, one report after this long (default 1 s). */
    long long report_ms = cli->cfg.interval_us ? cli->cfg.interval_us / 1000 : 1000;
    long long min = 0, max = 0, tot = 0, count = 0, history_start = ev_monotonic_ms();
    for (;;) {
        long long start = ev_monotonic_ms();
        struct cli_reply *reply = cli_must_call(cli, 1, (const char *[]){"PING"});
        cli_reply_free(reply);
        long long now = ev_monotonic_ms(), latency = now - start;
        count++;
        if (count == 1) {
            min = max = tot = latency;
        } else {
            min = latency < min ? latency : min;
            max = latency > max ? latency : max;
            tot += latency;
        }
        double avg = (double)tot / (double)count;
        if (cli->cfg.output == CLI_OUTPUT_STANDARD) {
            printf("\x1b[0G\x1b[2K"); /* rewrite the line in place */
            cli_latency_print(cli, min, max, avg, count);
        } else if (cli->cfg.latency_history) {
            cli_latency_print(cli, min, max, avg, count);
        } else if (now - history_start > report_ms) {
            cli_latency_print(cli, min, max, avg, count);
            exit(0);
        }
        if (cli->cfg.latency_history && now - history_start > history_ms) {
            printf(" -- %.2f seconds range\n", (double)(now - history_start) / 1000);
            history_start = now;
            min = max = tot = count = 0;
        }
        usleep(CLI_LATENCY_SAMPLE_MS * 1000);
    }
}

/* --bigkeys/--memkeys statistics for one type. */
struct cli_keytype {
    const char *name;      /* as TYPE names it */
    const char *size_cmd;  /* the command giving its size */
    const char *unit;      /* what the size counts */
    unsigned long long count;
    unsigned long long total;
    unsigned long long biggest;
    char *biggest_key;     /* owned; quoted as redis-cli prints it, NULL until one is seen */
};

/* Reads the next reply of a pipelined batch; a lost connection ends the process. */
static struct cli_reply *cli_must_read(struct cli *cli)
{
    struct cli_reply *reply = NULL;
    if (cli_conn_read_reply(&cli->conn, &reply) < 0) {
        fprintf(stderr, "\nI/O error\n");
        exit(1);
    }
    return reply;
}

/* The type of every key of one SCAN batch, in one round trip: types[i] is NULL for a key
 * gone since the SCAN, or of a type not sized. */
static void cli_bigkeys_types(struct cli *cli, const struct cli_reply *keys,
                              struct cli_keytype *table, size_t ntable,
                              struct cli_keytype **types)
{
    for (size_t i = 0; i < keys->count; i++)
        cli_conn_append(&cli->conn, 2, (char *[]){"TYPE", keys->elements[i]->str},
                        (size_t[]){4, keys->elements[i]->len});
    for (size_t i = 0; i < keys->count; i++) {
        struct cli_reply *t = cli_must_read(cli);
        types[i] = NULL;
        for (size_t j = 0; j < ntable && t->type == CLI_REPLY_STATUS; j++)
            if (!strcmp(t->str, table[j].name))
                types[i] = &table[j];
        cli_reply_free(t);
    }
}

/* The size of every typed key of one SCAN batch, in one round trip (0 when the size
 * command failed, as for a key whose type changed in between). */
static void cli_bigkeys_sizes(struct cli *cli, const struct cli_reply *keys,
                              struct cli_keytype *const *types, bool memory,
                              unsigned long long *sizes)
{
    char samples[24];
    snprintf(samples, sizeof samples, "%ld", cli->cfg.memkeys_samples);
    for (size_t i = 0; i < keys->count; i++) {
        if (!types[i])
            continue;
        char *key = keys->elements[i]->str;
        size_t klen = keys->elements[i]->len;
        if (!memory)
            cli_conn_append(&cli->conn, 2, (char *[]){(char *)types[i]->size_cmd, key},
                            (size_t[]){strlen(types[i]->size_cmd), klen});
        else if (cli->cfg.memkeys_samples)
            cli_conn_append(&cli->conn, 5, (char *[]){"MEMORY", "USAGE", key, "SAMPLES", samples},
                            (size_t[]){6, 5, klen, 7, strlen(samples)});
        else
            cli_conn_append(&cli->conn, 3, (char *[]){"MEMORY", "USAGE", key},
                            (size_t[]){6, 5, klen});
    }
    for (size_t i = 0; i < keys->count; i++) {
        sizes[i] = 0;
        if (!types[i])
            continue;
        struct cli_reply *sz = cli_must_read(cli);
        if (sz->type == CLI_REPLY_INTEGER)
            sizes[i] = (unsigned long long)sz->integer;
        cli_reply_free(sz);
    }
}

void cli_bigkeys_mode(struct cli *cli, bool memory)
{
    /* The order redis-cli's summary lists the types in (its type table's order). */
    struct cli_keytype types[] = {
        {"list", "LLEN", "items", 0, 0, 0, NULL},
        {"hash", "HLEN", "fields", 0, 0, 0, NULL},
        {"string", "STRLEN", "bytes", 0, 0, 0, NULL},
        {"stream", "XLEN", "entries", 0, 0, 0, NULL},
        {"set", "SCARD", "members", 0, 0, 0, NULL},
        {"zset", "ZCARD", "members", 0, 0, 0, NULL},
    };
    const size_t ntypes = sizeof types / sizeof types[0];
    cli_catch_sigint();
    struct cli_reply *dbsize = cli_must_call(cli, 1, (const char *[]){"DBSIZE"});
    unsigned long long total_keys = dbsize->type == CLI_REPLY_INTEGER ? (unsigned long long)dbsize->integer : 0;
    cli_reply_free(dbsize);
    printf("\n# Scanning the entire keyspace to find biggest keys as well as\n"
           "# average sizes per key type.  You can use -i 0.1 to sleep 0.1 sec\n"
           "# per 100 SCAN commands (not usually needed).\n\n");
    unsigned long long cursor = 0, sampled = 0, totlen = 0, loops = 0;
    double pct = 0;
    do {
        pct = total_keys ? 100 * (double)sampled / (double)total_keys : 0;
        struct cli_reply *reply = cli_scan_step(cli, &cursor);
        const struct cli_reply *keys = reply->elements[1];
        loops++;
        /* Each batch is two round trips, TYPE for all keys then sizes for all, as in
         * redis-cli: one per key would make a large keyspace take minutes. */
        struct cli_keytype **key_types = mem_alloc(sizeof *key_types * (keys->count + 1));
        unsigned long long *sizes = mem_alloc(sizeof *sizes * (keys->count + 1));
        cli_bigkeys_types(cli, keys, types, ntypes, key_types);
        cli_bigkeys_sizes(cli, keys, key_types, memory, sizes);
        for (size_t i = 0; i < keys->count; i++) {
            const struct cli_reply *k = keys->elements[i];
            struct cli_keytype *type = key_types[i];
            if (!type) /* gone between SCAN and TYPE, or a type we do not size */
                continue;
            unsigned long long size = sizes[i];
            type->total += size;
            type->count++;
            totlen += k->len;
            sampled++;
            if (type->biggest < size) {
                struct sbuf repr = SBUF_INIT;
                sbuf_catrepr(&repr, k->str, k->len);
                mem_free(type->biggest_key);
                type->biggest_key = repr.data;
                printf("[%05.2f%%] Biggest %-6s found so far '%s' with %llu %s\n", pct,
                       type->name, type->biggest_key, size, memory ? "bytes" : type->unit);
                type->biggest = size;
            }
            if (sampled % 1000000 == 0)
                printf("[%05.2f%%] Sampled %llu keys so far\n", pct, sampled);
        }
        mem_free(key_types);
        mem_free(sizes);
        cli_reply_free(reply);
        if (cli->cfg.interval_us && loops % 100 == 0)
            usleep((useconds_t)cli->cfg.interval_us);
    } while (!cli_interrupted && cursor != 0);
    printf("\n-------- summary -------\n\n");
    if (cli_interrupted)
        printf("[%05.2f%%] ", pct);
    printf("Sampled %llu keys in the keyspace!\n", sampled);
    printf("Total key length in bytes is %llu (avg len %.2f)\n\n", totlen,
           totlen ? (double)totlen / (double)sampled : 0);
    for (size_t j = 0; j < ntypes; j++)
        if (types[j].biggest_key)
            printf("Biggest %6s found '%s' has %llu %s\n", types[j].name, types[j].biggest_key,
                   types[j].biggest, memory ? "bytes" : types[j].unit);
    printf("\n");
    for (size_t j = 0; j < ntypes; j++) {
        printf("%llu %ss with %llu %s (%05.2f%% of keys, avg size %.2f)\n", types[j].count,
               types[j].name, types[j].total, memory ? "bytes" : types[j].unit,
               sampled ? 100 * (double)types[j].count / (double)sampled : 0,
               types[j].count ? (double)types[j].total / (double)types[j].count : 0);
        mem_free(types[j].biggest_key);
    }
    exit(0);
}
