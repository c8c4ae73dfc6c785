/* Flattened device-tree reader (Devicetree Specification v0.4, chapter 5). */
#include <keelbase/fdt.h>
#include <keelbase/string.h>

enum {
    TOK_BEGIN_NODE = 1,
    TOK_END_NODE = 2,
    TOK_PROP = 3,
    TOK_NOP = 4,
    TOK_END = 9,
    HEADER_SIZE = 40,
};

/* One decoded structure-block token. */
struct token {
    uint32_t kind;
    uint32_t next;          /* offset of the following token */
    const char *name;       /* node or property name */
    const uint8_t *data;    /* property value */
    uint32_t len;           /* property length */
};

/* Tokens and names are padded to 4-byte boundaries. */
static uint32_t align4(uint32_t x)
{
    return (x + 3u) & ~3u;
}

uint32_t fdt_be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint64_t fdt_be64(const void *p)
{
    return (uint64_t)fdt_be32(p) << 32 | fdt_be32((const uint8_t *)p + 4);
}

uint32_t fdt_claimed_size(const void *blob)
{
    if (!blob || fdt_be32(blob) != FDT_MAGIC)
        return 0;
    return fdt_be32((const uint8_t *)blob + 4);
}

/* True if [off, off + len) lies inside a region of size total. */
static bool in_bounds(uint32_t off, uint32_t len, uint32_t total)
{
    return off <= total && len <= total - off;
}

/* Length of the NUL-terminated string at off within a region of size total,
 * or -1 if it is not terminated inside the region. */
static int64_t bounded_strlen(const uint8_t *base, uint32_t off, uint32_t total)
{
    if (off >= total)
        return -1;
    size_t n = strnlen((const char *)base + off, total - off);
    return n == total - off ? -1 : (int64_t)n;
}

/* Decode the token at structure offset off; false if malformed. */
static bool read_token(const struct fdt *f, uint32_t off, struct token *t)
{
    const uint8_t *s = f->blob + f->struct_off;
    uint32_t end = f->struct_size;

    for (;;) {
        if ((off & 3) || !in_bounds(off, 4, end))
            return false;
        t->kind = fdt_be32(s + off);
        off += 4;
        if (t->kind != TOK_NOP)
            break;
    }
    t->name = NULL;
    t->data = NULL;
    t->len = 0;
    switch (t->kind) {
    case TOK_BEGIN_NODE: {
        int64_t n = bounded_strlen(s, off, end);
        if (n < 0)
            return false;
        t->name = (const char *)s + off;
        t->next = align4(off + (uint32_t)n + 1);
        return true;
    }
    case TOK_PROP: {
        if (!in_bounds(off, 8, end))
            return false;
        uint32_t len = fdt_be32(s + off);
        uint32_t nameoff = fdt_be32(s + off + 4);
        off += 8;
        if (!in_bounds(off, len, end))
            return false;
        const uint8_t *strs = f->blob + f->strings_off;
        if (bounded_strlen(strs, nameoff, f->strings_size) < 0)
            return false;
        t->name = (const char *)strs + nameoff;
        t->data = s + off;
        t->len = len;
        t->next = align4(off + len);
        return true;
    }
    case TOK_END_NODE:
    case TOK_END:
        t->next = off;
        return true;
    default:
        return false;
    }
}

/* Walk the whole structure block once: tokens well formed, nodes balanced,
 * root first, END last. */
static bool structure_valid(const struct fdt *f)
{
    struct token t;
    uint32_t off = 0;
    int depth = 0;
    bool seen_root = false;

    while (read_token(f, off, &t)) {
        switch (t.kind) {
        case TOK_BEGIN_NODE:
            if (depth == 0 && seen_root)
                return false; /* a second root */
            if (++depth > FDT_MAX_DEPTH)
                return false;
            seen_root = true;
            break;
        case TOK_END_NODE:
            if (--depth < 0)
                return false;
            break;
        case TOK_PROP:
            if (depth == 0)
                return false;
            break;
        case TOK_END:
            return seen_root && depth == 0;
        }
        if (t.next <= off)
            return false;
        off = t.next;
    }
    return false;
}

