/* cpio "newc" archive reader (cpio(5), the format of Linux initramfs). */
#include <keelbase/cpio.h>
#include <keelbase/hex.h>
#include <keelbase/string.h>

enum {
    HEADER_SIZE = 110,
    MAGIC_LEN = 6,
    FIELD_LEN = 8,
    FIELDS = 13,            /* ino mode uid gid nlink mtime filesize dev... check */
    F_MODE = 1,
    F_FILESIZE = 6,
    F_NAMESIZE = 11,
    F_CHECK = 12,
};

static const char TRAILER[] = "TRAILER!!!";

/* One decoded header; offsets are from the start of the archive.  They are
 * 64-bit and every field is at most 32 bits, so sums of a few cannot wrap. */
struct member {
    uint32_t field[FIELDS];
    bool has_checksum;      /* magic 070702 */
    uint64_t name_off, data_off, next;
};

/* True if [off, off + len) lies inside a region of size total. */
static bool in_bounds(uint64_t off, uint64_t len, uint64_t total)
{
    return off <= total && len <= total - off;
}

static uint64_t pad4(uint64_t x)
{
    return (x + 3) & ~(uint64_t)3;
}

/* Parse exactly FIELD_LEN hex digits; false on any other character. */
static bool parse_hex8(const uint8_t *p, uint32_t *val)
{
    uint32_t v = 0;
    for (int i = 0; i < FIELD_LEN; i++) {
        int d = kb_hex_digit((char)p[i]);
        if (d < 0)
            return false;
        v = v << 4 | (uint32_t)d;
    }
    *val = v;
    return true;
}

/* Decode and bounds-check the member whose header is at off. */
static enum kerr decode_member(const struct cpio *c, uint64_t off, struct member *m)
{
    if ((off & 3) || !in_bounds(off, HEADER_SIZE, c->size))
        return KERR_RANGE;
    const uint8_t *h = c->base + off;
    if (memcmp(h, "07070", 5) != 0 || (h[5] != '1' && h[5] != '2'))
        return KERR_BADFMT;
    m->has_checksum = h[5] == '2';
    for (int i = 0; i < FIELDS; i++)
        if (!parse_hex8(h + MAGIC_LEN + FIELD_LEN * i, &m->field[i]))
            return KERR_BADFMT;

    uint32_t namesize = m->field[F_NAMESIZE];
    m->name_off = off + HEADER_SIZE;
    if (namesize == 0)
        return KERR_BADFMT;
    if (!in_bounds(m->name_off, namesize, c->size))
        return KERR_RANGE;
    /* namesize counts the NUL: it must be the name's only NUL. */
    if (strnlen((const char *)c->base + m->name_off, namesize) != namesize - 1)
        return KERR_BADFMT;

    m->data_off = pad4(m->name_off + namesize);
    m->next = pad4(m->data_off + m->field[F_FILESIZE]);
    if (!in_bounds(m->data_off, m->field[F_FILESIZE], c->size) || m->next > c->size)
        return KERR_RANGE;
    return KERR_OK;
}

static bool is_trailer(const struct cpio *c, const struct member *m)
{
    return strcmp((const char *)c->base + m->name_off, TRAILER) == 0;
}

/* For magic 070702: the check field is the 32-bit sum of the data bytes. */
static bool checksum_ok(const struct cpio *c, const struct member *m)
{
    uint32_t sum = 0;
    if (!m->has_checksum)
        return true;
    for (uint32_t i = 0; i < m->field[F_FILESIZE]; i++)
        sum += c->base[m->data_off + i];
    return sum == m->field[F_CHECK];
}

enum kerr cpio_open(struct cpio *c, const void *buf, size_t avail)
{
    struct member m;

    if (!buf)
        return KERR_INVAL;
    c->base = buf;
    c->size = avail;
    /* Each member ends strictly after it starts, so the walk terminates. */
    for (uint64_t off = 0;; off = m.next) {
        enum kerr e = decode_member(c, off, &m);
        if (e != KERR_OK)
            return e;
        if (!checksum_ok(c, &m))
            return KERR_BADFMT;
        if (is_trailer(c, &m)) {
            c->size = (size_t)m.next;   /* ignore the block padding after it */
            return KERR_OK;
        }
    }
}

enum kerr cpio_next(const struct cpio *c, size_t *pos, struct cpio_entry *e)
{
    struct member m;

    if (*pos >= c->size)
        return KERR_NOENT;
    enum kerr err = decode_member(c, *pos, &m);
    if (err != KERR_OK)
        return err;
    if (is_trailer(c, &m))
        return KERR_NOENT;
    e->name = (const char *)c->base + m.name_off;
    e->mode = m.field[F_MODE];
    e->data = c->base + m.data_off;
    e->size = m.field[F_FILESIZE];
    e->next = (size_t)m.next;
    *pos = e->next;
    return KERR_OK;
}

enum kerr cpio_find(const struct cpio *c, const char *name, struct cpio_entry *e)
{
    size_t pos = 0;
    enum kerr err;

    while ((err = cpio_next(c, &pos, e)) == KERR_OK)
        if (strcmp(e->name, name) == 0)
            return KERR_OK;
    return err;
}

bool cpio_is_file(const struct cpio_entry *e)
{
    return (e->mode & CPIO_MODE_TYPE) == CPIO_MODE_FILE;
}

bool cpio_is_dir(const struct cpio_entry *e)
{
    return (e->mode & CPIO_MODE_TYPE) == CPIO_MODE_DIR;
}
