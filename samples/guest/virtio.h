/* The guest kernel's virtio driver (virtio.c) and what it adds to the
 * guest: the virtual console carries its processes' output and input, and
 * a read-only file system on the virtual disk serves open and read, and
 * its spare sectors are read and written whole.
 * Devices and queues as keel/vmm/virtio.h lays them out. */
#pragma once

#include <keel/vmm/virtio.h>
#include "guest.h"

/* Guest system calls of the devices (beside enum guest_sys). */
enum guest_sys_devices {
    SYS_OPEN = 30,      /* the file named in the system-call page's data: a descriptor, or -1 */
    SYS_READ = 31,      /* a0 = descriptor (0: the console), a1 = most bytes (at most
                           GUEST_READ_MAX): bytes into the page's data, their count (0: end
                           of file, or no console input in GUEST_INPUT_WAIT_US); a1 = 0 on
                           the console: 0 if it has input, -2 if not */
    SYS_IRQS = 32,      /* the virtual interrupts that brought console input so far */
    SYS_SECTOR_WRITE = 33, /* a0 = a spare sector of the disk (0 to its spare count - 1):
                              write it from the page's data (512 bytes); 512, or -1 */
    SYS_SECTOR_READ = 34,  /* a0 = a spare sector: read it into the page's data; 512, or -1 */
    SYS_KICKS_SPARED = 35, /* the kicks the devices' avail_event spared the kernel so far */
};
#define GUEST_READ_MAX 2048
#define GUEST_INPUT_WAIT_US 20000000u

/* The disk's format (tools/mkdisk.py): sector 0 a directory, then files,
 * each from a sector boundary, then `spare` zeroed sectors, the disk's
 * last, free for writes. */
#define DISK_MAGIC "KEELDISK"
struct disk_entry {
    char name[24];
    uint32_t first;     /* sector */
    uint32_t size;      /* bytes */
};
struct disk_dir {
    char magic[8];
    uint32_t count, spare;
    struct disk_entry file[15];
};

/* The guest kernel's (kernel.c). */
void *phys(uintptr_t pa);
uintptr_t alloc_page(void);
void kwrite(const char *s, uintptr_t n);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The driver's (virtio.c). */
void guest_virtio_setup(struct keel_utcb *u);
void guest_console_write(const char *s, uintptr_t n);
/* System call nr of process i (a: its arguments, p: its page): true if
 * answered, false if i now waits for a device. */
bool guest_syscall(uint32_t i, uintptr_t nr, const uintptr_t *a, struct keel_vmm_syspage *p);
bool guest_blocked(uint32_t i);
bool guest_waiting(void);
/* Virtual interrupts (KEEL_VMM_UP_IRQ's lines). */
void guest_interrupt(uintptr_t lines);
/* Nothing to run: wait for a virtual interrupt, a device's or the other
 * VM's. */
void guest_idle(void);
/* The VM has a virtual disk. */
bool guest_has_disk(void);


/* The kernel's (kernel.c): virtual interrupt bits from the other VM and
 * the page that came with them (KEEL_VMM_UP_VIRQ). */
void guest_peer_interrupt(uintptr_t bits, uintptr_t page);

/* Process 4, role ROLE_READER (reader.c): reads a file of the disk, writes
 * and reads back spare sector vm - 1, and reads a typed line; me names it
 * in its lines. */
_Noreturn void guest_reader(const char *me, uint32_t vm);
