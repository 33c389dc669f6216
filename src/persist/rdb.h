/* rdb: the snapshot file format of Redis 7.0 (RDB version 10), both ways.
 *
 * Writing follows Redis 7.0 byte for byte where Redis 7.0 must read it: "REDIS0010", aux
 * fields, per database SELECTDB and RESIZEDB, then each key (EXPIRETIME_MS first when it
 * has one), EOF and the CRC64 of everything before it. Values are stored in the encoding
 * they have in memory when Redis 7.0 has the same one (listpack hashes and sorted sets,
 * intsets, quicklists of listpacks, as they are) and element by element otherwise (large
 * hashes, sets and sorted sets; ferrite's listpack sets, which Redis 7.0 cannot read).
 *
 * Loading accepts every encoding Redis 7.0 and earlier versions write for the five types
 * (ziplists, old lists and sets of strings, string-scored sorted sets) plus 7.2's listpack
 * sets. The image is read from one buffer and every length is checked against the bytes
 * that remain before anything is allocated for it; a malformed image gives an error that
 * names the byte offset, never a crash. */
#ifndef FERRITE_RDB_H
#define FERRITE_RDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RDB_VERSION 10
/* Room for an error message: the reason and the byte offset. */
#define RDB_ERR_LEN 256

/* Result of rdb_load_file when there is nothing to load. */
#define RDB_NOFILE 1

/* Redis's CRC64 (Jones polynomial, reflected, as crc64.c): crc64(0, "123456789", 9) is
 * 0xe9c6d914c4b8d9ca. Pass the previous result as crc to continue a running checksum. */
uint64_t rdb_crc64(uint64_t crc, const unsigned char *p, size_t len);

/* RDB's length encoding. rdb_encode_len writes at most 9 bytes and returns how many. */
size_t rdb_encode_len(unsigned char *out, uint64_t len);
/* Decodes a length at p (avail bytes readable). Returns the bytes used, or 0 when they do
 * not hold a whole length. *special is set (and *len is the 6-bit kind: 0-2 integers,
 * 3 LZF) when the byte introduces a specially encoded string instead. */
size_t rdb_decode_len(const unsigned char *p, size_t avail, uint64_t *len, bool *special);

/* The replication position an RDB records (aux fields repl-id, repl-offset,
 * repl-stream-db), so a restarted replica can continue its master's stream. */
struct rdb_repl_info {
    char replid[41];
    long long offset;
    int dbid;
};
/* The position the last image loaded carried; NULL when it had none. */
const struct rdb_repl_info *rdb_loaded_repl_info(void);

/* Writes the whole keyspace to fd as an RDB image; 0, or -1 with errno set. Used by SAVE
 * in the server and by the BGSAVE child on its copy-on-write view. */
int rdb_write_fd(int fd);
/* Saves to path the safe way: a temporary file in the same directory, fsync, rename over
 * path, fsync of the directory. A crash at any moment leaves the old file or the new one.
 * Returns 0, or -1 with the reason in err (RDB_ERR_LEN bytes). */
int rdb_save(const char *path, char *err);

/* Loads an RDB image into the databases, which the caller has emptied. Keys already expired
 * are skipped on a master; a replica keeps them until its master's DEL, as Redis does. Returns 0, or -1 with err filled (reason and byte
 * offset); keys loaded before the error stay in the databases. */
int rdb_load_buffer(const unsigned char *buf, size_t len, char *err);
/* Loads the file at path: 0, RDB_NOFILE when it does not exist, -1 with err filled. */
int rdb_load_file(const char *path, char *err);

#endif
