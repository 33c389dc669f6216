/* slowlog: the last slowlog-max-len commands that took longer than
 * slowlog-log-slower-than microseconds, for SLOWLOG GET/LEN/RESET. */
#ifndef FERRITE_SLOWLOG_H
#define FERRITE_SLOWLOG_H

struct client;
struct slowlog;

struct slowlog *slowlog_create(void);
void slowlog_free(struct slowlog *log);
/* Records the client's current command if it ran for at least the threshold. */
void slowlog_consider(struct slowlog *log, const struct client *c, long long duration_us);

#endif
