/* zset type: commands and encodings. */
#include "../db/kv.h"

const struct kv_type_ops kv_zset_ops = {0};
