/* config: redis.conf directives. One table describes every directive ferrite implements
 * (name, kind, field in srv.cfg, default, bounds); the same code parses the file, the
 * command line, CONFIG SET and the defaults, and formats CONFIG GET and CONFIG REWRITE.
 * Directives Redis 7.0 has and ferrite does not implement yet are accepted with a warning,
 * so an existing redis.conf still starts. */
#ifndef FERRITE_CONFIG_H
#define FERRITE_CONFIG_H

#include <stddef.h>

#define CONFIG_ERR_LEN 512

/* Sets every directive to its default. */
void config_init_defaults(void);
/* Applies a config file (path may be NULL) then `--name value...` arguments. On error,
 * prints Redis's FATAL CONFIG FILE ERROR report to stderr and returns -1. */
int config_load(const char *path, int argc, char **argv);
void config_free(void);
/* The backend name of an io-model value. */
const char *config_io_model_name(int model);

#endif
