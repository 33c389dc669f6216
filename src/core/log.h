/* log: the server log, in Redis's line format ("pid:M 23 Nov 2026 10:00:00.123 * text"),
 * to `logfile` or standard output, filtered by `loglevel`. */
#ifndef FERRITE_LOG_H
#define FERRITE_LOG_H

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
