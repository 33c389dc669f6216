/* quicklist: a doubly linked list of listpack nodes (see quicklist.h).
 *
 * Compression invariant (compress = D > 0): the D nodes at each end are plain listpacks;
 * every node further inside is LZF data, unless it is tiny, LZF did not pay off for it
 * (nocompress, cleared when it changes) or an operation has it expanded right now
 * (recompress, cleared when the operation is done). ql__fix_compression restores the
 * invariant after a change in O(D), like Redis's __quicklistCompress. */
#include "quicklist.h"

#include <stdlib.h>
#include <string.h>

#include "../util/lzf.h"
#include "../util/mem.h"
#include "../util/num.h"

/* A node grows past this only when a positive fill allows it and never with more entries
 * than fill: Redis's SIZE_SAFETY_LIMIT, which keeps count-limited nodes cheap to change. */
#define QL_SIZE_SAFETY_LIMIT 8192
/* Nodes smaller than this are not worth compressing; compression must save this much. */
#define QL_MIN_COMPRESS_BYTES 48
#define QL_MIN_COMPRESS_IMPROVE 8
/* Bytes of an empty listpack (header and terminator): what merging two nodes saves. */
#define QL_LP_EMPTY_BYTES 7

/* A compressed node's data. */
struct ql_lzf {
    uint32_t csz;           /* bytes of data */
    unsigned char data[];
};

/* ---- node compression ---- */

static void ql__compress_node(struct ql_node *node)
{
    node->recompress = 0;
    if (node->compressed || node->nocompress || node->sz < QL_MIN_COMPRESS_BYTES)
        return;
    struct ql_lzf *z = mem_alloc(sizeof *z + node->sz);
    size_t csz = lzf_compress(node->lp, node->sz, z->data, node->sz);
    if (csz == 0 || csz + QL_MIN_COMPRESS_IMPROVE >= node->sz) {
        /* Remember the failure until the contents change, so that the O(D) fix-up after
         * every push does not retry LZF on incompressible data. */
        node->nocompress = 1;
        mem_free(z);
        return;
    }
    z->csz = (uint32_t)csz;
    z = mem_realloc(z, sizeof *z + csz);
    lp_free(node->lp);
    node->lp = (unsigned char *)z;
    node->compressed = 1;
}

static void ql__decompress_node(struct ql_node *node)
{
    if (!node->compressed)
        return;
    struct ql_lzf *z = (struct ql_lzf *)node->lp;
    unsigned char *lp = mem_alloc(node->sz);
    if (lzf_decompress(z->data, z->csz, lp, node->sz) != node->sz)
        abort(); /* our own data in memory: corrupt beyond repair */
    mem_free(z);
    node->lp = lp;
    node->compressed = 0;
}

/* Expands a node an operation is about to use; it is compressed again by
 * ql__recompress or ql__fix_compression. */
static void ql__expand(struct ql_node *node)
{
    if (node->compressed) {
        ql__decompress_node(node);
        node->recompress = 1;
    }
}

static void ql__recompress(struct ql_node *node)
{
    if (node->recompress)
        ql__compress_node(node);
}

/* Keeps the D nodes at each end plain and compresses `node` (if given and inside) and the
 * few nodes just inside the ends, where pushes, pops and inserts move the boundary. */
static void ql__fix_compression(struct quicklist *ql, struct ql_node *node)
{
    unsigned depth = ql->compress;
    if (depth == 0)
        return;
    struct ql_node *fwd = ql->head, *rev = ql->tail;
    bool in_ends = false;
    for (unsigned i = 0; i < depth && fwd; i++) {
        ql__decompress_node(fwd);
        ql__decompress_node(rev);
        fwd->recompress = rev->recompress = 0;
        fwd->nocompress = rev->nocompress = 0;
        in_ends |= node == fwd || node == rev;
        fwd = fwd->next;
        rev = rev->prev;
    }
    if (!fwd)
        return; /* every node is within depth of an end */
    /* Positions depth..depth+2 from each end, if they are inside from the other end too. */
    for (unsigned i = 0; i < 3 && fwd && rev; i++) {
        unsigned long pos = (unsigned long)depth + i;
        if (pos + depth >= ql->len)
            break;
        ql__compress_node(fwd);
        ql__compress_node(rev);
        fwd = fwd->next;
        rev = rev->prev;
    }
    if (node && !in_ends)
        ql__compress_node(node);
}

