/* Kernel memory: every page the kernel uses for objects and page tables. */
#include <kmem.h>
#include <kstring.h>

static struct pagealloc pages;

void *kmem_ptr(uint64_t pa)
{
    return (void *)(uintptr_t)pa; /* the kernel runs 1:1 */
}

enum kerr kmem_init(const struct boot_desc *d)
{
    return pagealloc_init(&pages, &d->usable, kmem_ptr);
}

enum kerr kmem_page(uint64_t *pa)
{
    enum kerr e = page_alloc(&pages, pa);
    if (e == KERR_OK)
        memset(kmem_ptr(*pa), 0, ARCH_PAGE_SIZE);
    return e;
}

void kmem_free(uint64_t pa)
{
    (void)page_free(&pages, pa);
}

static uint64_t pt_alloc(void *ctx)
{
    uint64_t pa;
    return kmem_page(&pa) == KERR_OK ? pa : 0;
}

static void pt_free(void *ctx, uint64_t pa)
{
    kmem_free(pa);
}

static void *pt_virt(void *ctx, uint64_t pa)
{
    return kmem_ptr(pa);
}

const struct vm_pt_alloc kmem_pt_alloc = { pt_alloc, pt_free, pt_virt, NULL };
