/* hash type: commands and encodings. */
#include "../db/kv.h"

const struct kv_type_ops kv_hash_ops = {0};