/* ---- sizes and fill ---- */

/* Bytes a listpack entry for a len-byte string takes at most (integers take less). */
static size_t ql__entry_bytes(size_t len)
{
    size_t enc = len < 64 ? 1 : len < 4096 ? 2 : 5;
    size_t total = enc + len;
    size_t back = total < 128 ? 1 : total < 16384 ? 2 : total < 2097152 ? 3 : total < 268435456 ? 4 : 5;
    return total + back;
}

/* True if a node of sz bytes and count elements stays within the list's fill. */
static bool ql__fits(const struct quicklist *ql, size_t sz, unsigned long count)
{
    if (count > UINT16_MAX)
        return false;
    if (ql->fill < 0)
        return sz <= (size_t)4096 << (-ql->fill - 1);
    return sz <= QL_SIZE_SAFETY_LIMIT && count <= (unsigned long)ql->fill;
}

static bool ql__allows_insert(const struct quicklist *ql, const struct ql_node *node, size_t len)
{
    return node && ql__fits(ql, node->sz + ql__entry_bytes(len), (unsigned long)node->count + 1);
}

/* ---- nodes ---- */

static struct ql_node *ql__node_new(void)
{
    struct ql_node *node = mem_calloc(sizeof *node);
    node->lp = lp_new(0);
    node->sz = (uint32_t)lp_bytes(node->lp);
    return node;
}

/* Records a change of the node's listpack: its size, and that LZF may pay off now. Only
 * inner nodes carry nocompress (the fix-up clears it on nodes that reach the ends), so a
 * changed nocompress node is due for another try when the operation is done with it. */
static void ql__node_changed(struct ql_node *node)
{
    node->sz = (uint32_t)lp_bytes(node->lp);
    if (node->nocompress) {
        node->nocompress = 0;
        node->recompress = 1;
    }
}

static void ql__node_free(struct ql_node *node)
{
    mem_free(node->lp);
    mem_free(node);
}

/* Links node after `at` (at NULL: as the new head). */
static void ql__link_after(struct quicklist *ql, struct ql_node *at, struct ql_node *node)
{
    node->prev = at;
    node->next = at ? at->next : ql->head;
    if (node->next)
        node->next->prev = node;
    else
        ql->tail = node;
    if (at)
        at->next = node;
    else
        ql->head = node;
    ql->len++;
}

/* Unlinks and frees a node; its elements must already be counted out of ql->count. */
static void ql__unlink_node(struct quicklist *ql, struct ql_node *node)
{
    if (node->prev)
        node->prev->next = node->next;
    else
        ql->head = node->next;
    if (node->next)
        node->next->prev = node->prev;
    else
        ql->tail = node->prev;
    ql->len--;
    ql__node_free(node);
}

/* Appends or prepends one element to an expanded node's listpack. */
static void ql__node_add(struct ql_node *node, const unsigned char *s, size_t len,
                         enum ql_where where)
{
    node->lp = where == QL_HEAD ? lp_prepend(node->lp, s, len) : lp_append(node->lp, s, len);
    node->count++;
    ql__node_changed(node);
}

/* Merges b (the node after a) into a when both exist and the result fits the fill. */
static bool ql__try_merge(struct quicklist *ql, struct ql_node *a, struct ql_node *b)
{
    if (!a || !b || !ql__fits(ql, (size_t)a->sz + b->sz - QL_LP_EMPTY_BYTES,
                              (unsigned long)a->count + b->count))
        return false;
    ql__decompress_node(a);
    ql__decompress_node(b);
    for (unsigned char *p = lp_first(b->lp); p; p = lp_next(b->lp, p)) {
        struct lp_value v;
        lp_get_value(p, &v);
        a->lp = v.sval ? lp_append(a->lp, v.sval, v.slen) : lp_append_int(a->lp, v.lval);
    }
    a->count = (uint16_t)(a->count + b->count);
    ql__node_changed(a);
    a->recompress = 0;
    ql__unlink_node(ql, b);
    return true;
}

/* Splits an expanded node so that its first `at` elements stay and the rest move to a new
 * node linked after it, which is returned. */
