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

/** What elf_parse() found. */
struct elf_image {
    uint64_t entry;         /**< entry point, inside an executable segment */
    uint16_t type;          /**< ET_EXEC, or ET_DYN (loaded at its link addresses) */
    uint32_t count;         /**< segments used in seg[], by ascending address */
    struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/**
 * Validate the executable at img (size bytes) for processor machine (EM_*)
 * and describe it in out.  Every segment must lie below user_limit.
 *
 * Errors: KERR_INVAL for a NULL image; KERR_BADFMT for anything that is not a
 * static ELF64 LSB executable for machine (ident, type, machine, version,
 * header sizes, a PT_INTERP, no PT_LOAD, bad alignment, segments not in
 * ascending order or sharing a page, entry point not executable); KERR_RANGE for a header table or
 * segment outside the file or the user address range, or arithmetic that
 * would wrap; KERR_NOMEM for more than ELF_MAX_SEGMENTS loadable segments.
 */
enum kerr elf_parse(const void *img, size_t size, uint16_t machine, uint64_t user_limit,
                    struct elf_image *out);
