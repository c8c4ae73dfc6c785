/* Sorted, merged physical range sets (used for the boot memory map). */
#include <memmap.h>
#include <keelbase/string.h>

/* End of a range, saturating instead of wrapping past 2^64. */
static uint64_t range_end(uint64_t base, uint64_t size)
{
    return base + size < base ? UINT64_MAX : base + size;
}

void memmap_clear(struct memmap *m)
{
    m->count = 0;
}

static void remove_at(struct memmap *m, uint32_t i)
{
    memmove(&m->r[i], &m->r[i + 1], (m->count - i - 1) * sizeof(m->r[0]));
    m->count--;
}

static enum kerr insert_at(struct memmap *m, uint32_t i, uint64_t base, uint64_t end)
{
    if (m->count == MEMMAP_MAX)
        return KERR_NOMEM;
    memmove(&m->r[i + 1], &m->r[i], (m->count - i) * sizeof(m->r[0]));
    m->r[i] = (struct mem_range){ base, end - base };
    m->count++;
    return KERR_OK;
}

enum kerr memmap_add(struct memmap *m, uint64_t base, uint64_t size)
{
    uint64_t end = range_end(base, size);
    if (size == 0)
        return KERR_OK;
    /* Swallow every range that overlaps or touches [base, end). */
    uint32_t i = 0;
    while (i < m->count) {
        uint64_t rb = m->r[i].base, re = range_end(rb, m->r[i].size);
        if (re < base) {
            i++;
        } else if (rb > end) {
            break;
        } else {
            base = MIN(base, rb);
            end = MAX(end, re);
            remove_at(m, i);
        }
    }
    return insert_at(m, i, base, end);
}

enum kerr memmap_remove(struct memmap *m, uint64_t base, uint64_t size)
{
    uint64_t end = range_end(base, size);
    for (uint32_t i = 0; i < m->count && size;) {
        uint64_t rb = m->r[i].base, re = range_end(rb, m->r[i].size);
        if (re <= base || rb >= end) {
            i++;
            continue;
        }
        if (rb < base && re > end) { /* punch a hole: split in two */
            if (m->count == MEMMAP_MAX)
                return KERR_NOMEM; /* leave the map as it was */
            m->r[i].size = base - rb;
            return insert_at(m, i + 1, end, re);
        }
        if (rb < base) {
            m->r[i].size = base - rb;
            i++;
        } else if (re > end) {
            m->r[i] = (struct mem_range){ end, re - end };
            i++;
        } else {
            remove_at(m, i);
        }
    }
    return KERR_OK;
}

void memmap_align(struct memmap *m, uint64_t align)
{
    for (uint32_t i = 0; i < m->count;) {
        uint64_t b = ALIGN_UP(m->r[i].base, align);
        uint64_t e = ALIGN_DOWN(range_end(m->r[i].base, m->r[i].size), align);
        if (b < m->r[i].base || e <= b) { /* rounding wrapped, or nothing left */
            remove_at(m, i);
            continue;
        }
        m->r[i] = (struct mem_range){ b, e - b };
        i++;
    }
}

uint64_t memmap_total(const struct memmap *m)
{
    uint64_t t = 0;
    for (uint32_t i = 0; i < m->count; i++)
        t += m->r[i].size;
    return t;
}

bool memmap_contains(const struct memmap *m, uint64_t base, uint64_t size)
{
    uint64_t end = range_end(base, size);
    for (uint32_t i = 0; i < m->count; i++)
        if (m->r[i].base <= base && end <= range_end(m->r[i].base, m->r[i].size))
            return true;
    return false;
}

bool memmap_overlaps(const struct memmap *m, uint64_t base, uint64_t size)
{
    uint64_t end = range_end(base, size);
    for (uint32_t i = 0; i < m->count; i++)
        if (m->r[i].base < end && base < range_end(m->r[i].base, m->r[i].size))
            return true;
    return false;
}
