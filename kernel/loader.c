/* Loading ELF executables into tasks, and starting the root task. */
#include <keelbase/cpio.h>
#include <elf.h>
#include <irq.h>
#include <kernel.h>
#include <keel/errors.h>
#include <keel/kobj.h>
#include <kmem.h>
#include <keelbase/string.h>
#include <loader.h>
#include <print.h>

/* Give one segment its pages, copying its file contents in. */
static uint32_t load_segment(struct task *task, struct factory *f, const struct elf_segment *s)
{
    uintptr_t first = ALIGN_DOWN(s->vaddr, ARCH_PAGE_SIZE);
    for (uintptr_t va = first; va < s->vaddr + s->memsz; va += ARCH_PAGE_SIZE) {
        uint64_t pa;
        uint32_t err = task_map_page(task, f, va, s->rights, &pa);
        if (err)
            return err;
        uint8_t *page = kmem_ptr(pa);
        /* The part of [vaddr, vaddr + filesz) that falls in this page. */
        uint64_t lo = MAX(va, s->vaddr), hi = MIN(va + ARCH_PAGE_SIZE, s->vaddr + s->filesz);
        if (hi > lo)
            memcpy(page + (lo - va), s->data + (lo - s->vaddr), hi - lo);
    }
    return KEEL_OK;
}

uint32_t elf_load(struct task *task, struct factory *f, const void *img, size_t size,
                  uintptr_t *entry, enum elf_problem *why)
{
    struct elf_image elf;
    if (elf_parse(img, size, ARCH_ELF_MACHINE, USER_BASE, USER_STACK_TOP, &elf) != KERR_OK) {
        *why = elf.problem;
        return KEEL_E_INVALID;
    }
    *why = ELF_OK;
    for (uint32_t i = 0; i < elf.count; i++) {
        uint32_t err = load_segment(task, f, &elf.seg[i]);
        if (err)
            return err;
    }
    *entry = elf.entry;
    return KEEL_OK;
}

uint32_t task_load_elf(struct task *task, struct factory *f, const struct vm_space *from,
                       uintptr_t va, uintptr_t size, uintptr_t *entry)
{
    uint64_t pa0 = 0, pa;
    uint32_t r;
    if (!size || va + size < va)
        return KEEL_E_INVALID;
    uintptr_t page0 = ALIGN_DOWN(va, ARCH_PAGE_SIZE);
    for (uintptr_t p = page0; p < va + size; p += ARCH_PAGE_SIZE) {
        if (vm_lookup(from, p, &pa, &r) != KERR_OK || !(r & PTE_USER) || !(r & PTE_R))
            return KEEL_E_FAULT;
        if (p == page0)
            pa0 = pa;
        else if (pa != pa0 + (p - page0))
            return KEEL_E_INVALID; /* not one physically contiguous image */
    }
    enum elf_problem why; /* the ABI has one error for every bad image */
    return elf_load(task, f, (const uint8_t *)kmem_ptr(pa0) + (va - page0), size, entry, &why);
}

/* Map the boot image read-only into the root task; not charged, not owned. */
static enum kerr map_boot_image(struct task *task, uint64_t pa, size_t size)
{
    uint64_t first = ALIGN_DOWN(pa, ARCH_PAGE_SIZE);
    for (uint64_t p = first; p < pa + size; p += ARCH_PAGE_SIZE) {
        enum kerr e = vm_map(&task->vm, BOOT_IMAGE_VA + (p - first), p, PTE_R | PTE_USER);
        if (e)
            return e;
    }
    return KERR_OK;
}

static uint32_t give_root_cap(struct task *task, uint32_t slot, enum cap_type type, void *obj)
{
    struct cap c = { .object = obj, .type = type, .rights = CAP_RIGHTS_ALL };
    return cap_insert(&task->caps, &slot, &c) == KERR_OK ? KEEL_OK : KEEL_E_QUOTA;
}

/* Say why the system cannot start (the caller ends the boot); returns e. */
__attribute__((format(printf, 2, 3)))
static enum kerr refuse(enum kerr e, const char *fmt, ...)
{
    va_list ap;
    kprintf("[kernel] ");
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    return e;
}

