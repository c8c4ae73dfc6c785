/* Translate the Multiboot (v1) information QEMU hands over into struct
 * boot_info, then enter the generic kernel. */
#include <console.h>
#include <kernel.h>
#include <keel/irq.h>
#include <keelbase/string.h>
#include <x86.h>

#define MB_BOOTLOADER_MAGIC 0x2badb002

/* Multiboot info flags: which fields below are valid. */
#define MB_INFO_MEMORY (1u << 0)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MODS (1u << 3)
#define MB_INFO_MMAP (1u << 6)

#define MB_MMAP_RAM 1               /* memory map type of usable RAM */
#define LOW_MEM_BASE 0
#define HIGH_MEM_BASE MIB(1)        /* mem_upper counts from 1 MiB */
#define BIOS_DATA_SIZE KIB(4)       /* real-mode IVT and BIOS data area */

struct mb_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;  /* KiB below 640 KiB and above 1 MiB */
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
};

/* size does not count itself: the next entry is at (char *)e + size + 4. */
struct mb_mmap_entry {
    uint32_t size;
    uint64_t addr, len;
    uint32_t type;
} __attribute__((packed));

struct mb_module {
    uint32_t mod_start, mod_end;
    uint32_t string;
    uint32_t reserved;
};

extern char __kernel_phys_start[], __kernel_phys_end[];

static void add_range(struct mem_range *r, uint32_t *count, uint64_t base, uint64_t size)
{
    if (size && *count < BOOT_MAX_RANGES)
        r[(*count)++] = (struct mem_range){ base, size };
}

static void find_ram(struct boot_info *bi, const struct mb_info *mb)
{
    if (mb->flags & MB_INFO_MMAP) {
        uintptr_t p = mb->mmap_addr, end = p + mb->mmap_length;
        while (p < end) {
            const struct mb_mmap_entry *e = (const void *)p;
            if (e->type == MB_MMAP_RAM)
                add_range(bi->ram, &bi->ram_count, e->addr, e->len);
            p += e->size + sizeof(e->size);
        }
        /* The map itself stays in use until boot_describe() has read it. */
        add_range(bi->reserved, &bi->reserved_count, mb->mmap_addr, mb->mmap_length);
    } else if (mb->flags & MB_INFO_MEMORY) {
        add_range(bi->ram, &bi->ram_count, LOW_MEM_BASE, KIB(mb->mem_lower));
        add_range(bi->ram, &bi->ram_count, HIGH_MEM_BASE, KIB(mb->mem_upper));
    }
}

/* Multiboot loaders (QEMU, GRUB) put the kernel's file name first. */
static const char *skip_image_name(const char *line)
{
    while (*line && *line != ' ')
        line++;
    while (*line == ' ')
        line++;
    return line;
}

noreturn void x86_boot(uint32_t magic, uint32_t info_pa)
{
    static struct boot_info bi;
    const struct mb_info *mb = (const void *)(uintptr_t)info_pa;

    console_attach(&(struct arch_uart){ .kind = KEEL_UART_16550_PIO, .base = X86_COM1,
                                        .line = X86_COM1_ISA_IRQ, .stride = 1 });
    x86_gdt_init();
    x86_idt_init();
    if (magic != MB_BOOTLOADER_MAGIC)
        panic("not started by a Multiboot loader (eax 0x%x)", magic);

    bi.kernel_base = (uintptr_t)__kernel_phys_start;
    bi.kernel_end = (uintptr_t)__kernel_phys_end;
    find_ram(&bi, mb);
    add_range(bi.reserved, &bi.reserved_count, LOW_MEM_BASE, BIOS_DATA_SIZE);
    add_range(bi.reserved, &bi.reserved_count, info_pa, sizeof(*mb));

    if (mb->flags & MB_INFO_CMDLINE) {
        const char *line = (const char *)(uintptr_t)mb->cmdline;
        add_range(bi.reserved, &bi.reserved_count, mb->cmdline, strlen(line) + 1);
        bi.cmdline = skip_image_name(line);
    }
    if ((mb->flags & MB_INFO_MODS) && mb->mods_count) {
        /* The first module is the boot image (QEMU: the first -initrd file). */
        const struct mb_module *mod = (const void *)(uintptr_t)mb->mods_addr;
        bi.initrd_present = true;
        bi.initrd_base = mod->mod_start;
        /* 64-bit: an end below the start wraps far and is refused as a range. */
        bi.initrd_size = (uint64_t)mod->mod_end - mod->mod_start;
        add_range(bi.reserved, &bi.reserved_count, mb->mods_addr,
                  mb->mods_count * sizeof(*mod));
    }
    kernel_main(&bi);
}