enum kerr fdt_open(struct fdt *f, const void *blob, size_t avail)
{
    const uint8_t *b = blob;

    if (!blob || avail < HEADER_SIZE || fdt_be32(b) != FDT_MAGIC)
        return KERR_BADFMT;
    uint32_t total = fdt_be32(b + 4);
    if (total < HEADER_SIZE || total > avail)
        return KERR_RANGE;
    if (fdt_be32(b + 20) < 16 || fdt_be32(b + 24) > 17) /* version, last_comp */
        return KERR_BADFMT;

    f->blob = b;
    f->size = total;
    f->struct_off = fdt_be32(b + 8);
    f->strings_off = fdt_be32(b + 12);
    f->rsvmap_off = fdt_be32(b + 16);
    f->strings_size = fdt_be32(b + 32);
    f->struct_size = fdt_be32(b + 36);
    if ((f->struct_off & 3) || (f->rsvmap_off & 7) ||
        !in_bounds(f->struct_off, f->struct_size, total) ||
        !in_bounds(f->strings_off, f->strings_size, total) ||
        !in_bounds(f->rsvmap_off, 16, total))
        return KERR_RANGE;
    if (!structure_valid(f))
        return KERR_BADFMT;
    return KERR_OK;
}

int fdt_next_node(const struct fdt *f, int node, int *depth)
{
    struct token t;
    uint32_t off;

    if (node < 0) {
        *depth = 0;
        return read_token(f, 0, &t) && t.kind == TOK_BEGIN_NODE ? 0 : -1;
    }
    if (!read_token(f, (uint32_t)node, &t) || t.kind != TOK_BEGIN_NODE)
        return -1;
    off = t.next;
    int d = *depth + 1; /* depth of tokens inside node */
    while (read_token(f, off, &t)) {
        switch (t.kind) {
        case TOK_BEGIN_NODE:
            *depth = d;
            return (int)off;
        case TOK_END_NODE:
            d--;
            break;
        case TOK_END:
            return -1;
        }
        off = t.next;
    }
    return -1;
}

const char *fdt_node_name(const struct fdt *f, int node)
{
    struct token t;
    if (node < 0 || !read_token(f, (uint32_t)node, &t) || t.kind != TOK_BEGIN_NODE)
        return NULL;
    return t.name;
}

const void *fdt_getprop(const struct fdt *f, int node, const char *name, uint32_t *len)
{
    struct token t;
    if (node < 0 || !read_token(f, (uint32_t)node, &t) || t.kind != TOK_BEGIN_NODE)
        return NULL;
    uint32_t off = t.next;
    while (read_token(f, off, &t) && t.kind == TOK_PROP) {
        if (strcmp(t.name, name) == 0) {
            if (len)
                *len = t.len;
            return t.data;
        }
        off = t.next;
    }
    return NULL;
}

const char *fdt_prop_string(const struct fdt *f, int node, const char *name)
{
    uint32_t len;
    const char *s = fdt_getprop(f, node, name, &len);
    if (!s || len == 0 || strnlen(s, len) == len)
        return NULL;
    return s;
}

enum kerr fdt_prop_uint(const struct fdt *f, int node, const char *name, uint64_t *val)
{
    uint32_t len;
    const void *p = fdt_getprop(f, node, name, &len);
    if (!p)
        return KERR_NOENT;
    if (len == 4)
        *val = fdt_be32(p);
    else if (len == 8)
        *val = fdt_be64(p);
    else
        return KERR_BADFMT;
    return KERR_OK;
}

/* Does node name nm match the lookup key (exact, or key equal to the part of
 * nm before '@' when key itself has no unit address)? */