static struct ql_node *ql__split(struct quicklist *ql, struct ql_node *node, long at)
{
    struct ql_node *right = mem_calloc(sizeof *right);
    right->lp = mem_alloc(node->sz);
    memcpy(right->lp, node->lp, node->sz);
    right->lp = lp_delete_range(right->lp, 0, (unsigned long)at);
    right->count = (uint16_t)(node->count - at);
    ql__node_changed(right);
    node->lp = lp_delete_range(node->lp, at, (unsigned long)(node->count - at));
    node->count = (uint16_t)at;
    ql__node_changed(node);
    ql__link_after(ql, node, right);
    return right;
}

/* Finds the node holding index (negative from the tail) and the offset in it. */
static bool ql__locate(const struct quicklist *ql, long index, struct ql_node **out,
                       long *offset)
{
    unsigned long idx;
    if (index < 0) {
        unsigned long back = (unsigned long)(-(index + 1)) + 1;
        if (back > ql->count)
            return false;
        idx = ql->count - back;
    } else {
        idx = (unsigned long)index;
        if (idx >= ql->count)
            return false;
    }
    struct ql_node *node;
    if (idx < ql->count / 2) {
        for (node = ql->head; idx >= node->count; node = node->next)
            idx -= node->count;
    } else {
        unsigned long from_tail = ql->count - 1 - idx;
        for (node = ql->tail; from_tail >= node->count; node = node->prev)
            from_tail -= node->count;
        idx = node->count - 1 - from_tail;
    }
    *out = node;
    *offset = (long)idx;
    return true;
}

static void ql__fill_entry(struct ql_entry *e, struct ql_node *node, unsigned char *p,
                           long offset)
{
    e->node = node;
    e->p = p;
    e->offset = offset;
    lp_get_value(p, &e->v);
}

/* ---- the list ---- */

struct quicklist *ql_new(long long fill, long long compress)
{
    struct quicklist *ql = mem_calloc(sizeof *ql);
    if (fill > QL_FILL_MAX)
        fill = QL_FILL_MAX;
    else if (fill < -5)
        fill = -5;
    if (compress < 0)
        compress = 0;
    else if (compress > QL_COMPRESS_MAX)
        compress = QL_COMPRESS_MAX;
    ql->fill = (int16_t)fill;
    ql->compress = (uint16_t)compress;
    return ql;
}

void ql_free(struct quicklist *ql)
{
    if (!ql)
        return;
    struct ql_node *node = ql->head;
    while (node) {
        struct ql_node *next = node->next;
        ql__node_free(node);
        node = next;
    }
    mem_free(ql);
}

struct quicklist *ql_dup(const struct quicklist *ql)
{
    struct quicklist *copy = mem_alloc(sizeof *copy);
    *copy = *ql;
    copy->head = copy->tail = NULL;
    copy->len = 0;
    for (const struct ql_node *node = ql->head; node; node = node->next) {
        struct ql_node *n = mem_alloc(sizeof *n);
        *n = *node;
        size_t bytes = node->compressed
                           ? sizeof(struct ql_lzf) + ((const struct ql_lzf *)node->lp)->csz
                           : node->sz;
        n->lp = mem_alloc(bytes);
        memcpy(n->lp, node->lp, bytes);
        ql__link_after(copy, copy->tail, n);
    }
    return copy;
}

size_t ql_memory(const struct quicklist *ql)
{
    size_t m = mem_usable(ql);
    for (const struct ql_node *node = ql->head; node; node = node->next)
        m += mem_usable(node) + mem_usable(node->lp);
    return m;
}

void ql_push(struct quicklist *ql, const unsigned char *s, size_t len, enum ql_where where)
{
    struct ql_node *node = where == QL_HEAD ? ql->head : ql->tail;
    ql->count++;
    if (ql__allows_insert(ql, node, len)) {
        ql__node_add(node, s, len, where); /* end nodes are never compressed */
        return;
    }
    struct ql_node *fresh = ql__node_new();
    ql__node_add(fresh, s, len, where);
    ql__link_after(ql, where == QL_HEAD ? NULL : ql->tail, fresh);
    ql__fix_compression(ql, NULL);
}

bool ql_peek(struct quicklist *ql, enum ql_where where, struct ql_entry *e)
{
    struct ql_node *node = where == QL_HEAD ? ql->head : ql->tail;
    if (!node)
        return false;
    ql__fill_entry(e, node, where == QL_HEAD ? lp_first(node->lp) : lp_last(node->lp),
                   where == QL_HEAD ? 0 : node->count - 1);
    return true;
}

void ql_pop(struct quicklist *ql, enum ql_where where)
{
    ql_del_range(ql, where == QL_HEAD ? 0 : -1, 1);
}

