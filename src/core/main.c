/* ferrite-server entry point: ferrite-server [config-file] [--directive value ...] */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cmd/cmd.h"
#include "../db/db.h"
#include "../persist/aof.h"
#include "../persist/snapshot.h"
#include "../repl/repl.h"
#include "../util/mem.h"
#include "config.h"
#include "log.h"
#include "server.h"

static void main_usage(void)
{
    fprintf(stderr,
            "Usage: ./ferrite-server [/path/to/ferrite.conf] [options] [-]\n"
            "       ./ferrite-server - (read config from stdin)\n"
            "       ./ferrite-server -v or --version\n"
            "       ./ferrite-server -h or --help\n\n"
            "Examples:\n"
            "       ./ferrite-server (run the server with default config)\n"
            "       ./ferrite-server /etc/ferrite/6379.conf\n"
            "       ./ferrite-server --port 7777\n"
            "       ./ferrite-server /etc/myferrite.conf --loglevel verbose --io-model poll\n");
}

static void main_daemonize(void)
{
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid > 0)
        exit(0); /* the parent returns to the shell */
    setsid();
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO)
            close(fd);
    }
}

static void main_write_pidfile(void)
{
    const char *path = srv.cfg.pidfile ? srv.cfg.pidfile : "/var/run/ferrite.pid";
    FILE *f = fopen(path, "w");
    if (!f) {
        log_msg(LOG_WARNING, "Failed to write PID file: %s", path);
        return;
    }
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    int first_opt = 1;
    if (argc >= 2) {
        if (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0) {
            printf("ferrite server v=%s (redis_version %s) malloc=%s bits=%d\n",
                   FERRITE_OWN_VERSION, FERRITE_VERSION, mem_allocator_name(),
                   (int)(sizeof(long) * 8));
            return 0;
        }
        if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
            main_usage();
            return 0;
        }
        if (strncmp(argv[1], "--", 2) != 0) {
            config_path = argv[1];
            first_opt = 2;
        }
    }
    config_init_defaults();
    if (config_load(config_path, argc - first_opt, argv + first_opt) < 0)
        return 1;
    if (config_path) {
        char abs[PATH_MAX];
        srv.config_file = mem_strdup(realpath(config_path, abs) ? abs : config_path);
    }
    if (srv.cfg.daemonize)
        main_daemonize();
    log_msg(LOG_NOTICE, "ferrite %s starting, pid=%d (Redis %s compatible)", FERRITE_OWN_VERSION,
            (int)getpid(), FERRITE_VERSION);
    if (!config_path)
        log_msg(LOG_WARNING, "Warning: no config file specified, using the default config.");
    if (server_init() < 0)
        return 1;
    /* Before the loop runs: clients that connect meanwhile wait in the backlog. */
    if (!srv.cfg.appendonly && snapshot_load_at_startup() < 0)
        return 1;
    if (aof_load_at_startup() < 0)
        return 1;
    repl_init();
    /* Written once we listen, so whoever waits for the file can connect right away. */
    if (srv.cfg.daemonize || srv.cfg.pidfile)
        main_write_pidfile();
    server_run();
    return 0;
}
