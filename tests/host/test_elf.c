/* Host tests for kernel/elf.c: real executables from the host and cross
 * compilers (checked against readelf's view of them), synthetic images, and
 * corrupted copies, which must be rejected or described without reading
 * outside the image (exact-size copies: ASan watches). */
#include <elf.h>
#include "check.h"

#define USER_LIMIT (1ull << 47)

static const struct { const char *name; uint16_t machine; uint16_t type; } progs[] = {
    { "x86_64", EM_X86_64, ET_EXEC }, { "x86_64-pie", EM_X86_64, ET_DYN },
    { "aarch64", EM_AARCH64, ET_EXEC }, { "riscv64", EM_RISCV, ET_EXEC },
    { "ppc64le", EM_PPC64, ET_EXEC },
};
static const uint16_t machines[] = { EM_X86_64, EM_AARCH64, EM_RISCV, EM_PPC64 };

static unsigned char *copy(const unsigned char *b, size_t len)
{
    unsigned char *c = malloc(len ? len : 1);
    memcpy(c, b, len);
    return c;
}

static void put_le(unsigned char *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> 8 * i);
}

static uint64_t get_le(const unsigned char *p, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = bytes; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

static bool contains(const unsigned char *hay, uint64_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (uint64_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return true;
    return false;
}

/* ---- readelf's view, the reference for real executables ---- */

struct ref {
    uint64_t entry;
    uint32_t count;
    struct elf_segment seg[16];
};

static bool read_ref(const char *path, struct ref *r)
{
    FILE *f = fopen(path, "r");
    char line[512];
    if (!f)
        return false;
    memset(r, 0, sizeof(*r));
    while (fgets(line, sizeof(line), f)) {
        unsigned long long off, va, pa, fsz, msz;
        int n = 0;
        if (sscanf(line, " Entry point address: %llx", &off) == 1)
            r->entry = off;
        if (sscanf(line, " LOAD %llx %llx %llx %llx %llx %n", &off, &va, &pa, &fsz, &msz,
                   &n) == 5 && r->count < 16) {
            struct elf_segment *s = &r->seg[r->count++];
            char *flags = line + n, *end = strstr(flags, "0x");
            *s = (struct elf_segment){ .vaddr = va, .memsz = msz, .offset = off, .filesz = fsz };
            for (char *c = flags; c < end; c++)
                s->rights |= *c == 'R' ? PTE_R : *c == 'W' ? PTE_W : *c == 'E' ? PTE_X : 0;
        }
    }
    fclose(f);
    return r->count > 0;
}

/* ---- invariants of any accepted image ---- */

/* Check what elf_parse() promises and read every byte it points at. */
static void check_result(const unsigned char *img, size_t size, uint64_t limit,
                         const struct elf_image *im)
{
    bool entry_ok = false;
    unsigned sum = 0;
    CHECK(im->count >= 1 && im->count <= ELF_MAX_SEGMENTS);
    for (uint32_t i = 0; i < im->count && i < ELF_MAX_SEGMENTS; i++) {
        const struct elf_segment *s = &im->seg[i];
        CHECK(s->memsz > 0 && s->filesz <= s->memsz);
        CHECK(s->data == img + s->offset && s->offset <= size && s->filesz <= size - s->offset);
        CHECK(s->vaddr < limit && s->memsz <= limit - s->vaddr);
        CHECK(i == 0 || (s->vaddr >> 12) > ((s[-1].vaddr + s[-1].memsz - 1) >> 12));
        for (uint64_t b = 0; b < s->filesz; b++)
            sum += s->data[b];
        entry_ok |= (s->rights & PTE_X) && im->entry >= s->vaddr &&
                    im->entry - s->vaddr < s->memsz;
    }
    CHECK(entry_ok);
    (void)sum;
}

/* ---- real executables ---- */

static unsigned char *load(const char *name, size_t *len)
{
    char path[128];
    snprintf(path, sizeof(path), "out/host/elf/%s.elf", name);
    unsigned char *b = read_file(path, len);
    if (!b)
        printf("cannot read %s\n", path);
    CHECK(b != NULL);
    return b;
}

static void test_real(const char *name, uint16_t machine, uint16_t type)
{
    size_t len;
    unsigned char *b = load(name, &len);
    char path[128];
    struct ref ref;
    struct elf_image im;
    if (!b)
        return;
    snprintf(path, sizeof(path), "out/host/elf/%s.elf.txt", name);
    CHECK(read_ref(path, &ref));

    CHECK_EQ_U(elf_parse(b, len, machine, 0, USER_LIMIT, &im), KERR_OK);
    check_result(b, len, USER_LIMIT, &im);
    CHECK_EQ_U(im.type, type);
    CHECK_EQ_U(im.entry, ref.entry);
    CHECK_EQ_U(im.count, ref.count);
    for (uint32_t i = 0; i < im.count && i < ref.count; i++) {
        CHECK_EQ_U(im.seg[i].vaddr, ref.seg[i].vaddr);
        CHECK_EQ_U(im.seg[i].memsz, ref.seg[i].memsz);
        CHECK_EQ_U(im.seg[i].offset, ref.seg[i].offset);
        CHECK_EQ_U(im.seg[i].filesz, ref.seg[i].filesz);
        CHECK_EQ_U(im.seg[i].rights, ref.seg[i].rights);
    }
    /* The string constant is in a readable segment's file contents. */
    bool found = false;
    for (uint32_t i = 0; i < im.count; i++)
        found |= (im.seg[i].rights & PTE_R) && contains(im.seg[i].data, im.seg[i].filesz,
                                                        "hello from a user program");
    CHECK(found);

    for (size_t m = 0; m < ARRAY_SIZE(machines); m++)
        if (machines[m] != machine)
            CHECK_EQ_U(elf_parse(b, len, machines[m], 0, USER_LIMIT, &im), KERR_BADFMT);

    /* The user limit: the exact end of the last segment is fine, one less is not. */
    CHECK_EQ_U(elf_parse(b, len, machine, 0, USER_LIMIT, &im), KERR_OK);
    uint64_t end = im.seg[im.count - 1].vaddr + im.seg[im.count - 1].memsz;
    CHECK_EQ_U(elf_parse(b, len, machine, 0, end, &im), KERR_OK);
    CHECK_EQ_U(elf_parse(b, len, machine, 0, end - 1, &im), KERR_RANGE);
    CHECK_EQ_U(elf_parse(b, len, machine, 0, 0, &im), KERR_RANGE);
    free(b);
}

/* Bytes a parse must see: headers, program headers, loaded file contents. */
static size_t needed_size(const unsigned char *b, const struct elf_image *im)
{
    size_t need = (size_t)(get_le(b + 32, 8) + 56 * get_le(b + 56, 2));
    for (uint32_t i = 0; i < im->count; i++)
        need = MAX(need, (size_t)(im->seg[i].offset + im->seg[i].filesz));
    return need;
}

static void test_truncations(const char *name, uint16_t machine)
{
    size_t len;
    unsigned char *b = load(name, &len);
    struct elf_image im;
    if (!b)
        return;
    CHECK_EQ_U(elf_parse(b, len, machine, 0, USER_LIMIT, &im), KERR_OK);
    size_t need = needed_size(b, &im), wrong = 0;
    for (size_t n = 0; n <= len; n += (n < 1024 ? 1 : n / 16 + 1)) {
        for (size_t k = 0; k < 3; k++) {
            size_t cut = k == 0 ? n : k == 1 ? need - 1 : need; /* and both edges */
            unsigned char *c = copy(b, cut);
            enum kerr e = elf_parse(c, cut, machine, 0, USER_LIMIT, &im);
            wrong += cut < need ? e == KERR_OK : e != KERR_OK;
            free(c);
        }
    }
    CHECK_EQ_U(wrong, 0);
    free(b);
}

/* Every single-byte corruption of the headers and the start of the text,
 * two values each: rejected, or a result that keeps every promise. */
static void test_corruptions(const char *name, uint16_t machine)
{
    size_t len;
    unsigned char *b = load(name, &len);
    struct elf_image im;
    size_t accepted = 0, refused = 0;
    if (!b)
        return;
    unsigned char *c = copy(b, len);
    for (size_t off = 0; off < MIN(len, (size_t)1024); off++) {
        for (int k = 0; k < 2; k++) {
            c[off] = k ? (unsigned char)~b[off] : (unsigned char)(b[off] ^ 0x80);
            if (elf_parse(c, len, machine, 0, USER_LIMIT, &im) == KERR_OK) {
                accepted++;
                check_result(c, len, USER_LIMIT, &im);
            } else {
                refused++;
            }
            c[off] = b[off];
        }
    }
    CHECK(accepted > 0 && refused > 0);
    free(c);
    free(b);
}

/* ---- crafted bad fields in the x86-64 executable ---- */

/* Offset of the n-th program header of type type, or 0. */
static size_t phdr_of(const unsigned char *b, uint32_t type, int n)
{
    size_t phoff = (size_t)get_le(b + 32, 8);
    for (unsigned i = 0; i < get_le(b + 56, 2); i++)
        if (get_le(b + phoff + 56 * i, 4) == type && n-- == 0)
            return phoff + 56 * i;
    return 0;
}

struct patch {
    const char *what;
    size_t off;
    unsigned bytes;
    uint64_t val;
    enum kerr want;
    enum elf_problem problem;   /* what elf_parse() must name */
};

static void apply(const unsigned char *b, size_t len, const struct patch *p, size_t n)
{
    struct elf_image im;
    for (size_t i = 0; i < n; i++) {
        unsigned char *c = copy(b, len);
        put_le(c + p[i].off, p[i].val, p[i].bytes);
        enum kerr e = elf_parse(c, len, EM_X86_64, 0, USER_LIMIT, &im);
        if (e != p[i].want || im.problem != p[i].problem)
            printf("     patch \"%s\": %s\n", p[i].what, elf_problem_name(im.problem));
        CHECK_EQ_U(e, p[i].want);
        CHECK_EQ_U(im.problem, p[i].problem);
        free(c);
    }
}

static void test_bad_fields(void)
{
    size_t len;
    unsigned char *b = load("x86_64", &len);
    struct elf_image im;
    if (!b)
        return;
    CHECK_EQ_U(elf_parse(b, len, EM_X86_64, 0, USER_LIMIT, &im), KERR_OK);
    size_t text = phdr_of(b, 1, 1), data = phdr_of(b, 1, 3), note = phdr_of(b, 4, 0);
    CHECK(text && data && note);
    CHECK_EQ_U(im.count, 4);
    CHECK_EQ_U(im.seg[1].rights, PTE_R | PTE_X);
    CHECK_EQ_U(im.seg[3].rights, PTE_R | PTE_W);
    uint64_t tva = im.seg[1].vaddr, dva = im.seg[3].vaddr, top = (uint64_t)-1;

    const struct patch p[] = {
        { "magic", 1, 1, 'e', KERR_BADFMT, ELF_MAGIC },
        { "ELFCLASS32", 4, 1, 1, KERR_BADFMT, ELF_NOT_64LE },
        { "ELFDATA2MSB", 5, 1, 2, KERR_BADFMT, ELF_NOT_64LE },
        { "ident version", 6, 1, 0, KERR_BADFMT, ELF_NOT_64LE },
        { "ET_REL", 16, 2, 1, KERR_BADFMT, ELF_NOT_EXEC },
        { "ET_CORE", 16, 2, 4, KERR_BADFMT, ELF_NOT_EXEC },
        { "ET_DYN", 16, 2, ET_DYN, KERR_OK, ELF_OK },
        { "machine", 18, 2, EM_RISCV, KERR_BADFMT, ELF_MACHINE },
        { "e_version", 20, 4, 2, KERR_BADFMT, ELF_VERSION },
        { "e_ehsize", 52, 2, 52, KERR_BADFMT, ELF_VERSION },
        { "e_phentsize", 54, 2, 64, KERR_BADFMT, ELF_VERSION },
        { "e_phnum 0", 56, 2, 0, KERR_BADFMT, ELF_NO_PHDRS },
        { "e_phnum PN_XNUM", 56, 2, 0xffff, KERR_BADFMT, ELF_NO_PHDRS },
        { "e_phnum too big", 56, 2, 4000, KERR_RANGE, ELF_PHDRS_OUTSIDE },
        { "e_phoff outside", 32, 8, len, KERR_RANGE, ELF_PHDRS_OUTSIDE },
        { "e_phoff wraps", 32, 8, top - 8, KERR_RANGE, ELF_PHDRS_OUTSIDE },
        { "entry outside", 24, 8, 0, KERR_BADFMT, ELF_ENTRY },
        { "entry in data", 24, 8, dva, KERR_BADFMT, ELF_ENTRY },
        { "entry past text", 24, 8, tva + im.seg[1].memsz, KERR_BADFMT, ELF_ENTRY },
        { "entry at text end", 24, 8, tva + im.seg[1].memsz - 1, KERR_OK, ELF_OK },
        { "text not executable", text + 4, 4, 4, KERR_BADFMT, ELF_ENTRY },
        { "text writable too", text + 4, 4, 7, KERR_OK, ELF_OK },
        { "filesz > memsz", data + 32, 8, im.seg[3].memsz + 1, KERR_BADFMT, ELF_FILESZ },
        { "filesz past the file", text + 32, 8, len, KERR_BADFMT, ELF_FILESZ },
        { "data past the end", data + 8, 8, len - 2, KERR_RANGE, ELF_SEG_OUTSIDE },
        { "offset past the file", text + 8, 8, len + 0x1000, KERR_RANGE, ELF_SEG_OUTSIDE },
        { "offset wraps", text + 8, 8, top - 0xfff, KERR_RANGE, ELF_SEG_OUTSIDE },
        { "vaddr at limit", data + 16, 8, USER_LIMIT, KERR_RANGE, ELF_SEG_ABOVE },
        { "vaddr + memsz wraps", data + 16, 8, top - 0xfff, KERR_RANGE, ELF_SEG_ABOVE },
        { "memsz wraps", data + 40, 8, top, KERR_RANGE, ELF_SEG_ABOVE },
        { "align not power of 2", text + 48, 8, 0x3000, KERR_BADFMT, ELF_ALIGN },
        { "align 0", text + 48, 8, 0, KERR_OK, ELF_OK },
        { "vaddr off page", text + 16, 8, tva + 8, KERR_BADFMT, ELF_ALIGN },
        { "overlap previous", data + 16, 8, im.seg[2].vaddr, KERR_BADFMT, ELF_ORDER },
        { "share a page", data + 16, 8, (im.seg[2].vaddr & ~0xfffull) + dva % 0x1000, KERR_BADFMT,
          ELF_ORDER },
        { "page offset differs", data + 16, 8, dva + 0x40, KERR_BADFMT, ELF_ALIGN },
        { "unsorted", data + 16, 8, 0x1000, KERR_BADFMT, ELF_ORDER },
        { "PT_INTERP", note, 4, 3, KERR_BADFMT, ELF_INTERP },
    };
    apply(b, len, p, ARRAY_SIZE(p));
    CHECK_EQ_U(elf_parse(NULL, 0, EM_X86_64, 0, USER_LIMIT, &im), KERR_INVAL);
    CHECK_EQ_U(im.problem, ELF_NO_IMAGE);
    CHECK_EQ_U(elf_parse(b, 0, EM_X86_64, 0, USER_LIMIT, &im), KERR_BADFMT);
    CHECK_EQ_U(im.problem, ELF_EMPTY);
    CHECK_EQ_U(elf_parse(b, 63, EM_X86_64, 0, USER_LIMIT, &im), KERR_BADFMT);
    CHECK_EQ_U(im.problem, ELF_SHORT);
    /* The lower end of user space: the first segment's page is in or out. */
    uint64_t first = im.seg[0].vaddr;
    CHECK_EQ_U(elf_parse(b, len, EM_X86_64, first & ~0xfffull, USER_LIMIT, &im), KERR_OK);
    CHECK_EQ_U(im.problem, ELF_OK);
    CHECK_EQ_U(elf_parse(b, len, EM_X86_64, first + 1, USER_LIMIT, &im), KERR_RANGE);
    CHECK_EQ_U(im.problem, ELF_SEG_BELOW);

    /* Without any PT_LOAD. */
    unsigned char *c = copy(b, len);
    for (int i = 0; i < 4; i++)
        put_le(c + phdr_of(b, 1, i), 4, 4);
    CHECK_EQ_U(elf_parse(c, len, EM_X86_64, 0, USER_LIMIT, &im), KERR_BADFMT);
    CHECK_EQ_U(im.problem, ELF_NO_LOAD);
    free(c);
    free(b);
}

/* Every problem has its own words. */
static void test_problem_names(void)
{
    for (int i = 0; i < ELF_PROBLEMS; i++) {
        CHECK(elf_problem_name(i) && elf_problem_name(i)[0]);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(elf_problem_name(i), elf_problem_name(j)) != 0);
    }
    CHECK(strcmp(elf_problem_name(ELF_PROBLEMS), "unknown problem") == 0);
    CHECK(strcmp(elf_problem_name(ELF_MAGIC), "bad ELF magic") == 0);
}

/* ---- synthetic images ---- */

struct spec { uint64_t vaddr, memsz, filesz; uint32_t flags; };

/* Header, n program headers, then each segment's contents on its own page
 * (at the vaddr's page offset).  Returns the image size. */
static size_t build(unsigned char *buf, uint16_t type, uint64_t entry, const struct spec *s,
                    unsigned n)
{
    size_t size = 0x1000 * (n + 2);
    memset(buf, 0, size);
    memcpy(buf, "\x7f" "ELF\x02\x01\x01", 7);
    put_le(buf + 16, type, 2);
    put_le(buf + 18, EM_RISCV, 2);
    put_le(buf + 20, 1, 4);
    put_le(buf + 24, entry, 8);
    put_le(buf + 32, 64, 8);
    put_le(buf + 52, 64, 2);
    put_le(buf + 54, 56, 2);
    put_le(buf + 56, n, 2);
    for (unsigned i = 0; i < n; i++) {
        unsigned char *ph = buf + 64 + 56 * i;
        uint64_t off = 0x1000 * (i + 1) + s[i].vaddr % 0x1000;
        put_le(ph, 1, 4);
        put_le(ph + 4, s[i].flags, 4);
        put_le(ph + 8, off, 8);
        put_le(ph + 16, s[i].vaddr, 8);
        put_le(ph + 32, s[i].filesz, 8);
        put_le(ph + 40, s[i].memsz, 8);
        put_le(ph + 48, 0x1000, 8);
        memset(buf + off, 0xa0 + (int)i, (size_t)s[i].filesz);
    }
    return size;
}

/* The image of the last parse_built(), kept until the next (im points in). */
static unsigned char *built;

static enum kerr parse_built(const struct spec *s, unsigned n, uint64_t entry,
                             struct elf_image *im)
{
    static unsigned char buf[0x1000 * 20];
    size_t size = build(buf, ET_EXEC, entry, s, n);
    free(built);
    built = copy(buf, size);
    enum kerr e = elf_parse(built, size, EM_RISCV, 0, USER_LIMIT, im);
    if (e == KERR_OK)
        check_result(built, size, USER_LIMIT, im);
    return e;
}

static void test_synthetic(void)
{
    struct spec s[12];
    struct elf_image im;

    /* Every flag combination becomes the matching rights. */
    for (unsigned i = 0; i < 8; i++)
        s[i] = (struct spec){ 0x10000 + 0x2000 * i + 0x10 * i, 0x100, 0x80, i };
    s[7].flags = 5; /* R+X: the entry's segment */
    CHECK_EQ_U(parse_built(s, 8, s[7].vaddr + 4, &im), KERR_OK);
    CHECK_EQ_U(im.count, 8);
    for (unsigned i = 0; i < 7; i++)
        CHECK_EQ_U(im.seg[i].rights, (i & 4 ? PTE_R : 0) | (i & 2 ? PTE_W : 0) |
                                         (i & 1 ? PTE_X : 0));
    CHECK(im.seg[3].data[0] == 0xa3 && im.seg[3].data[0x7f] == 0xa3);

    /* One more loadable segment than fits. */
    s[8] = (struct spec){ 0x40000, 0x10, 0x10, 4 };
    CHECK_EQ_U(parse_built(s, 9, s[7].vaddr, &im), KERR_NOMEM);
    CHECK_EQ_U(im.problem, ELF_TOO_MANY);

    /* Empty segments are skipped, even beyond the maximum. */
    s[8] = (struct spec){ 0x40000, 0, 0, 4 };
    s[9] = (struct spec){ 0x50000, 0, 0, 4 };
    CHECK_EQ_U(parse_built(s, 10, s[7].vaddr, &im), KERR_OK);
    CHECK_EQ_U(im.count, 8);

    /* Pure bss (filesz 0), and the entry in it when it is executable. */
    s[0] = (struct spec){ 0x10000, 0x3000, 0, 7 };
    CHECK_EQ_U(parse_built(s, 1, 0x12fff, &im), KERR_OK);
    CHECK_EQ_U(parse_built(s, 1, 0x13000, &im), KERR_BADFMT);
    /* Two segments ending and starting in adjacent pages. */
    s[1] = (struct spec){ 0x13000, 0x1, 0x1, 4 };
    CHECK_EQ_U(parse_built(s, 2, 0x10000, &im), KERR_OK);
    s[1].vaddr = 0x12fff;
    CHECK_EQ_U(parse_built(s, 2, 0x10000, &im), KERR_BADFMT);
    /* A segment ending at the very top of the user range. */
    s[1] = (struct spec){ USER_LIMIT - 0x1000, 0x1000, 0x10, 4 };
    CHECK_EQ_U(parse_built(s, 2, 0x10000, &im), KERR_OK);
    s[1].memsz++;
    CHECK_EQ_U(parse_built(s, 2, 0x10000, &im), KERR_RANGE);
    free(built);
}

int main(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
        test_real(progs[i].name, progs[i].machine, progs[i].type);
        test_truncations(progs[i].name, progs[i].machine);
        test_corruptions(progs[i].name, progs[i].machine);
    }
    test_bad_fields();
    test_problem_names();
    test_synthetic();
    return check_summary("test_elf");
}
