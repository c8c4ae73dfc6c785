/* ELF64 little-endian executable reader (System V gABI).  Fields are read
 * byte by byte: the image may sit at any alignment, and the kernel itself
 * may be big-endian (ppc64). */
#include <elf.h>

enum {
    EHDR_SIZE = 64,
    PHDR_SIZE = 56,
    ELFCLASS64 = 2,
    ELFDATA2LSB = 1,
    EV_CURRENT = 1,
    PN_XNUM = 0xffff,       /* real count elsewhere: not supported */
    PT_LOAD = 1,
    PT_INTERP = 3,
    PF_X = 1,
    PF_W = 2,
    PF_R = 4,
};

static uint64_t le(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = bytes; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)le(p, 2); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)le(p, 4); }
static uint64_t le64(const uint8_t *p) { return le(p, 8); }

/* True if [off, off + len) lies inside a region of size total. */
static bool in_bounds(uint64_t off, uint64_t len, uint64_t total)
{
    return off <= total && len <= total - off;
}

/* The file header: identification, type, machine, version, header sizes. */
static enum kerr check_header(const uint8_t *h, size_t size, uint16_t machine)
{
    if (size < EHDR_SIZE)
        return KERR_BADFMT;
    if (h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F' ||
        h[4] != ELFCLASS64 || h[5] != ELFDATA2LSB || h[6] != EV_CURRENT)
        return KERR_BADFMT;
    uint16_t type = le16(h + 16);
    if ((type != ET_EXEC && type != ET_DYN) || le16(h + 18) != machine ||
        le32(h + 20) != EV_CURRENT || le16(h + 52) != EHDR_SIZE ||
        le16(h + 54) != PHDR_SIZE)
        return KERR_BADFMT;
    uint16_t phnum = le16(h + 56);
    if (phnum == 0 || phnum == PN_XNUM)
        return KERR_BADFMT;
    /* phnum * PHDR_SIZE < 2^22: no wrap. */
    if (!in_bounds(le64(h + 32), (uint64_t)phnum * PHDR_SIZE, size))
        return KERR_RANGE;
    return KERR_OK;
}

static uint32_t rights_of(uint32_t flags)
{
    return (flags & PF_R ? PTE_R : 0) | (flags & PF_W ? PTE_W : 0) |
           (flags & PF_X ? PTE_X : 0);
}

/* Decode and check one PT_LOAD header (not yet against its neighbours). */
static enum kerr read_load(const uint8_t *img, size_t size, const uint8_t *ph,
                           uint64_t user_limit, struct elf_segment *s)
{
    uint64_t align = le64(ph + 48);

    s->offset = le64(ph + 8);
    s->vaddr = le64(ph + 16);
    s->filesz = le64(ph + 32);
    s->memsz = le64(ph + 40);
    s->rights = rights_of(le32(ph + 4));
    if (s->filesz > s->memsz)
        return KERR_BADFMT;
    if (s->memsz == 0)
        return KERR_OK; /* occupies nothing (linkers emit these for empty sections) */
    if (!in_bounds(s->offset, s->filesz, size))
        return KERR_RANGE;
    if (!in_bounds(s->vaddr, s->memsz, user_limit))
        return KERR_RANGE;
    /* p_align 0 and 1 mean "none"; otherwise a power of two. */
    if (align > 1 && ((align & (align - 1)) || s->vaddr % align != s->offset % align))
        return KERR_BADFMT;
    /* File pages must map onto memory pages (however small p_align is). */
    if (s->vaddr % ARCH_PAGE_SIZE != s->offset % ARCH_PAGE_SIZE)
        return KERR_BADFMT;
    s->data = img + s->offset;
    return KERR_OK;
}

/* First and last page numbers of a segment (memsz > 0, so no wrap). */
static uint64_t first_page(const struct elf_segment *s)
{
    return s->vaddr >> ARCH_PAGE_SHIFT;
}

static uint64_t last_page(const struct elf_segment *s)
{
    return (s->vaddr + s->memsz - 1) >> ARCH_PAGE_SHIFT;
}

/* Append s to out.  The gABI sorts PT_LOAD by p_vaddr; we also require that
 * no two segments share a page, since a page gets one set of rights. */
static enum kerr add_segment(struct elf_image *out, const struct elf_segment *s)
{
    if (out->count > 0 && first_page(s) <= last_page(&out->seg[out->count - 1]))
        return KERR_BADFMT;
    if (out->count == ELF_MAX_SEGMENTS)
        return KERR_NOMEM;
    out->seg[out->count++] = *s;
    return KERR_OK;
}

static bool entry_executable(const struct elf_image *out)
{
    for (uint32_t i = 0; i < out->count; i++) {
        const struct elf_segment *s = &out->seg[i];
        if ((s->rights & PTE_X) && out->entry >= s->vaddr && out->entry - s->vaddr < s->memsz)
            return true;
    }
    return false;
}

/* Walk the program headers, collecting the loadable segments. */
static enum kerr read_segments(const uint8_t *img, size_t size, uint64_t user_limit,
                               struct elf_image *out)
{
    const uint8_t *ph = img + le64(img + 32);
    uint16_t phnum = le16(img + 56);

    for (uint16_t i = 0; i < phnum; i++, ph += PHDR_SIZE) {
        uint32_t type = le32(ph);
        struct elf_segment s;
        if (type == PT_INTERP)
            return KERR_BADFMT;     /* wants a dynamic linker */
        if (type != PT_LOAD)
            continue;
        enum kerr e = read_load(img, size, ph, user_limit, &s);
        if (e == KERR_OK && s.memsz > 0)
            e = add_segment(out, &s);
        if (e != KERR_OK)
            return e;
    }
    return out->count > 0 ? KERR_OK : KERR_BADFMT;
}

enum kerr elf_parse(const void *img, size_t size, uint16_t machine, uint64_t user_limit,
                    struct elf_image *out)
{
    const uint8_t *h = img;

    if (!img)
        return KERR_INVAL;
    enum kerr e = check_header(h, size, machine);
    if (e != KERR_OK)
        return e;
    out->type = le16(h + 16);
    out->entry = le64(h + 24);
    out->count = 0;
    e = read_segments(h, size, user_limit, out);
    if (e != KERR_OK)
        return e;
    return entry_executable(out) ? KERR_OK : KERR_BADFMT;
}
