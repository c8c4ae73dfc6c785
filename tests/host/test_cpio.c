/* Host tests for lib/cpio.c: archives packed by GNU cpio from
 * tests/host/cpio/tree (newc and crc formats), hand-built archives, and
 * corrupted copies, which must be rejected or read without leaving the
 * buffer (exact-size copies: ASan watches). */
#include <types.h>
#include <keelbase/cpio.h>
#include "check.h"

#define TREE "tests/host/cpio/tree/"

/* What the archives hold, in the (sorted) order they were packed. */
static const struct { const char *name; bool dir; } members[] = {
    { "empty", false }, { "hello.txt", false }, { "sub", true }, { "sub/deeper", true },
    { "sub/deeper/four.bin", false }, { "sub/random.bin", false }, { "sub/three", false },
};

static unsigned char *copy(const unsigned char *b, size_t len)
{
    unsigned char *c = malloc(len ? len : 1);
    memcpy(c, b, len);
    return c;
}

/* Append one member to p; returns its padded length. */
static size_t put_member(unsigned char *p, const char *magic, const char *name,
                         const void *data, uint32_t size, uint32_t mode)
{
    size_t namesize = strlen(name) + 1;
    uint32_t sum = 0;
    for (uint32_t i = 0; i < size; i++)
        sum += ((const unsigned char *)data)[i];
    int n = sprintf((char *)p, "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X",
                    magic, 1u, mode, 0u, 0u, 1u, 0u, size, 0u, 0u, 0u, 0u, namesize,
                    strcmp(magic, "070702") == 0 ? sum : 0u);
    size_t off = (size_t)n;
    memcpy(p + off, name, namesize);
    off += namesize;
    while (off & 3)
        p[off++] = 0;
    memcpy(p + off, data, size);
    off += size;
    while (off & 3)
        p[off++] = 0;
    return off;
}

static size_t put_trailer(unsigned char *p, const char *magic)
{
    return put_member(p, magic, "TRAILER!!!", "", 0, 0);
}

/* Read every member completely (names and data bytes). */
static uint32_t exercise(const struct cpio *c)
{
    struct cpio_entry e;
    size_t pos = 0;
    uint32_t sum = 0, n = 0;
    while (cpio_next(c, &pos, &e) == KERR_OK && n++ < 1000) {
        sum += (uint32_t)strlen(e.name);
        for (uint32_t i = 0; i < e.size; i++)
            sum += ((const unsigned char *)e.data)[i];
    }
    (void)cpio_find(c, "sub/three", &e);
    return sum;
}

static void check_member(const struct cpio_entry *e, const char *name, bool dir)
{
    CHECK_STR(e->name, name);
    CHECK(dir ? cpio_is_dir(e) : cpio_is_file(e));
    CHECK(dir ? !cpio_is_file(e) : !cpio_is_dir(e));
    if (dir) {
        CHECK_EQ_U(e->size, 0);
        return;
    }
    char path[256];
    size_t len = 0;
    snprintf(path, sizeof(path), TREE "%s", name);
    unsigned char *want = read_file(path, &len);
    CHECK(want != NULL);
    CHECK_EQ_U(e->size, len);
    CHECK(want && e->size == len && memcmp(e->data, want, len) == 0);
    free(want);
}

