/* Boot modules: the root task finds them in the boot image (a cpio newc
 * archive, read with the kernel's own reader, kernel/cpio.c). */
#include <cpio.h>
#include <keel/keel.h>

uint32_t keel_boot_module(const char *name, const void **data, size_t *size)
{
    struct keel_utcb *u = keel_utcb();
    struct cpio archive;
    struct cpio_entry e;
    if (cpio_open(&archive, (const void *)u->user[0], u->user[1]) != KERR_OK ||
        cpio_find(&archive, name, &e) != KERR_OK)
        return KEEL_E_INVALID;
    *data = e.data;
    *size = e.size;
    return KEEL_OK;
}