static bool name_matches(const char *nm, const char *key, size_t keylen)
{
    if (strncmp(nm, key, keylen) != 0)
        return false;
    if (nm[keylen] == '\0')
        return true;
    for (size_t i = 0; i < keylen; i++)
        if (key[i] == '@')
            return false;
    return nm[keylen] == '@';
}

/* Child of parent whose name matches key[0..keylen). */
static int find_child(const struct fdt *f, int parent, const char *key, size_t keylen)
{
    int depth = 0, pdepth;
    /* Depths are relative: start the parent at 0. */
    pdepth = 0;
    for (int n = fdt_next_node(f, parent, &depth); n >= 0 && depth > pdepth;
         n = fdt_next_node(f, n, &depth)) {
        if (depth == pdepth + 1) {
            const char *nm = fdt_node_name(f, n);
            if (nm && name_matches(nm, key, keylen))
                return n;
        }
    }
    return -1;
}

int fdt_subnode(const struct fdt *f, int parent, const char *name)
{
    if (parent < 0)
        return -1;
    return find_child(f, parent, name, strlen(name));
}

int fdt_path(const struct fdt *f, const char *path)
{
    if (!path || path[0] != '/')
        return -1;
    int node = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        size_t n = 0;
        while (p[n] && p[n] != '/')
            n++;
        node = find_child(f, node, p, n);
        if (node < 0)
            return -1;
        p += n;
    }
    return node;
}

bool fdt_is_compatible(const struct fdt *f, int node, const char *compat)
{
    uint32_t len;
    const char *list = fdt_getprop(f, node, "compatible", &len);
    if (!list)
        return false;
    for (uint32_t off = 0; off < len;) {
        size_t n = strnlen(list + off, len - off);
        if (n == len - off)
            return false; /* unterminated entry */
        if (strcmp(list + off, compat) == 0)
            return true;
        off += (uint32_t)n + 1;
    }
    return false;
}

int fdt_find_compatible(const struct fdt *f, const char *compat)
{
    int depth = 0;
    for (int n = fdt_next_node(f, -1, &depth); n >= 0; n = fdt_next_node(f, n, &depth))
        if (fdt_is_compatible(f, n, compat))
            return n;
    return -1;
}

int fdt_parent(const struct fdt *f, int node)
{
    /* The last node seen at each depth: when node turns up, its parent is
     * the last one seen one level up.  fdt_open() bounded the depth. */
    int last[FDT_MAX_DEPTH + 1];
    int depth = 0;
    for (int n = fdt_next_node(f, -1, &depth); n >= 0; n = fdt_next_node(f, n, &depth)) {
        if (depth < 0 || depth > FDT_MAX_DEPTH)
            return -1;
        last[depth] = n;
        if (n == node)
            return depth > 0 ? last[depth - 1] : -1;
    }
    return -1;
}

static uint32_t cells_prop(const struct fdt *f, int node, const char *name, uint32_t dflt)
{
    uint32_t len;
    const void *p = fdt_getprop(f, node, name, &len);
    return p && len == 4 ? fdt_be32(p) : dflt;
}

uint32_t fdt_address_cells(const struct fdt *f, int node)
{
    return cells_prop(f, node, "#address-cells", 2);
}

uint32_t fdt_size_cells(const struct fdt *f, int node)
{
    return cells_prop(f, node, "#size-cells", 1);
}

/* Read a big-endian number of cells (0, 1 or 2) from p. */
static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < cells; i++)
        v = v << 32 | fdt_be32(p + 4 * i);
    return v;
}