static void test_contents(const unsigned char *b, size_t len)
{
    struct cpio c;
    struct cpio_entry e;
    size_t pos = 0, n = 0;

    CHECK_EQ_U(cpio_open(&c, b, len), KERR_OK);
    CHECK(c.size <= len);
    while (cpio_next(&c, &pos, &e) == KERR_OK) {
        if (n < ARRAY_SIZE(members))
            check_member(&e, members[n].name, members[n].dir);
        CHECK_EQ_U(e.next, pos);
        CHECK_EQ_U(pos % 4, 0);
        CHECK_EQ_U(((const unsigned char *)e.data - b) % 4, 0);
        n++;
    }
    CHECK_EQ_U(n, ARRAY_SIZE(members));
    CHECK_EQ_U(cpio_next(&c, &pos, &e), KERR_NOENT);    /* stays at the end */

    for (size_t i = 0; i < ARRAY_SIZE(members); i++) {
        CHECK_EQ_U(cpio_find(&c, members[i].name, &e), KERR_OK);
        check_member(&e, members[i].name, members[i].dir);
    }
    CHECK_EQ_U(cpio_find(&c, "TRAILER!!!", &e), KERR_NOENT);
    CHECK_EQ_U(cpio_find(&c, "sub/", &e), KERR_NOENT);
    CHECK_EQ_U(cpio_find(&c, "hello", &e), KERR_NOENT);
    CHECK_EQ_U(cpio_find(&c, "", &e), KERR_NOENT);

    pos = 1;
    CHECK_EQ_U(cpio_next(&c, &pos, &e), KERR_RANGE);    /* misaligned cursor */
    pos = 112;
    CHECK(cpio_next(&c, &pos, &e) != KERR_OK);           /* not a header */
    pos = (size_t)-4;
    CHECK_EQ_U(cpio_next(&c, &pos, &e), KERR_NOENT);
}

/* Every truncation that cuts into the members or the trailer is rejected;
 * cutting only block padding after the trailer is harmless. */
static void test_truncations(const unsigned char *b, size_t len)
{
    struct cpio c;
    CHECK_EQ_U(cpio_open(&c, b, len), KERR_OK);
    size_t used = c.size, accepted = 0, rejected = 0;
    for (size_t n = 0; n <= len; n++) {
        unsigned char *t = copy(b, n);
        enum kerr e = cpio_open(&c, t, n);
        if (n < used)
            accepted += e == KERR_OK;
        else
            rejected += e != KERR_OK;
        free(t);
    }
    CHECK_EQ_U(accepted, 0);
    CHECK_EQ_U(rejected, 0);
}

/* Every single-byte corruption (two values each) of the used part: either
 * rejected, or read entirely inside the buffer. */
static void test_corruptions(const unsigned char *b, size_t len)
{
    struct cpio c;
    CHECK_EQ_U(cpio_open(&c, b, len), KERR_OK);
    size_t used = c.size, opened = 0, refused = 0;
    unsigned char *t = copy(b, used);
    for (size_t off = 0; off < used; off++) {
        for (int k = 0; k < 2; k++) {
            t[off] = k ? (unsigned char)~b[off] : (unsigned char)(b[off] ^ 0x01);
            if (cpio_open(&c, t, used) == KERR_OK) {
                opened++;
                (void)exercise(&c);
            } else {
                refused++;
            }
            t[off] = b[off];
        }
    }
    free(t);
    CHECK(opened > 0);      /* data bytes of a newc archive are not checked */
    CHECK(refused > 0);
}

/* Crafted bad fields in the first member ("empty", namesize 6, no data). */
static void test_bad_fields(const unsigned char *b, size_t len)
{
    static const struct { size_t off; const char *text; enum kerr want; } bad[] = {
        { 0, "070703", KERR_BADFMT },       /* unknown magic */
        { 0, "070707", KERR_BADFMT },       /* old portable (odc) format */
        { 0, "170701", KERR_BADFMT },
        { 6, "0000000g", KERR_BADFMT },     /* ino: not hex */
        { 14, " 00081A4", KERR_BADFMT },    /* mode: space */
        { 14, "-0081A4", KERR_BADFMT },     /* mode: sign */
        { 102, "0000000x", KERR_BADFMT },   /* check: not hex */
        { 94, "00000000", KERR_BADFMT },    /* namesize 0 */
        { 94, "00000005", KERR_BADFMT },    /* name not NUL-terminated */
        { 94, "00000007", KERR_BADFMT },    /* NUL inside the name */
        { 94, "FFFFFFFF", KERR_RANGE },     /* name beyond the archive */
        { 54, "FFFFFFFF", KERR_RANGE },     /* data beyond the archive (no wrap) */
        { 54, "FFFFFFF0", KERR_RANGE },
        { 54, "00000001", KERR_BADFMT },    /* next header lands on the name */
        { 110, "TRAILER!!!", KERR_BADFMT }, /* namesize 6 no longer fits the name */
    };
    struct cpio c;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        unsigned char *t = copy(b, len);
        memcpy(t + bad[i].off, bad[i].text, strlen(bad[i].text));
        enum kerr e = cpio_open(&c, t, len);
        if (e != bad[i].want)
            printf("     bad field %zu (\"%s\" at %zu)\n", i, bad[i].text, bad[i].off);
        CHECK_EQ_U(e, bad[i].want);
        free(t);
    }
    CHECK_EQ_U(cpio_open(&c, NULL, 0), KERR_INVAL);
}

