/* Boot modules: the root task finds them in the boot image (a cpio newc
 * archive, read with the shared reader, lib/cpio.c).  Only regular
 * files are modules; directories and links in the archive are passed over. */
#include <keelbase/cpio.h>
#include <keel/keel.h>

static bool open_boot_image(struct cpio *archive)
{
    struct keel_utcb *u = keel_utcb();
    return cpio_open(archive, (const void *)u->user[0], u->user[1]) == KERR_OK;
}

uint32_t keel_boot_module(const char *name, const void **data, size_t *size)
{
    struct cpio archive;
    struct cpio_entry e;
    if (!open_boot_image(&archive) || cpio_find(&archive, name, &e) != KERR_OK ||
        !cpio_is_file(&e))
        return KEEL_E_INVALID;
    *data = e.data;
    *size = e.size;
    return KEEL_OK;
}

uint32_t keel_boot_module_next(size_t *pos, const char **name, const void **data,
                               size_t *size)
{
    struct cpio archive;
    struct cpio_entry e;
    if (!open_boot_image(&archive))
        return KEEL_E_INVALID;
    do {
        if (cpio_next(&archive, pos, &e) != KERR_OK)
            return KEEL_E_INVALID;
    } while (!cpio_is_file(&e));
    *name = e.name;
    *data = e.data;
    *size = e.size;
    return KEEL_OK;
}
