/* User memory access through software translation (see usercopy.h). */
#include <kmem.h>
#include <keelbase/string.h>
#include <usercopy.h>

/* Kernel pointer to the user byte at va if its page has rights; NULL if not. */
static uint8_t *user_byte(const struct vm_space *vs, uintptr_t va, uint32_t rights)
{
    uint64_t pa;
    uint32_t have;
    if (va < USER_BASE || va >= USER_END)
        return NULL;
    if (vm_lookup(vs, va, &pa, &have) != KERR_OK || (have & rights) != rights)
        return NULL;
    return (uint8_t *)kmem_ptr(pa) + (va & (ARCH_PAGE_SIZE - 1));
}

enum kerr copy_from_user(const struct vm_space *vs, void *dst, uintptr_t src, size_t len)
{
    uint8_t *buf = dst;
    while (len) { /* page by page: each is translated and checked on its own */
        size_t chunk = MIN(len, ARCH_PAGE_SIZE - (src & (ARCH_PAGE_SIZE - 1)));
        const uint8_t *p = user_byte(vs, src, PTE_USER | PTE_R);
        if (!p)
            return KERR_RANGE;
        memcpy(buf, p, chunk);
        src += chunk, buf += chunk, len -= chunk;
    }
    return KERR_OK;
}
