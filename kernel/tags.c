/*
 * Address-space tags (PCID, ASID, PID), recycled by generation as Linux and
 * seL4 do.  Tags are handed out in order within a generation and never
 * returned one by one; when none is left a new generation starts and every
 * live space gets a fresh tag when it next runs.  arch_aspace_set_tag drops
 * a tag's TLB entries each time it is handed out again, so no space ever
 * sees another's translations, and no task creation fails for want of a tag.
 */
#include <vm.h>

uint64_t vm_tag_generation = 1;

static struct {
    uint32_t bits;
    uint32_t count;         /* tags 0 .. count - 1 exist; 0 is the kernel's */
    uint32_t next;          /* next tag of this generation to hand out */
} tags;

uint32_t vm_tags_init(uint32_t max_bits)
{
    uint32_t bits = arch_tag_bits();
    if (bits > max_bits)
        bits = max_bits ? max_bits : 1; /* tags exist: tag 0 is the kernel's */
    tags.bits = bits > 16 ? 16 : bits;
    tags.count = 1u << tags.bits;
    tags.next = 1;
    return tags.bits;
}

uint32_t vm_tag_bits(void)
{
    if (!tags.count)
        vm_tags_init(16);
    return tags.bits;
}

void vm_retag(struct vm_space *vs)
{
    if (vm_tag_bits() == 0) {
        vs->tag = 0; /* no tags: every switch flushes anyway */
    } else {
        if (tags.next >= tags.count) {
            vm_tag_generation++;
            tags.next = 1;
        }
        vs->tag = tags.next++;
    }
    vs->tag_gen = vm_tag_generation;
    arch_aspace_set_tag(&vs->arch, vs->tag);
}
