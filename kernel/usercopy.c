/* User memory access through software translation (see usercopy.h). */
#include <kmem.h>
#include <kstring.h>
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

/* Walk [va, va + len) page by page, copying to or from buf. */
static enum kerr copy_user(const struct vm_space *vs, uintptr_t va, uint8_t *buf, size_t len,
                           bool to_user)
{
    uint32_t rights = PTE_USER | (to_user ? PTE_W : PTE_R);
    while (len) {
        size_t chunk = MIN(len, ARCH_PAGE_SIZE - (va & (ARCH_PAGE_SIZE - 1)));
        uint8_t *p = user_byte(vs, va, rights);
        if (!p)
            return KERR_RANGE;
        if (to_user)
            memcpy(p, buf, chunk);
        else
            memcpy(buf, p, chunk);
        va += chunk, buf += chunk, len -= chunk;
    }
    return KERR_OK;
}

enum kerr copy_from_user(const struct vm_space *vs, void *dst, uintptr_t src, size_t len)
{
    return copy_user(vs, src, dst, len, false);
}

enum kerr copy_to_user(const struct vm_space *vs, uintptr_t dst, const void *src, size_t len)
{
    return copy_user(vs, dst, (uint8_t *)src, len, true);
}
