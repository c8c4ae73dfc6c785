/* The console UART: where it is (the device tree's, or the port's fact),
 * for the console driver the port selected (console.h). */
#include <console.h>
#include <keel/irq.h>
#include <keelbase/fdt.h>
#include <keelbase/string.h>

static bool compatible(const struct fdt *f, int node, const char *const *compat)
{
    for (; node >= 0 && *compat; compat++)
        if (fdt_is_compatible(f, node, *compat))
            return true;
    return false;
}

/* /chosen's stdout-path (or skiboot's linux,stdout-path), up to its ':'. */
static int stdout_node(const struct fdt *f)
{
    int chosen = fdt_path(f, "/chosen");
    const char *p = fdt_prop_string(f, chosen, "stdout-path");
    if (!p)
        p = fdt_prop_string(f, chosen, "linux,stdout-path");
    char path[128];
    size_t n = 0;
    for (; p && p[n] && p[n] != ':' && n < sizeof(path) - 1; n++)
        path[n] = p[n];
    path[n] = 0;
    return p ? fdt_path(f, path) : -1;
}

/* The first cell of "interrupts"; with three cells, the arm,gic binding's
 * (type, number, flags): SPIs from interrupt ID 32, PPIs from 16. */
static uint32_t line_of(const struct fdt *f, int node)
{
    uint32_t len;
    const uint8_t *p = fdt_getprop(f, node, "interrupts", &len);
    if (!p || len < 4)
        return KEEL_IRQ_NONE;
    if (len == 12)
        return fdt_be32(p + 4) + (fdt_be32(p) == 0 ? 32 : 16);
    return fdt_be32(p);
}

static struct arch_uart uart;

void console_attach(const struct arch_uart *u)
{
    struct arch_uart v = *u;
    console_hw_setup(&v);
    uart = v;
}

void console_set_line(uint32_t line)
{
    uart.line = line;
}

void arch_console_uart(struct arch_uart *u)
{
    *u = uart;
}

void arch_console_putc(char c)
{
    if (uart.kind != KEEL_UART_UNKNOWN)
        console_hw_putc(&uart, c);
}

bool console_attach_fdt(const void *blob)
{
    const char *const *compat = console_hw_compat;
    struct fdt f;
    if (!blob || fdt_open(&f, blob, fdt_claimed_size(blob)) != KERR_OK)
        return false;
    int node = stdout_node(&f);
    for (const char *const *c = compat; !compatible(&f, node, compat) && *c; c++)
        node = fdt_find_compatible(&f, *c);
    uint64_t base, size;
    if (!compatible(&f, node, compat) || fdt_reg_phys(&f, node, 0, &base, &size) != KERR_OK)
        return false;
    uint64_t shift = 0;
    fdt_prop_uint(&f, node, "reg-shift", &shift);
    console_attach(&(struct arch_uart){ .kind = console_hw_kind, .base = base,
                                        .line = line_of(&f, node), .stride = 1u << shift });
    return true;
}
