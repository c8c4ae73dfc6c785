/* The machine as the kernel found it at boot: generic decoding of what the
 * port put in struct boot_info (and of the device tree, where there is one). */
#pragma once

#include <arch.h>
#include <keelbase/fdt.h>
#include <memmap.h>

#define FDT_MAX_SIZE (2u << 20)   /* larger claimed blobs are refused */
#define CMDLINE_MAX 256

struct boot_desc {
    struct memmap ram;          /* all RAM the firmware reported */
    struct memmap reserved;     /* firmware, kernel, device tree, boot image */
    struct memmap usable;       /* ram minus reserved, page aligned */
    uint64_t initrd_base, initrd_size;
    bool initrd_present;        /* handed over, even if empty (size 0) */
    uint64_t fdt_base, fdt_size;
    uint32_t cpus;              /* CPUs described (0 if unknown) */
    char cmdline[CMDLINE_MAX];
    bool has_fdt;
    struct fdt fdt;
};

/* Decode bi (and its device tree) into d.  Errors: KERR_BADFMT/KERR_RANGE for
 * an unreadable device tree, KERR_RANGE for a boot image that ends before it
 * starts or wraps, KERR_NOENT if no RAM was reported, KERR_NOMEM if the map
 * has too many ranges. */
enum kerr boot_describe(const struct boot_info *bi, struct boot_desc *d);

/* Print the memory map and boot facts to the console. */
void boot_print(const struct boot_desc *d);
