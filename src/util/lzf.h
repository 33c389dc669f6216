/* lzf: the LZF compression format of liblzf, which RDB files use for strings and
 * quicklist nodes. Written here because it is small and on the hot path of compressed
 * lists; the byte format is liblzf's, so data moves both ways with Redis. */
#ifndef FERRITE_LZF_H
#define FERRITE_LZF_H

#include <stddef.h>

/* Compresses in[0..in_len) into out; returns the compressed length, or 0 when it does not
 * fit in out_len bytes (the caller then keeps the data uncompressed). */
size_t lzf_compress(const unsigned char *in, size_t in_len, unsigned char *out, size_t out_len);
/* Decompresses into out; returns the decompressed length, or 0 on corrupt input or when
 * out_len is too small. Never reads or writes outside the given buffers. */
size_t lzf_decompress(const unsigned char *in, size_t in_len, unsigned char *out,
                      size_t out_len);

#endif