bool ql_index(struct quicklist *ql, long index, struct ql_entry *e)
{
    struct ql_node *node;
    long offset;
    if (!ql__locate(ql, index, &node, &offset))
        return false;
    ql__expand(node);
    ql__fill_entry(e, node, lp_seek(node->lp, offset), offset);
    return true;
}

void ql_release_entry(struct quicklist *ql, struct ql_entry *e)
{
    (void)ql;
    ql__recompress(e->node);
}

bool ql_replace(struct quicklist *ql, long index, const unsigned char *s, size_t len)
{
    struct ql_node *node;
    long offset;
    if (!ql__locate(ql, index, &node, &offset))
        return false;
    ql__expand(node);
    unsigned char *p = lp_seek(node->lp, offset);
    unsigned char *next = lp_next(node->lp, p);
    size_t old = (size_t)((next ? next : node->lp + node->sz - 1) - p);
    if (node->count == 1 || ql__fits(ql, node->sz - old + ql__entry_bytes(len), node->count)) {
        node->lp = lp_insert(node->lp, s, len, p, LP_REPLACE, NULL);
        ql__node_changed(node);
        /* Not just ql__recompress: a node too small to compress may have grown enough. */
        node->recompress = 0;
        ql__fix_compression(ql, node);
        return true;
    }
    /* The bigger value would overflow the node: delete, then insert through the path that
     * splits nodes. The node keeps at least one element, so it survives. */
    node->lp = lp_delete(node->lp, p, NULL);
    node->count--;
    ql__node_changed(node);
    ql->count--;
    if (offset < node->count)
        ql_insert(ql, node, offset, s, len, false);
    else
        ql_insert(ql, node, offset - 1, s, len, true);
    return true;
}

/* Puts an element that belongs at one edge of a full node into the neighbour on that side
 * if it has room, else into a new node between them; returns the node that took it. */
static struct ql_node *ql__insert_beside(struct quicklist *ql, struct ql_node *node,
                                         const unsigned char *s, size_t len, bool after)
{
    struct ql_node *side = after ? node->next : node->prev;
    if (ql__allows_insert(ql, side, len)) {
        ql__decompress_node(side);
        ql__node_add(side, s, len, after ? QL_HEAD : QL_TAIL);
        return side;
    }
    side = ql__node_new();
    ql__node_add(side, s, len, QL_TAIL);
    ql__link_after(ql, after ? node : node->prev, side);
    return side;
}

void ql_insert(struct quicklist *ql, struct ql_node *node, long offset, const unsigned char *s,
               size_t len, bool after)
{
    ql->count++;
    ql__decompress_node(node);
    node->recompress = 0;
    if (ql__allows_insert(ql, node, len)) {
        unsigned char *p = lp_seek(node->lp, offset);
        node->lp = lp_insert(node->lp, s, len, p, after ? LP_AFTER : LP_BEFORE, NULL);
        node->count++;
        ql__node_changed(node);
        ql__fix_compression(ql, node);
        return;
    }
    struct ql_node *touched[3] = {node, NULL, NULL};
    if ((after && offset == node->count - 1) || (!after && offset == 0)) {
        touched[1] = ql__insert_beside(ql, node, s, len, after);
    } else {
        /* In the middle of a full node: split it there, put the element at the end of the
         * left half or the start of the right one (or between them), then merge the halves
         * with their outer neighbours where that fits. */
        struct ql_node *right = ql__split(ql, node, after ? offset + 1 : offset);
        if (ql__allows_insert(ql, node, len)) {
            ql__node_add(node, s, len, QL_TAIL);
        } else if (ql__allows_insert(ql, right, len)) {
            ql__node_add(right, s, len, QL_HEAD);
        } else {
            touched[2] = ql__node_new();
            ql__node_add(touched[2], s, len, QL_TAIL);
            ql__link_after(ql, node, touched[2]);
        }
        struct ql_node *prev = node->prev;
        touched[0] = ql__try_merge(ql, prev, node) ? prev : node;
        ql__try_merge(ql, right, right->next);
        touched[1] = right;
    }
    for (int i = 0; i < 3; i++)
        if (touched[i])
            ql__fix_compression(ql, touched[i]);
}

