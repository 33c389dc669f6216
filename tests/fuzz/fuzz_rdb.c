/* libFuzzer harness for src/persist/rdb's loader.
 *
 * The bytes are an RDB image loaded into empty databases from memory: whatever they hold,
 * loading must end in success or an error naming an offset, never a crash, an overread
 * (ASan) or an allocation the image cannot back. Whatever did load is then written out
 * again, so values built from hostile input also go through the writer and every type's
 * walk. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/server.h"
#include "db/db.h"
#include "persist/rdb.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static int devnull = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (devnull < 0) {
        config_init_defaults();
        srv.cfg.loglevel = LOG_NOTHING;
        db_init_all(srv.cfg.databases);
        devnull = open("/dev/null", O_WRONLY);
    }
    char err[RDB_ERR_LEN];
    err[0] = '\0';
    int rc = rdb_load_buffer(data, size, err);
    if (rc < 0)
        CHECK(strstr(err, "at offset ") != NULL);
    CHECK(rdb_write_fd(devnull) == 0);
    db_flush(NULL);
    return 0;
}
