/* INFO: the sections and field names of Redis 7.0, which monitoring tools parse. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../cmd/cmd.h"
#include "../db/db.h"
#include "../ev/ev.h"
#include "../persist/aof.h"
#include "../persist/snapshot.h"
#include "../proto/reply.h"
#include "../repl/repl.h"
#include "../util/mem.h"
#include "../util/sbuf.h"
#include "blocking.h"
#include "child.h"
#include "config.h"
#include "pubsub.h"
#include "server.h"

static void info_human_bytes(char *buf, size_t len, long long n)
{
    static const char units[] = "KMGTPE";
    if (n < 1024) {
        snprintf(buf, len, "%lldB", n);
        return;
    }
    double d = (double)n;
    int u = -1;
    while (d >= 1024 && u < 5) {
        d /= 1024;
        u++;
    }
    snprintf(buf, len, "%.2f%c", d, units[u]);
}

static const char *info_policy_name(int policy)
{
    static const char *const names[] = {
        "noeviction", "allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu",
        "allkeys-random", "volatile-random", "volatile-ttl",
    };
    return names[policy];
}

static void info_server(struct sbuf *o)
{
    struct utsname uts;
    uname(&uts);
    long long now_us = server_unix_us();
    long long uptime = (now_us / 1000 - srv.start_ms) / 1000;
    sbuf_catfmt(o,
                "# Server\r\n"
                "redis_version:%s\r\n"
                "ferrite_version:%s\r\n"
                "redis_git_sha1:00000000\r\n"
                "redis_git_dirty:0\r\n"
                "redis_build_id:0\r\n"
                "redis_mode:standalone\r\n"
                "os:%s %s %s\r\n"
                "arch_bits:%d\r\n"
                "monotonic_clock:POSIX clock_gettime\r\n"
                "multiplexing_api:%s\r\n"
                "atomicvar_api:c11-builtin\r\n"
                "gcc_version:%d.%d.%d\r\n"
                "process_id:%d\r\n"
                "process_supervised:no\r\n"
                "run_id:%s\r\n"
                "tcp_port:%d\r\n"
                "server_time_usec:%lld\r\n"
                "uptime_in_seconds:%lld\r\n"
                "uptime_in_days:%lld\r\n"
                "hz:%d\r\n"
                "configured_hz:%d\r\n"
                "lru_clock:%u\r\n"
                "executable:%s\r\n"
                "config_file:%s\r\n"
                "io_threads_active:0\r\n",
                FERRITE_VERSION, FERRITE_OWN_VERSION, uts.sysname, uts.release, uts.machine,
                (int)(sizeof(long) * 8), ev_backend_name(srv.loop), __GNUC__, __GNUC_MINOR__,
                __GNUC_PATCHLEVEL__, (int)getpid(), srv.run_id, srv.cfg.port, now_us, uptime,
                uptime / 86400, srv.cfg.hz, srv.cfg.hz, srv.lru_clock,
                srv.executable ? srv.executable : "", srv.config_file ? srv.config_file : "");
}

static void info_clients(struct sbuf *o)
{
    size_t max_in = 0, max_out = 0;
    for (struct client *c = srv.clients; c; c = c->next) {
        if (c->qcap > max_in)
            max_in = c->qcap;
        if (c->out.bytes > max_out)
            max_out = c->out.bytes;
    }
    sbuf_catfmt(o,
                "# Clients\r\n"
                "connected_clients:%zu\r\n"
                "cluster_connections:0\r\n"
                "maxclients:%d\r\n"
                "client_recent_max_input_buffer:%zu\r\n"
                "client_recent_max_output_buffer:%zu\r\n"
                "blocked_clients:%zu\r\n"
                "tracking_clients:0\r\n"
                "clients_in_timeout_table:0\r\n",
                srv.nclients, srv.cfg.maxclients, max_in, max_out, blocking_count());
}

static void info_memory(struct sbuf *o)
{
    long long used = (long long)mem_used(), rss = (long long)mem_rss();
    long long peak = srv.stat_peak_memory > used ? srv.stat_peak_memory : used;
    long long sysmem = (long long)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
    char h_used[32], h_rss[32], h_peak[32], h_sys[32], h_max[32];
    info_human_bytes(h_used, sizeof h_used, used);
    info_human_bytes(h_rss, sizeof h_rss, rss);
    info_human_bytes(h_peak, sizeof h_peak, peak);
    info_human_bytes(h_sys, sizeof h_sys, sysmem);
    info_human_bytes(h_max, sizeof h_max, srv.cfg.maxmemory);
    sbuf_catfmt(o,
                "# Memory\r\n"
                "used_memory:%lld\r\n"
                "used_memory_human:%s\r\n"
                "used_memory_rss:%lld\r\n"
                "used_memory_rss_human:%s\r\n"
                "used_memory_peak:%lld\r\n"
                "used_memory_peak_human:%s\r\n"
                "used_memory_peak_perc:%.2f%%\r\n"
                "total_system_memory:%lld\r\n"
                "total_system_memory_human:%s\r\n"
                "maxmemory:%lld\r\n"
                "maxmemory_human:%s\r\n"
                "maxmemory_policy:%s\r\n"
                "mem_fragmentation_ratio:%.2f\r\n"
                "mem_allocator:%s\r\n"
                "lazyfree_pending_objects:0\r\n",
                used, h_used, rss, h_rss, peak, h_peak, peak ? 100.0 * used / peak : 0.0,
                sysmem, h_sys, srv.cfg.maxmemory, h_max, info_policy_name(srv.cfg.maxmemory_policy),
                used ? (double)rss / used : 0.0, mem_allocator_name());
}

static void info_persistence(struct sbuf *o)
{
    sbuf_catfmt(o,
                "# Persistence\r\n"
                "loading:0\r\n"
                "async_loading:0\r\n"
                "current_cow_peak:0\r\n"
                "current_cow_size:0\r\n"
                "current_fork_perc:0.00\r\n"
                "current_save_keys_processed:0\r\n"
                "current_save_keys_total:0\r\n"
                "rdb_changes_since_last_save:%lld\r\n"
                "rdb_bgsave_in_progress:%d\r\n"
                "rdb_last_save_time:%lld\r\n"
                "rdb_last_bgsave_status:%s\r\n"
                "rdb_last_bgsave_time_sec:%lld\r\n"
                "rdb_current_bgsave_time_sec:%lld\r\n"
                "rdb_saves:%lld\r\n"
                "rdb_last_cow_size:0\r\n",
                srv.dirty, snapshot_child_active(), srv.last_save,
                srv.last_bgsave_failed ? "err" : "ok", srv.last_bgsave_secs,
                snapshot_child_active() ? (server_unix_ms() - child_start_ms()) / 1000 : -1,
                srv.rdb_saves);
    aof_info(o);
}

static long long info_avg_samples(const long long *samples)
{
    long long sum = 0;
    for (int i = 0; i < 16; i++)
        sum += samples[i];
    return sum / 16;
}

static void info_stats(struct sbuf *o)
{
    const struct server_stats *s = &srv.stats;
    sbuf_catfmt(o,
                "# Stats\r\n"
                "total_connections_received:%lld\r\n"
                "total_commands_processed:%lld\r\n"
                "instantaneous_ops_per_sec:%lld\r\n"
                "total_net_input_bytes:%lld\r\n"
                "total_net_output_bytes:%lld\r\n"
                "instantaneous_input_kbps:%.2f\r\n"
                "instantaneous_output_kbps:%.2f\r\n"
                "rejected_connections:%lld\r\n"
                "sync_full:%lld\r\n"
                "sync_partial_ok:%lld\r\n"
                "sync_partial_err:%lld\r\n"
                "expired_keys:%lld\r\n"
                "expired_stale_perc:0.00\r\n"
                "expired_time_cap_reached_count:0\r\n"
                "evicted_keys:%lld\r\n"
                "evicted_clients:0\r\n"
                "keyspace_hits:%lld\r\n"
                "keyspace_misses:%lld\r\n"
                "pubsub_channels:%zu\r\n"
                "pubsub_patterns:%zu\r\n"
                "latest_fork_usec:0\r\n"
                "total_forks:0\r\n"
                "migrate_cached_sockets:0\r\n"
                "slave_expires_tracked_keys:0\r\n"
                "active_defrag_hits:0\r\n"
                "active_defrag_misses:0\r\n"
                "active_defrag_key_hits:0\r\n"
                "active_defrag_key_misses:0\r\n"
                "tracking_total_keys:0\r\n"
                "tracking_total_items:0\r\n"
                "tracking_total_prefixes:0\r\n"
                "unexpected_error_replies:%lld\r\n"
                "total_error_replies:%lld\r\n"
                "dump_payload_sanitizations:0\r\n"
                "total_reads_processed:%lld\r\n"
                "total_writes_processed:%lld\r\n"
                "io_threaded_reads_processed:0\r\n"
                "io_threaded_writes_processed:0\r\n"
                "client_query_buffer_limit_disconnections:%lld\r\n"
                "client_output_buffer_limit_disconnections:%lld\r\n",
                s->connections_received, s->commands_processed, info_avg_samples(s->ops_samples),
                s->net_input_bytes, s->net_output_bytes,
                info_avg_samples(s->input_samples) / 1024.0,
                info_avg_samples(s->output_samples) / 1024.0, s->rejected_connections,
                s->sync_full, s->sync_partial_ok, s->sync_partial_err, s->expired_keys, s->evicted_keys, s->keyspace_hits, s->keyspace_misses,
                pubsub_channel_count(), pubsub_pattern_count(), s->unexpected_error_replies, s->total_error_replies, s->io_reads_processed,
                s->io_writes_processed, s->client_qbuf_limit_disconnections,
                s->client_outbuf_limit_disconnections);
}

static void info_cpu(struct sbuf *o)
{
    struct rusage self, children;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    sbuf_catfmt(o,
                "# CPU\r\n"
                "used_cpu_sys:%ld.%06ld\r\n"
                "used_cpu_user:%ld.%06ld\r\n"
                "used_cpu_sys_children:%ld.%06ld\r\n"
                "used_cpu_user_children:%ld.%06ld\r\n",
                (long)self.ru_stime.tv_sec, (long)self.ru_stime.tv_usec,
                (long)self.ru_utime.tv_sec, (long)self.ru_utime.tv_usec,
                (long)children.ru_stime.tv_sec, (long)children.ru_stime.tv_usec,
                (long)children.ru_utime.tv_sec, (long)children.ru_utime.tv_usec);
}

static void info_commandstat(struct cmd *cmd, void *arg)
{
    struct sbuf *o = arg;
    if (cmd->calls == 0 && cmd->rejected_calls == 0 && cmd->failed_calls == 0)
        return;
    sbuf_catfmt(o, "cmdstat_%s:calls=%lld,usec=%lld,usec_per_call=%.2f,rejected_calls=%lld,"
                   "failed_calls=%lld\r\n",
                cmd->fullname, cmd->calls, cmd->usec,
                cmd->calls ? (double)cmd->usec / cmd->calls : 0.0, cmd->rejected_calls,
                cmd->failed_calls);
}

static void info_commandstats(struct sbuf *o)
{
    sbuf_cat(o, "# Commandstats\r\n");
    cmd_foreach(info_commandstat, o);
}

static void info_errorstats(struct sbuf *o)
{
    sbuf_cat(o, "# Errorstats\r\n");
    for (int i = 0; i < srv.nerrors; i++)
        sbuf_catfmt(o, "errorstat_%s:count=%lld\r\n", srv.errors[i].code, srv.errors[i].count);
}

static void info_keyspace(struct sbuf *o)
{
    sbuf_cat(o, "# Keyspace\r\n");
    for (int i = 0; i < srv.cfg.databases; i++) {
        struct db *db = &srv.dbs[i];
        if (db_size(db) == 0)
            continue;
        sbuf_catfmt(o, "db%d:keys=%zu,expires=%zu,avg_ttl=%lld\r\n", i, db_size(db),
                    db->nvolatile, db->avg_ttl);
    }
}

static void info_modules(struct sbuf *o)
{
    sbuf_cat(o, "# Modules\r\n");
}

static void info_cluster(struct sbuf *o)
{
    sbuf_cat(o, "# Cluster\r\ncluster_enabled:0\r\n");
}

static const struct {
    const char *name;
    void (*fn)(struct sbuf *);
    bool in_default;
} info_sections[] = {
    {"server", info_server, true},
    {"clients", info_clients, true},
    {"memory", info_memory, true},
    {"persistence", info_persistence, true},
    {"stats", info_stats, true},
    {"replication", repl_info, true},
    {"cpu", info_cpu, true},
    {"modules", info_modules, true},
    {"commandstats", info_commandstats, false},
    {"errorstats", info_errorstats, true},
    {"cluster", info_cluster, true},
    {"keyspace", info_keyspace, true},
};
#define INFO_NSECTIONS (sizeof info_sections / sizeof info_sections[0])

void cmd_info(struct client *c)
{
    bool want[INFO_NSECTIONS] = {false};
    if (c->argc == 1) {
        for (size_t i = 0; i < INFO_NSECTIONS; i++)
            want[i] = info_sections[i].in_default;
    }
    for (int a = 1; a < c->argc; a++) {
        const char *arg = c->argv[a].ptr;
        bool all = strcasecmp(arg, "all") == 0 || strcasecmp(arg, "everything") == 0;
        bool dflt = strcasecmp(arg, "default") == 0;
        for (size_t i = 0; i < INFO_NSECTIONS; i++)
            if (all || (dflt && info_sections[i].in_default) ||
                strcasecmp(arg, info_sections[i].name) == 0)
                want[i] = true;
    }
    struct sbuf o = SBUF_INIT;
    for (size_t i = 0; i < INFO_NSECTIONS; i++) {
        if (!want[i])
            continue;
        if (o.len)
            sbuf_cat(&o, "\r\n");
        info_sections[i].fn(&o);
    }
    reply_verbatim(c, o.data ? o.data : "", o.len, "txt");
    sbuf_free(&o);
}
