/*
 * elf.h - reader for the ELF64 little-endian executables user programs come
 * as (System V gABI, "ELF-64 Object File Format").
 *
 * elf_parse() checks an untrusted image completely and describes what to
 * load: the PT_LOAD segments, with rights, and the entry point.  It maps and
 * copies nothing; the loader does that with the result.
 */
#pragma once

#include <arch.h>

/* e_machine values the ports pass to elf_parse(). */
#define EM_PPC64    21
#define EM_X86_64   62
#define EM_AARCH64  183
#define EM_RISCV    243

/* e_type values accepted. */
#define ET_EXEC     2
#define ET_DYN      3

/** Most PT_LOAD segments an image may have (more is KERR_NOMEM). */
#define ELF_MAX_SEGMENTS 8

/** One PT_LOAD segment: memsz bytes at vaddr, the first filesz of them
 * copied from the image at data, the rest zero. */
struct elf_segment {
    uint64_t vaddr;         /**< first byte in the user address space */
    uint64_t memsz;         /**< bytes of memory, > 0 */
    uint64_t offset;        /**< file offset of the contents */
    uint64_t filesz;        /**< bytes taken from the file, <= memsz */
    const uint8_t *data;    /**< image + offset */
    uint32_t rights;        /**< PTE_R / PTE_W / PTE_X (enum pte_rights) */
};

/** What is wrong with an image, in more detail than its enum kerr: loaders
 * print it (elf_problem_name()) so that a bad program is named, not guessed. */
enum elf_problem {
    ELF_OK,                 /**< nothing */
    ELF_NO_IMAGE,           /**< NULL image (KERR_INVAL) */
    ELF_EMPTY,              /**< size 0 */
    ELF_SHORT,              /**< shorter than the ELF header */
    ELF_MAGIC,              /**< not "\x7fELF" */
    ELF_NOT_64LE,           /**< not ELFCLASS64, ELFDATA2LSB, ident version 1 */
    ELF_NOT_EXEC,           /**< e_type neither ET_EXEC nor ET_DYN */
    ELF_MACHINE,            /**< e_machine is not the processor's */
    ELF_VERSION,            /**< e_version, e_ehsize or e_phentsize unsupported */
    ELF_NO_PHDRS,           /**< e_phnum 0, or PN_XNUM (extended numbering) */
    ELF_PHDRS_OUTSIDE,      /**< program headers out of the file (KERR_RANGE) */
    ELF_INTERP,             /**< PT_INTERP: wants a dynamic linker */
    ELF_FILESZ,             /**< p_filesz > p_memsz */
    ELF_SEG_OUTSIDE,        /**< segment contents out of the file (KERR_RANGE) */
    ELF_SEG_BELOW,          /**< segment below user_base (KERR_RANGE) */
    ELF_SEG_ABOVE,          /**< segment reaching user_limit, or wrapping (KERR_RANGE) */
    ELF_ALIGN,              /**< p_align not a power of two, or vaddr/offset disagree */
    ELF_ORDER,              /**< segments not ascending, or sharing a page */
    ELF_TOO_MANY,           /**< more than ELF_MAX_SEGMENTS loadable segments (KERR_NOMEM) */
    ELF_NO_LOAD,            /**< no loadable segment */
    ELF_ENTRY,              /**< entry point outside any executable segment */
    ELF_PROBLEMS            /**< count */
};

/** What elf_parse() found. */
struct elf_image {
    uint64_t entry;         /**< entry point, inside an executable segment */
    uint16_t type;          /**< ET_EXEC, or ET_DYN (loaded at its link addresses) */
    uint32_t count;         /**< segments used in seg[], by ascending address */
    enum elf_problem problem; /**< ELF_OK, or why elf_parse() refused the image */
    struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/**
 * Validate the executable at img (size bytes) for processor machine (EM_*)
 * and describe it in out.  Every segment must lie in [user_base, user_limit).
 *
 * Errors, with out->problem saying which check failed (ELF_OK on success):
 * KERR_INVAL for a NULL image; KERR_BADFMT for anything that is not a static
 * ELF64 LSB executable for machine (empty or short file, ident, type,
 * machine, version, header sizes, a PT_INTERP, no PT_LOAD, bad alignment,
 * segments not in ascending order or sharing a page, entry point not
 * executable); KERR_RANGE for a header table or segment outside the file or
 * the user address range, or arithmetic that would wrap; KERR_NOMEM for more
 * than ELF_MAX_SEGMENTS loadable segments.
 */
enum kerr elf_parse(const void *img, size_t size, uint16_t machine, uint64_t user_base,
                    uint64_t user_limit, struct elf_image *out);

/** A short phrase for a problem ("bad ELF magic", "wrong machine", ...). */
const char *elf_problem_name(enum elf_problem p);
