/* fileio: making a file's creation or rename durable. */
#ifndef FERRITE_FILEIO_H
#define FERRITE_FILEIO_H

#include <stddef.h>

struct sbuf;

/* fsyncs the directory that holds path, so a rename or create in it survives a power cut.
 * 0, or -1 with errno set. */
int fileio_fsync_dir(const char *path);
/* Replaces path with data the safe way: a temporary file beside it, fsync, rename, fsync of
 * the directory. 0, or -1 with errno set (the old file is then untouched). */
int fileio_write_atomic(const char *path, const char *data, size_t len);

/* Appends the whole file to out. 0, or -1 with errno set (ENOENT when it does not exist);
 * on error out may hold part of the file. */
int fileio_read(const char *path, struct sbuf *out);

#endif