unsigned long ql_del_range(struct quicklist *ql, long start, unsigned long count)
{
    struct ql_node *node;
    long offset;
    if (count == 0 || !ql__locate(ql, start, &node, &offset))
        return 0;
    unsigned long idx = start < 0 ? ql->count - (unsigned long)(-(start + 1)) - 1
                                  : (unsigned long)start;
    if (count > ql->count - idx)
        count = ql->count - idx;
    unsigned long left = count;
    bool unlinked = false;
    while (left > 0 && node) {
        struct ql_node *next = node->next;
        unsigned long n = node->count - (unsigned long)offset;
        if (n > left)
            n = left;
        if (n == node->count) {
            ql__unlink_node(ql, node); /* whole node: no need to expand it */
            unlinked = true;
        } else {
            ql__expand(node);
            node->lp = lp_delete_range(node->lp, offset, n);
            node->count = (uint16_t)(node->count - n);
            ql__node_changed(node);
            ql__recompress(node);
        }
        left -= n;
        offset = 0;
        node = next;
    }
    ql->count -= count;
    if (unlinked)
        ql__fix_compression(ql, NULL);
    return count;
}

/* ---- iteration ---- */

/* Moves the iterator onto node (NULL: the end), at its first element in walk order. */
static void ql__iter_enter(struct ql_iter *it, struct ql_node *node)
{
    it->node = node;
    if (!node) {
        it->p = NULL;
        return;
    }
    ql__expand(node);
    if (it->dir == QL_TAIL) {
        it->p = lp_first(node->lp);
        it->offset = 0;
    } else {
        it->p = lp_last(node->lp);
        it->offset = node->count - 1;
    }
}

void ql_iter_init(struct ql_iter *it, struct quicklist *ql, long start, enum ql_where dir)
{
    struct ql_node *node;
    long offset;
    it->ql = ql;
    it->dir = dir;
    it->node = NULL;
    it->p = NULL;
    it->offset = 0;
    if (!ql__locate(ql, start, &node, &offset))
        return;
    ql__expand(node);
    it->node = node;
    it->p = lp_seek(node->lp, offset);
    it->offset = offset;
}

bool ql_iter_next(struct ql_iter *it, struct ql_entry *e)
{
    while (it->node && !it->p) {
        struct ql_node *done = it->node;
        ql__iter_enter(it, it->dir == QL_TAIL ? done->next : done->prev);
        ql__recompress(done);
    }
    if (!it->node)
        return false;
    ql__fill_entry(e, it->node, it->p, it->offset);
    if (it->dir == QL_TAIL) {
        it->p = lp_next(it->node->lp, it->p);
        it->offset++;
    } else {
        it->p = lp_prev(it->node->lp, it->p);
        it->offset--;
    }
    return true;
}

void ql_iter_del(struct ql_iter *it, struct ql_entry *e)
{
    struct quicklist *ql = it->ql;
    struct ql_node *node = e->node;
    unsigned char *after;
    node->lp = lp_delete(node->lp, e->p, &after);
    node->count--;
    ql__node_changed(node);
    ql->count--;
    if (node->count == 0) {
        struct ql_node *next = it->dir == QL_TAIL ? node->next : node->prev;
        ql__unlink_node(ql, node);
        ql__fix_compression(ql, NULL);
        ql__iter_enter(it, next);
        return;
    }
    if (it->dir == QL_TAIL) {
        it->p = after;
        it->offset = e->offset;
    } else {
        it->p = e->offset == 0 ? NULL
                               : lp_prev(node->lp, after ? after : node->lp + node->sz - 1);
        it->offset = e->offset - 1;
    }
}

void ql_iter_release(struct ql_iter *it)
{
    if (it->node)
        ql__recompress(it->node);
    it->node = NULL;
    it->p = NULL;
}

bool ql_entry_eq(const struct ql_entry *e, const unsigned char *s, size_t len)
{
    if (e->v.sval)
        return e->v.slen == len && (len == 0 || memcmp(e->v.sval, s, len) == 0);
    char buf[NUM_LL_STR_MAX];
    size_t n = num_ll_to_str(buf, e->v.lval);
    return n == len && memcmp(buf, s, len) == 0;
}

const unsigned char *ql_node_data(const struct ql_node *node, size_t *len, bool *compressed)
{
    *compressed = node->compressed;
    if (node->compressed) {
        const struct ql_lzf *z = (const struct ql_lzf *)node->lp;
        *len = z->csz;
        return z->data;
    }
    *len = node->sz;
    return node->lp;
}