enum kerr fdt_reg(const struct fdt *f, int node, uint32_t idx, uint32_t addr_cells,
                  uint32_t size_cells, uint64_t *base, uint64_t *size)
{
    uint32_t len;
    const uint8_t *p = fdt_getprop(f, node, "reg", &len);
    if (!p)
        return KERR_NOENT;
    if (addr_cells < 1 || addr_cells > 2 || size_cells > 2)
        return KERR_BADFMT;
    uint32_t entry = 4 * (addr_cells + size_cells);
    if (idx >= len / entry)
        return KERR_NOENT;
    p += idx * entry;
    *base = read_cells(p, addr_cells);
    *size = read_cells(p + 4 * addr_cells, size_cells);
    return KERR_OK;
}

/* Translate addr (addr_cells wide, as node's parent bus states it) one bus
 * up through that bus's "ranges"; *bus becomes the bus above.  KERR_NOENT
 * if no range holds it. */
static enum kerr translate_up(const struct fdt *f, int *bus, uint64_t *addr)
{
    int up = fdt_parent(f, *bus);
    if (up < 0)
        return KERR_OK;                         /* the root: physical */
    uint32_t len;
    const uint8_t *p = fdt_getprop(f, *bus, "ranges", &len);
    if (!p)
        return KERR_NOENT;                      /* not mapped above */
    uint32_t ca = fdt_address_cells(f, *bus), pa = fdt_address_cells(f, up);
    uint32_t cs = fdt_size_cells(f, *bus);
    if (ca < 1 || ca > 2 || pa < 1 || pa > 2 || cs > 2)
        return KERR_BADFMT;
    uint32_t entry = 4 * (ca + pa + cs);
    for (uint32_t off = 0; len && off + entry <= len; off += entry) {
        uint64_t child = read_cells(p + off, ca), parent = read_cells(p + off + 4 * ca, pa);
        uint64_t size = read_cells(p + off + 4 * (ca + pa), cs);
        if (*addr >= child && *addr - child < size) {
            *addr = parent + (*addr - child);
            *bus = up;
            return KERR_OK;
        }
    }
    if (!len) {                                 /* "ranges;": the same addresses */
        *bus = up;
        return KERR_OK;
    }
    return KERR_NOENT;
}

enum kerr fdt_reg_phys(const struct fdt *f, int node, uint32_t idx, uint64_t *base,
                       uint64_t *size)
{
    int bus = fdt_parent(f, node);
    if (bus < 0)
        return KERR_NOENT;
    enum kerr e = fdt_reg(f, node, idx, fdt_address_cells(f, bus), fdt_size_cells(f, bus),
                          base, size);
    while (!e && fdt_parent(f, bus) >= 0)
        e = translate_up(f, &bus, base);
    return e;
}

enum kerr fdt_timebase_hz(const struct fdt *f, uint64_t *hz)
{
    int cpus = fdt_path(f, "/cpus"), depth = 0;
    if (cpus < 0)
        return KERR_NOENT;
    if (fdt_prop_uint(f, cpus, "timebase-frequency", hz) == KERR_OK && *hz)
        return KERR_OK;
    for (int n = fdt_next_node(f, cpus, &depth); n >= 0 && depth > 0;
         n = fdt_next_node(f, n, &depth)) {
        const char *type = fdt_prop_string(f, n, "device_type");
        if (depth == 1 && type && strcmp(type, "cpu") == 0 &&
            fdt_prop_uint(f, n, "timebase-frequency", hz) == KERR_OK && *hz)
            return KERR_OK;
    }
    return KERR_NOENT;
}

enum kerr fdt_memreserve(const struct fdt *f, uint32_t idx, uint64_t *base, uint64_t *size)
{
    /* The block is a list of (address, size) pairs ended by a zero pair. */
    for (uint32_t i = 0;; i++) {
        uint32_t off = f->rsvmap_off + 16 * i;
        if (!in_bounds(off, 16, f->size))
            return KERR_BADFMT;
        uint64_t b = fdt_be64(f->blob + off), s = fdt_be64(f->blob + off + 8);
        if (b == 0 && s == 0)
            return KERR_NOENT;
        if (i == idx) {
            *base = b;
            *size = s;
            return KERR_OK;
        }
    }
}
