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

uint64_t kmem_free_pages(void)
{
    return pagealloc_free_count(&pages);
}

void kmem_free(uint64_t pa)
{
    (void)page_free(&pages, pa);
}

uint64_t kmem_block(size_t bytes)
{
    uint64_t pa;
    if (page_alloc_block(&pages, bytes / ARCH_PAGE_SIZE, &pa) != KERR_OK)
        return 0;
    memset(kmem_ptr(pa), 0, bytes);
    return pa;
}
