/**
 * @file keel/system.h
 * @brief What a program started by the root task finds: the capability
 *        slots its line of the system description fills.
 *
 * The root task reads the system description (`system.desc` in the boot
 * image, docs/system.md) and starts each program it names in a task of its
 * own.  Every program finds its task, its first thread and its own factory
 * in slots 0-2; the capabilities its line names (`uses=SERVICE`,
 * `cap=irq-control`) follow from slot KEEL_SLOT_GIVEN in the order the line
 * names them, unless the line puts one elsewhere (`uses=SERVICE@SLOT`).
 *
 * Memory.  The root task owns all free memory (it alone may ask the kernel
 * for fresh pages, as L4's sigma0) and is the pager of every program's
 * first thread, and of every thread the program starts with the gate in
 * slot #KEEL_PROGRAM_PAGER as its handler: a load or store in [#KEEL_MEMORY_BASE,
 * #KEEL_MEMORY_BASE + #KEEL_MEMORY_SIZE) that finds no page makes the
 * kernel send the fault to the root task, whose reply carries a map item of
 * a zeroed page of its own (docs/design.md, "Memory").  A fault anywhere
 * else ends the program.  The C library's heap is the first #KEEL_HEAP_MAX
 * bytes of that region (keel/libc.h).
 *
 * Files.  A program whose line names a file of the boot image (`file=NAME`)
 * finds it read-only at #KEEL_FILE_BASE, paged in by the root task the same
 * way.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/** Where a program's memory region starts: the root task serves its page
 * faults there with zeroed pages (lazily, one page per fault: 4 KiB, or
 * 2 MiB from #KEEL_MEMORY_LARGE on). */
#define KEEL_MEMORY_BASE ((uintptr_t)0x0000100000000000ull)
/** Bytes of a program's memory region (4 GiB). */
#define KEEL_MEMORY_SIZE ((uintptr_t)0x0000000100000000ull)

/** Where the large-page part of a program's memory region starts (its upper
 * half, 2 GiB aligned).  A fault there is answered with the largest page
 * that fits: the whole aligned 2 MiB block around the address (one fault,
 * one map item of order 21) where the ISA has 2 MiB pages and the root task
 * can get the block, else the one 4 KiB page.  Below it, one 4 KiB page per
 * fault. */
#define KEEL_MEMORY_LARGE (KEEL_MEMORY_BASE + KEEL_MEMORY_SIZE / 2)

/** Where the huge-page part of a program's memory region starts (its last
 * GiB, 1 GiB aligned).  A fault there is answered with the whole 1 GiB (one
 * map item of order 30) where the machine has 1 GiB pages and the root task
 * can get a free, aligned 1 GiB block (KEEL_TASK_MAP_ANON of 262144 pages),
 * else as in the large part: 2 MiB, else 4 KiB. */
#define KEEL_MEMORY_HUGE (KEEL_MEMORY_BASE + KEEL_MEMORY_SIZE - ((uintptr_t)1 << 30))

/** Label of a call a program may make on the gate in slot
 * #KEEL_PROGRAM_PAGER: the root task's reply (words 0-3) says how many of
 * the program's page faults (every thread's, since this run of it started)
 * it served, how many of them with a large page, the largest page order it
 * served (0: none yet), and how often it restarted the program (`restart=`). */
#define KEEL_PAGER_STATS 0x9100u

/** Where a program whose line names a file of the boot image (`file=NAME`)
 * finds it, read-only: a struct keel_file here, the file's bytes from
 * #KEEL_FILE_DATA on (zero-padded to a page).  The root task maps each page
 * on the first touch, as it does the memory region. */
#define KEEL_FILE_BASE ((uintptr_t)0x0000180000000000ull)
/** Where the file's bytes start (the page after its struct keel_file). */
#define KEEL_FILE_DATA (KEEL_FILE_BASE + 4096)
/** Most bytes of a file the root task maps (1 GiB). */
#define KEEL_FILE_MAX ((uintptr_t)0x0000000040000000ull)

/** What a program finds at #KEEL_FILE_BASE. */
struct keel_file {
    uint64_t size;          /**< bytes of the file at #KEEL_FILE_DATA */
    char name[32];          /**< its name in the boot image, NUL-terminated */
};

/**
 * Bring [base, base + bytes) of the memory region in now: one load per page
 * from the calling thread.  A thread whose handler is not the root task
 * (#KEEL_PROGRAM_PAGER) needs this for memory it uses, e.g. its stack.
 */
static inline void keel_memory_touch(uintptr_t base, size_t bytes)
{
    for (uintptr_t p = base & ~(uintptr_t)4095; p < base + bytes; p += 4096)
        (void)*(volatile const char *)p;
}

/** Slots the root task fills in every program it starts. */
enum keel_program_slot {
    KEEL_PROGRAM_TASK = 0,      /**< the program's own task */
    KEEL_PROGRAM_THREAD = 1,    /**< its first thread (main()'s) */
    KEEL_PROGRAM_FACTORY = 2,   /**< its factory: its quota (`quota=` in the description) */
    KEEL_SLOT_GIVEN = 3,        /**< the first capability its description line names */
    KEEL_PROGRAM_PAGER = 54,    /**< a gate to the root task as pager and exception handler:
                                     the handler to give each thread the program starts
                                     (keel_thread_start()), so its faults are served as the
                                     first thread's are (docs/design.md, "Memory") */
};

/** Label of the gate the root task makes for the n-th service of a system
 * description (services numbered from 1 in the order their `serves=`
 * lines appear); a server sees it with each message from a client whose
 * copy carries no badge. */
#define KEEL_SERVICE_LABEL(n) (0x9090u + (uint32_t)(n))

/** Most programs one system description names (the root task holds four
 * capabilities for each, and one for each service, in its 64 slots). */
#define KEEL_SYSTEM_PROGRAMS 12

/** Longest program or service name in a system description (bytes,
 * without the terminating NUL). */
#define KEEL_SYSTEM_NAME_MAX 31
