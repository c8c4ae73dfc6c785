/* Loading ELF executables into new tasks, and starting the root task. */
#include <cpio.h>
#include <elf.h>
#include <kmem.h>
#include <kstring.h>
#include <loader.h>
#include <print.h>

#define ROOT_PRIO 100
#define ROOT_TAG 1

_Static_assert(sizeof(struct task) + 64 + sizeof(struct thread) <= ARCH_PAGE_SIZE,
               "the root task and thread must share a page");

/* Map [va, va + ARCH_PAGE_SIZE) to a fresh zeroed page; return its pointer. */
static enum kerr map_new_page(struct task *task, uintptr_t va, uint32_t rights, uint8_t **page)
{
    uint64_t pa;
    enum kerr e = kmem_page(&pa);
    if (e)
        return e;
    e = vm_map(&task->vm, va, pa, rights | PTE_USER);
    if (e) {
        kmem_free(pa);
        return e;
    }
    *page = kmem_ptr(pa);
    return KERR_OK;
}

/* Give one segment its pages, copying its file contents in. */
static enum kerr load_segment(struct task *task, const struct elf_segment *s)
{
    uintptr_t first = ALIGN_DOWN(s->vaddr, ARCH_PAGE_SIZE);
    for (uintptr_t va = first; va < s->vaddr + s->memsz; va += ARCH_PAGE_SIZE) {
        uint8_t *page;
        enum kerr e = map_new_page(task, va, s->rights, &page);
        if (e)
            return e;
        /* The part of [vaddr, vaddr + filesz) that falls in this page. */
        uint64_t lo = MAX(va, s->vaddr), hi = MIN(va + ARCH_PAGE_SIZE, s->vaddr + s->filesz);
        if (hi > lo)
            memcpy(page + (lo - va), s->data + (lo - s->vaddr), hi - lo);
    }
    return KERR_OK;
}

enum kerr task_load(struct task *task, struct thread *thread, const char *name, uint32_t tag,
                    const void *elf, size_t size, uint8_t prio, uintptr_t arg)
{
    struct elf_image img;
    enum kerr e = elf_parse(elf, size, ARCH_ELF_MACHINE, USER_STACK_TOP, &img);
    if (e)
        return e;
    if ((e = vm_init(&task->vm, &kmem_pt_alloc, tag)))
        return e;
    for (size_t i = 0; i < sizeof(task->name) - 1 && name[i]; i++)
        task->name[i] = name[i];
    for (uint32_t i = 0; i < img.count; i++)
        if (img.seg[i].vaddr < USER_BASE || (e = load_segment(task, &img.seg[i])))
            return e ? e : KERR_RANGE;
    for (uint32_t i = 1; i <= USER_STACK_PAGES; i++) {
        uint8_t *page;
        if ((e = map_new_page(task, USER_STACK_TOP - i * ARCH_PAGE_SIZE, PTE_R | PTE_W, &page)))
            return e;
    }
    thread->task = task;
    thread->prio = prio;
    rq_node_init(&thread->rq);
    arch_regs_init_user(&thread->regs, img.entry, USER_STACK_TOP, arg);
    sched_ready(thread);
    return KERR_OK;
}

enum kerr root_start(const void *image, size_t size)
{
    struct cpio archive;
    struct cpio_entry root;
    enum kerr e = cpio_open(&archive, image, size);
    if (e || (e = cpio_find(&archive, "root", &root)))
        return e;

    /* The root task and its thread share one kernel page. */
    uint64_t pa;
    if ((e = kmem_page(&pa)))
        return e;
    struct task *task = kmem_ptr(pa);
    struct thread *thread = (struct thread *)ALIGN_UP((uintptr_t)(task + 1), 64);
    task->is_root = true;
    kprintf("[kernel] starting the root task (%u bytes)\n", root.size);
    return task_load(task, thread, "root", ROOT_TAG, root.data, root.size, ROOT_PRIO, 0);
}
