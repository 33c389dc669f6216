/* list type: commands and encodings. */
#include "../db/kv.h"

const struct kv_type_ops kv_list_ops = {0};
