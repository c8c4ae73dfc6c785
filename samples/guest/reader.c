/* Guest process 4 (ROLE_READER): reads a file of the virtual disk through its kernel's
 * open and read (the kernel reads the sectors through the virtio block
 * device), checks it, writes a spare sector of the disk and reads it back,
 * then reads a typed line from the virtual console, whose input the UART's
 * receive interrupt brought (the lines typed as `@N text` for VM N). */
#include <keel/keel.h>
#include "virtio.h"

static volatile struct keel_vmm_syspage *const page =
    (volatile struct keel_vmm_syspage *)KEEL_VMM_SYSPAGE_VA;

static intptr_t sys(uintptr_t nr, uintptr_t a0, uintptr_t a1)
{
    return keel_vmm_syscall(nr, a0, a1, 0, 0);
}

static void say(const char *s)
{
    uintptr_t n = 0;
    while (s[n] && n < sizeof(page->data) - 1)
        page->data[n] = s[n], n++;
    sys(SYS_WRITE, n, 0);
}

/* What samples/guest/disk/hello.txt holds (the build packs it on the disk). */
static uint32_t expected(char *buf, uint32_t size)
{
    uint32_t n = (uint32_t)keel_snprintf(buf, size, "hello from the guest's virtual disk\n");
    for (uint32_t i = 1; i <= 24 && n < size; i++)
        n += (uint32_t)keel_snprintf(buf + n, size - n, "line %02u: read through a virtio block "
                                     "device, served by the block server\n", i);
    return n;
}

/* Read the file name in pieces of step bytes; its length, or -1. */
static intptr_t read_file(const char *name, char *buf, uint32_t size, uint32_t step,
                          uint32_t *reads)
{
    for (uint32_t i = 0; i == 0 || name[i - 1]; i++)
        page->data[i] = name[i];
    intptr_t fd = sys(SYS_OPEN, 0, 0);
    if (fd < 0)
        return -1;
    uint32_t got = 0;
    for (;;) {
        intptr_t n = sys(SYS_READ, (uintptr_t)fd, step);
        (*reads)++;
        if (n <= 0 || got + (uint32_t)n > size)
            return n < 0 || n > 0 ? -1 : (intptr_t)got;
        for (intptr_t c = 0; c < n; c++)
            buf[got++] = page->data[c];
    }
}

static bool file_check(const char *me, char *line, size_t size)
{
    static char want[2048], got[2048];
    uint32_t reads = 0, n = expected(want, sizeof(want));
    intptr_t len = read_file("hello.txt", got, sizeof(got), 100, &reads);
    bool ok = len == (intptr_t)n;
    for (uint32_t i = 0; ok && i < n; i++)
        ok = got[i] == want[i];
    uint32_t first = 0;
    while (len > 0 && first < (uint32_t)len && got[first] != '\n')
        first++;
    got[len > 0 ? first : 0] = 0;
    keel_snprintf(line, size, "%s: read %ld bytes of hello.txt from the virtual disk "
                  "in %u reads: \"%s\" (%s)\n", me, (long)len, reads, got,
                  ok ? "as expected" : "NOT as expected");
    say(line);
    return ok;
}

/* Write spare sector vm - 1 of the disk (the block server keeps it in its
 * overlay), read it back, compare. */
static bool sector_check(const char *me, uint32_t vm, char *line, size_t size)
{
    static char want[KEEL_VIRTIO_SECTOR];
    uint32_t n = (uint32_t)keel_snprintf(want, sizeof(want), "sector written by VM %u\n", vm);
    for (uint32_t c = n; c < sizeof(want); c++)
        want[c] = (char)(c * 7 + vm);
    for (uint32_t c = 0; c < sizeof(want); c++)
        page->data[c] = want[c];
    intptr_t w = sys(SYS_SECTOR_WRITE, vm - 1, 0);
    for (uint32_t c = 0; c < sizeof(want); c++)
        page->data[c] = 0;
    intptr_t r = sys(SYS_SECTOR_READ, vm - 1, 0);
    bool ok = w == KEEL_VIRTIO_SECTOR && r == KEEL_VIRTIO_SECTOR;
    for (uint32_t c = 0; ok && c < sizeof(want); c++)
        ok = page->data[c] == want[c];
    keel_snprintf(line, size, "%s: wrote spare sector %u of the virtual disk and read it "
                  "back (write %ld, read %ld): %s\n", me, vm - 1, (long)w, (long)r,
                  ok ? "the same 512 bytes" : "NOT the same");
    say(line);
    return ok;
}

/* A typed line from the console, if it has input. */
static bool console_check(const char *me, char *line, size_t size)
{
    if (sys(SYS_READ, 0, 0) < 0) {
        keel_snprintf(line, size, "%s: the virtual console has no input here\n", me);
        say(line);
        return true;
    }
    char typed[128];
    uint32_t n = 0;
    keel_snprintf(line, size, "%s: console-rx: ready\n", me);
    say(line);
    for (bool end = false; !end && n < sizeof(typed) - 1;) {
        intptr_t got = sys(SYS_READ, 0, sizeof(typed) - 1 - n);
        if (got <= 0)
            break;
        for (intptr_t c = 0; c < got && !end; c++) {
            char ch = page->data[c];
            end = ch == '\n' || ch == '\r';
            if (!end)
                typed[n++] = ch;
        }
    }
    typed[n] = 0;
    keel_snprintf(line, size, "%s: read \"%s\" from the virtual console in %ld "
                  "virtual interrupts\n", me, typed, (long)sys(SYS_IRQS, 0, 0));
    say(line);
    keel_snprintf(line, size, "%s: the devices' avail_event spared our kernel %ld kicks\n",
                  me, (long)sys(SYS_KICKS_SPARED, 0, 0));
    say(line);
    return n > 0;
}

_Noreturn void guest_reader(const char *me, uint32_t vm)
{
    char line[256];
    bool ok = file_check(me, line, sizeof(line));
    ok = sector_check(me, vm, line, sizeof(line)) && ok;
    ok = console_check(me, line, sizeof(line)) && ok;
    for (;;)
        sys(SYS_EXIT, ok ? 0 : 1, 0);
}