/* Hand-built archives: empty, missing trailer, misaligned, lower-case hex. */
static void test_built(void)
{
    unsigned char buf[1024];
    struct cpio c;
    struct cpio_entry e;
    size_t pos = 0, n;

    n = put_trailer(buf, "070701");
    unsigned char *t = copy(buf, n);
    CHECK_EQ_U(cpio_open(&c, t, n), KERR_OK);            /* an empty archive */
    CHECK_EQ_U(c.size, n);
    CHECK_EQ_U(cpio_next(&c, &pos, &e), KERR_NOENT);
    free(t);

    n = put_member(buf, "070701", "a", "xyz", 3, CPIO_MODE_FILE | 0644);
    t = copy(buf, n);
    CHECK_EQ_U(cpio_open(&c, t, n), KERR_RANGE);         /* no trailer */
    free(t);

    n += put_trailer(buf + n, "070701");
    for (char *p = (char *)buf; p < (char *)buf + 110; p++)
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p - 'A' + 'a');
    t = copy(buf, n);
    CHECK_EQ_U(cpio_open(&c, t, n), KERR_OK);            /* lower-case hex */
    CHECK_EQ_U(cpio_find(&c, "a", &e), KERR_OK);
    CHECK_EQ_U(e.mode, CPIO_MODE_FILE | 0644);
    CHECK(e.size == 3 && memcmp(e.data, "xyz", 3) == 0);
    free(t);

    /* A member whose header + name is not padded to 4 bytes: the reader
     * expects the data (and so the next header) at the padded offset. */
    n = put_member(buf, "070701", "ab", "", 0, CPIO_MODE_FILE);
    memmove(buf + 113, buf + 114, n - 114);             /* drop one pad byte */
    n = n - 1;
    n += put_trailer(buf + n, "070701");
    t = copy(buf, n);
    CHECK(cpio_open(&c, t, n) != KERR_OK);
    free(t);

    /* crc format: a data byte changed breaks the checksum. */
    n = put_member(buf, "070702", "f", "checked data", 12, CPIO_MODE_FILE);
    n += put_trailer(buf + n, "070702");
    t = copy(buf, n);
    CHECK_EQ_U(cpio_open(&c, t, n), KERR_OK);
    t[116] ^= 0x20;
    CHECK_EQ_U(cpio_open(&c, t, n), KERR_BADFMT);
    free(t);
}

static void test_archive(const char *path)
{
    size_t len = 0;
    unsigned char *b = read_file(path, &len);
    if (!b)
        printf("cannot read %s\n", path);
    CHECK(b != NULL);
    if (!b)
        return;
    test_contents(b, len);
    test_truncations(b, len);
    test_corruptions(b, len);
    test_bad_fields(b, len);
    free(b);
}

int main(void)
{
    test_archive("out/host/cpio/newc.cpio");
    test_archive("out/host/cpio/crc.cpio");
    test_built();
    return check_summary("test_cpio");
}