/* The boot image's program "root": a regular file in a sound archive. */
static enum kerr find_root(uint64_t image_pa, size_t size, struct cpio_entry *root)
{
    struct cpio archive;
    enum kerr e = cpio_open(&archive, kmem_ptr(image_pa), size);
    if (e)
        return refuse(e, "the boot image (%llu bytes) is not a cpio newc archive: %s",
                      (unsigned long long)size, kerr_name(e));
    e = cpio_find(&archive, "root", root);
    if (e == KERR_NOENT)
        return refuse(e, "the boot image holds no program named \"root\"");
    if (e)
        return refuse(e, "the boot image is corrupt: %s", kerr_name(e));
    if (!cpio_is_file(root))
        return refuse(KERR_TYPE, "\"root\" in the boot image is not a regular file");
    return KERR_OK;
}

/* Load the root program into task; its stack, UTCB and first capabilities. */
static enum kerr build_root(struct task *task, struct thread *t, struct factory *all,
                            const struct cpio_entry *root, uintptr_t *entry)
{
    enum elf_problem why;
    uint32_t err = elf_load(task, all, root->data, root->size, entry, &why);
    if (why != ELF_OK)
        return refuse(KERR_BADFMT, "cannot start the root task: \"root\" (%u bytes) is not "
                      "a usable executable: %s", root->size, elf_problem_name(why));
    if (err)
        return refuse(KERR_NOMEM, "cannot start the root task: %s", err == KEEL_E_QUOTA ?
                      "out of kernel memory" : "its segments cannot be mapped");
    err = task_map_anon(task, all, USER_STACK_TOP - ROOT_STACK_PAGES * ARCH_PAGE_SIZE,
                        ROOT_STACK_PAGES, KEEL_MAP_R | KEEL_MAP_W);
    if (err)
        return refuse(KERR_NOMEM, "cannot start the root task: %s", err == KEEL_E_QUOTA ?
                      "out of kernel memory" : "its image overlaps its stack");
    if (thread_set_utcb(t, all, ROOT_UTCB_VA) ||
        give_root_cap(task, KEEL_SLOT_SELF_TASK, CAP_TASK, task) ||
        give_root_cap(task, KEEL_SLOT_SELF_THREAD, CAP_THREAD, t) ||
        give_root_cap(task, KEEL_SLOT_FACTORY, CAP_FACTORY, all) ||
        give_root_cap(task, KEEL_SLOT_IRQ_CONTROL, CAP_IRQ_CONTROL, &irq_controller))
        return refuse(KERR_NOMEM, "cannot start the root task: out of kernel memory");
    return KERR_OK;
}

enum kerr root_start(uint64_t image_pa, size_t size)
{
    static struct factory all_memory;
    struct cpio_entry root;
    struct task *task;
    struct thread *t;
    uintptr_t entry;
    enum kerr e = find_root(image_pa, size, &root);
    if (e)
        return e;

    all_memory.pages_left = kmem_free_pages();
    all_memory.memory = true;   /* all free memory is the root task's (sigma0) */
    if (task_create(&all_memory, "root", &task) || thread_create(&all_memory, task, &t))
        return refuse(KERR_NOMEM, "cannot start the root task: out of kernel memory");
    task->is_root = true;
    t->prio = ROOT_PRIO;
    kprintf("[kernel] starting the root task (%u bytes), %llu pages of kernel memory\n",
            root.size, (unsigned long long)all_memory.pages_left);
    if ((e = build_root(task, t, &all_memory, &root, &entry)))
        return e;
    device_give_root(task, &all_memory);
    if ((e = map_boot_image(task, image_pa, size)))
        return refuse(e, "cannot map the boot image into the root task: %s", kerr_name(e));
    t->utcb->user[0] = BOOT_IMAGE_VA + (image_pa % ARCH_PAGE_SIZE);
    t->utcb->user[1] = size;
    arch_regs_init_user(&t->regs, entry, USER_STACK_TOP, ROOT_UTCB_VA);
    sched_ready(t);
    return KERR_OK;
}

/* The root task is the system: once none of its threads can run again (all
 * stopped, dead or never started), nothing is left to supervise the modules
 * or to power the machine off, so the boot ends here, failed. */
void root_thread_stopped(const struct thread *t)
{
    for (const struct thread *o = t->task->threads; o; o = o->task_next)
        if (o->state != THREAD_INACTIVE && o->state != THREAD_STOPPED &&
            o->state != THREAD_DEAD)
            return;
    kprintf("[kernel] the root task has stopped: none of its threads can run again\n");
    kernel_finish(EXIT_FAIL);
}
