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

/* Each problem's words, and the enum kerr elf_parse() reports for it. */
static const struct {
    const char *name;
    enum kerr err;
} problems[ELF_PROBLEMS] = {
    [ELF_OK] = { "no problem", KERR_OK },
    [ELF_NO_IMAGE] = { "no image", KERR_INVAL },
    [ELF_EMPTY] = { "empty file", KERR_BADFMT },
    [ELF_SHORT] = { "shorter than an ELF header", KERR_BADFMT },
    [ELF_MAGIC] = { "bad ELF magic", KERR_BADFMT },
    [ELF_NOT_64LE] = { "not a 64-bit little-endian ELF file", KERR_BADFMT },
    [ELF_NOT_EXEC] = { "not an executable", KERR_BADFMT },
    [ELF_MACHINE] = { "wrong machine", KERR_BADFMT },
    [ELF_VERSION] = { "unsupported ELF version or header size", KERR_BADFMT },
    [ELF_NO_PHDRS] = { "no program headers", KERR_BADFMT },
    [ELF_PHDRS_OUTSIDE] = { "program headers out of the file", KERR_RANGE },
    [ELF_INTERP] = { "needs a dynamic linker", KERR_BADFMT },
    [ELF_FILESZ] = { "segment larger in the file than in memory", KERR_BADFMT },
    [ELF_SEG_OUTSIDE] = { "segment out of the file", KERR_RANGE },
    [ELF_SEG_BELOW] = { "segment below user space", KERR_RANGE },
    [ELF_SEG_ABOVE] = { "segment beyond user space", KERR_RANGE },
    [ELF_ALIGN] = { "bad segment alignment", KERR_BADFMT },
    [ELF_ORDER] = { "segments out of order or sharing a page", KERR_BADFMT },
    [ELF_TOO_MANY] = { "too many loadable segments", KERR_NOMEM },
    [ELF_NO_LOAD] = { "no loadable segment", KERR_BADFMT },
    [ELF_ENTRY] = { "entry point outside any executable segment", KERR_BADFMT },
};

const char *elf_problem_name(enum elf_problem p)
{
    return (uint32_t)p < ELF_PROBLEMS ? problems[p].name : "unknown problem";
}

/* The identification bytes. */
static enum elf_problem check_ident(const uint8_t *h, size_t size)
{
    if (size == 0)
        return ELF_EMPTY;
    if (size < EHDR_SIZE)
        return ELF_SHORT;
    if (h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F')
        return ELF_MAGIC;
    if (h[4] != ELFCLASS64 || h[5] != ELFDATA2LSB || h[6] != EV_CURRENT)
        return ELF_NOT_64LE;
    return ELF_OK;
}

/* The file header: identification, type, machine, version, header sizes. */
static enum elf_problem check_header(const uint8_t *h, size_t size, uint16_t machine)
{
    enum elf_problem p = check_ident(h, size);
    if (p != ELF_OK)
        return p;
    uint16_t type = le16(h + 16);
    if (type != ET_EXEC && type != ET_DYN)
        return ELF_NOT_EXEC;
    if (le16(h + 18) != machine)
        return ELF_MACHINE;
    if (le32(h + 20) != EV_CURRENT || le16(h + 52) != EHDR_SIZE || le16(h + 54) != PHDR_SIZE)
        return ELF_VERSION;
    uint16_t phnum = le16(h + 56);
    if (phnum == 0 || phnum == PN_XNUM)
        return ELF_NO_PHDRS;
    /* phnum * PHDR_SIZE < 2^22: no wrap. */
    if (!in_bounds(le64(h + 32), (uint64_t)phnum * PHDR_SIZE, size))
        return ELF_PHDRS_OUTSIDE;
    return ELF_OK;
}

static uint32_t rights_of(uint32_t flags)
{
    return (flags & PF_R ? PTE_R : 0) | (flags & PF_W ? PTE_W : 0) |
           (flags & PF_X ? PTE_X : 0);
}

/* The user address range segments must lie in. */
struct window {
    uint64_t base, limit;
};

/* Decode and check one PT_LOAD header (not yet against its neighbours). */
static enum elf_problem read_load(const uint8_t *img, size_t size, const uint8_t *ph,
                                  struct window user, struct elf_segment *s)
{
    uint64_t align = le64(ph + 48);

    s->offset = le64(ph + 8);
    s->vaddr = le64(ph + 16);
    s->filesz = le64(ph + 32);
    s->memsz = le64(ph + 40);
    s->rights = rights_of(le32(ph + 4));
    if (s->filesz > s->memsz)
        return ELF_FILESZ;
    if (s->memsz == 0)
        return ELF_OK; /* occupies nothing (linkers emit these for empty sections) */
    if (!in_bounds(s->offset, s->filesz, size))
        return ELF_SEG_OUTSIDE;
    if (s->vaddr < user.base)
        return ELF_SEG_BELOW;
    if (!in_bounds(s->vaddr, s->memsz, user.limit))
        return ELF_SEG_ABOVE;
    /* p_align 0 and 1 mean "none"; otherwise a power of two. */
    if (align > 1 && ((align & (align - 1)) || s->vaddr % align != s->offset % align))
        return ELF_ALIGN;
    /* File pages must map onto memory pages (however small p_align is). */
    if (s->vaddr % ARCH_PAGE_SIZE != s->offset % ARCH_PAGE_SIZE)
        return ELF_ALIGN;
    s->data = img + s->offset;
    return ELF_OK;
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
static enum elf_problem add_segment(struct elf_image *out, const struct elf_segment *s)
{
    if (out->count > 0 && first_page(s) <= last_page(&out->seg[out->count - 1]))
        return ELF_ORDER;
    if (out->count == ELF_MAX_SEGMENTS)
        return ELF_TOO_MANY;
    out->seg[out->count++] = *s;
    return ELF_OK;
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
static enum elf_problem read_segments(const uint8_t *img, size_t size, struct window user,
                                      struct elf_image *out)
{
    const uint8_t *ph = img + le64(img + 32);
    uint16_t phnum = le16(img + 56);

    for (uint16_t i = 0; i < phnum; i++, ph += PHDR_SIZE) {
        uint32_t type = le32(ph);
        struct elf_segment s;
        if (type == PT_INTERP)
            return ELF_INTERP;
        if (type != PT_LOAD)
            continue;
        enum elf_problem p = read_load(img, size, ph, user, &s);
        if (p == ELF_OK && s.memsz > 0)
            p = add_segment(out, &s);
        if (p != ELF_OK)
            return p;
    }
    return out->count > 0 ? ELF_OK : ELF_NO_LOAD;
}

static enum elf_problem parse(const uint8_t *h, size_t size, uint16_t machine,
                              struct window user, struct elf_image *out)
{
    if (!h)
        return ELF_NO_IMAGE;
    enum elf_problem p = check_header(h, size, machine);
    if (p != ELF_OK)
        return p;
    out->type = le16(h + 16);
    out->entry = le64(h + 24);
    p = read_segments(h, size, user, out);
    if (p != ELF_OK)
        return p;
    return entry_executable(out) ? ELF_OK : ELF_ENTRY;
}

enum kerr elf_parse(const void *img, size_t size, uint16_t machine, uint64_t user_base,
                    uint64_t user_limit, struct elf_image *out)
{
    out->count = 0;
    out->problem = parse(img, size, machine, (struct window){ user_base, user_limit }, out);
    return problems[out->problem].err;
}
