#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "server.h"

void log_msg(int level, const char *fmt, ...)
{
    if (level < srv.cfg.loglevel)
        return;
    const char *path = srv.cfg.logfile;
    bool to_stdout = path == NULL || path[0] == '\0';
    FILE *f = to_stdout ? stdout : fopen(path, "a");
    if (!f)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char stamp[64];
    size_t n = strftime(stamp, sizeof stamp, "%d %b %Y %H:%M:%S.", &tm);
    snprintf(stamp + n, sizeof stamp - n, "%03d", (int)(tv.tv_usec / 1000));
    static const char marks[] = ".-*#";
    /* Redis's role letter, so that the lines of a child or a replica read as they would in
     * Redis's log: C for a fork child, S for a replica, M otherwise. */
    char role = child_is_self() ? 'C' : srv.cfg.master_host ? 'S' : 'M';
    fprintf(f, "%d:%c %s %c %s\n", (int)getpid(), role, stamp, marks[level < 4 ? level : 3],
            msg);
    fflush(f);
    if (!to_stdout)
        fclose(f);
}
