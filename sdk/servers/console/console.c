/*
 * The console server: the console UART's driver at user level
 * (keel/console.h).  One source drives the 16550 (on I/O ports or in
 * memory) and the PL011, chosen by what the kernel reports of its console
 * UART (KEEL_IRQCTL_CONSOLE), never by the ISA.
 *
 * Output is polled, a whole request at a time, so clients' lines never mix.
 * Input has a thread of its own: it waits for the UART's receive interrupt
 * (or polls, where the line does not reach user level), moves what the
 * UART holds into a ring, acknowledges, and tells the main thread through a
 * private gate; the main thread answers a waiting reader.  Input lines may
 * be addressed to a channel (`@N text`, keel/console.h): the input thread
 * marks each byte of the ring with its line's channel, and a reader of
 * channel N takes only bytes of lines addressed to N or to none.
 *
 * Slots: what every program has (keel/system.h), the interrupt controller
 * in KEEL_SLOT_GIVEN (`cap=irq-control`) and, if its line gives it
 * (`uses=names` after that), the name server's gate in the next: then it
 * registers a gate of its own under KEEL_CONSOLE_NAME, so that clients
 * find it again by name after it was restarted.
 */
#include <keel/console.h>
#include <keel/names.h>
#include <keel/system.h>
#include <keel/uart.h>

#define IRQ_CONTROL KEEL_SLOT_GIVEN
#define NAMES (KEEL_SLOT_GIVEN + 1)
#define NAMED_LABEL 0xc0501e01u     /* the label of the gate we register by name */
#define INPUT_LABEL 0xc0501e00u     /* our private gate's label */
#define OP_INPUT 0x100              /* the input thread's notice (private) */
#define RX_BIT 0
#define POLL_US 10000               /* input polling period without the interrupt */
#define RING 512
/* The input thread's stack and UTCB: in the memory region, above where a
 * C library's heap would be (keel/system.h). */
#define AREA (KEEL_MEMORY_BASE + 0x40000000u)
#define STACK_PAGES 4

static struct keel_uart dev;        /* the UART, as the kernel describes it (keel/uart.h) */
static struct {
    uint32_t input;                 /* enum keel_console_input */
    uint32_t irq, notif, gate;      /* our slots */
} uart;

static char ring[RING];
static uint8_t ring_to[RING];       /* each byte's channel (0: any reader) */
static volatile uint32_t ring_head, ring_tail;  /* written by the input thread / main */
static volatile uint32_t interrupts;
#define READERS 8
/* Readers waiting for input, oldest first: their reply capabilities (a
 * reader that gave up is found out when its answer fails) and how much
 * each wants. */
static struct {
    uint32_t reply;
    uintptr_t max, channel;
} readers[READERS];
static uint32_t nreaders;

static void out(const char *s, size_t n)
{
    if (uart.input == KEEL_CONSOLE_NO_INPUT) {
        keel_debug_write(s, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            keel_uart_putc(&dev, '\r');
        keel_uart_putc(&dev, s[i]);
    }
}

/* ---- the input thread ---- */

static void sleep_us(struct keel_utcb *u, uint32_t us)
{
    keel_wait(u, uart.notif, us);   /* nothing signals it when polling */
}

static void put(char c, uint8_t to)
{
    if (ring_head - ring_tail < RING) {
        ring[ring_head % RING] = c;
        ring_to[ring_head % RING] = to;
        ring_head++;
    }
}

/* One input byte into the ring, the `@N ` that addresses a line (at its
 * start: '@', a digit 1 to 9, one optional space) taken out and kept as
 * the channel of the line's bytes. */
static void lex(char c)
{
    static enum { START, AT, SPACE, BODY } state = START;
    static uint8_t to;
    if (state == START && c == '@') {
        state = AT;
        return;
    }
    if (state == AT && c >= '1' && c <= '9') {
        to = (uint8_t)(c - '0');
        state = SPACE;
        return;
    }
    if (state == START && (c == '\n' || c == '\r')) {
        put(c, to);             /* a CR LF's second half: the line's too */
        return;
    }
    if (state == START || state == AT)
        to = 0;                 /* not addressed */
    if (state == AT)
        put('@', to);
    if (!(state == SPACE && c == ' '))
        put(c, to);
    state = c == '\n' || c == '\r' ? START : BODY;
}

/* Move what the UART holds into the ring; how many bytes came. */
static uint32_t drain_uart(void)
{
    uint32_t got = 0;
    for (int c; ring_head - ring_tail < RING - 1 && (c = keel_uart_getc(&dev)) >= 0; got++)
        lex((char)c);
    return got;
}

static _Noreturn void input_thread(uintptr_t utcb)
{
    struct keel_utcb *u = (struct keel_utcb *)utcb;
    for (;;) {
        if (uart.input == KEEL_CONSOLE_INTERRUPTS) {
            if (KEEL_TAG_ERROR(keel_wait(u, uart.notif, KEEL_TIMEOUT_NEVER).tag))
                continue;
            interrupts++;
        } else {
            sleep_us(u, POLL_US);
        }
        uint32_t got = drain_uart();
        if (uart.input == KEEL_CONSOLE_INTERRUPTS) {
            keel_invoke(u, uart.irq, KEEL_IRQ_ACK, 0, 0, 0, 0);
            /* A byte that came after the drain above, while the line was
             * masked, raised no new edge where the line is edge-triggered
             * (x86's ISA lines): the UART holds its interrupt and input
             * would stop.  Take it now; a later one interrupts. */
            got += drain_uart();
        }
        if (got)    /* tell the main thread; it answers a waiting reader */
            keel_send(u, uart.gate, KEEL_TAG(OP_INPUT, 0, 0), KEEL_TIMEOUT_NEVER);
    }
}

/* Start the input thread on its own stack and UTCB. */
static uint32_t start_input(struct keel_utcb *u)
{
    uint32_t t = KEEL_CAP_OPEN, e;
    uintptr_t utcb = AREA + 0x100000;
    keel_memory_touch(AREA, STACK_PAGES * 4096);   /* root maps it, by IPC */
    if ((e = keel_thread_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_TASK, &t)) ||
        (e = keel_thread_set_utcb(u, t, KEEL_PROGRAM_FACTORY, utcb)) ||
        (e = keel_invoke(u, t, KEEL_THREAD_SET_REGS, (uintptr_t)input_thread,
                         AREA + STACK_PAGES * 4096, utcb, 0)))
        return e;
    /* As high as ours may be: the kernel refuses above the caller's. */
    for (uintptr_t prio = 199; prio > 0; prio--)
        if (!(e = keel_invoke(u, t, KEEL_THREAD_SET_PRIO, prio, 0, 0, 0)))
            break;
    return e ? e : keel_invoke(u, t, KEEL_THREAD_START, 0, 0, 0, 0);
}

/* Find the UART and set up input: by interrupt where its line reaches us,
 * else by polling; without a UART we may drive, no input at all. */
static void setup(struct keel_utcb *u)
{
    uint32_t e = keel_uart_find(u, IRQ_CONTROL, &dev);
    uart.irq = uart.notif = uart.gate = KEEL_CAP_OPEN;
    if (e || dev.kind == KEEL_UART_UNKNOWN) {
        uart.input = KEEL_CONSOLE_NO_INPUT;
        return;
    }
    uart.input = KEEL_CONSOLE_POLLING;
    if ((e = keel_notification_create(u, KEEL_PROGRAM_FACTORY, 0, &uart.notif)) ||
        (e = keel_gate_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_THREAD, INPUT_LABEL,
                              &uart.gate))) {
        keel_printf("console: no input: error %u\n", e);
        uart.input = KEEL_CONSOLE_NO_INPUT;
        return;
    }
    while (keel_uart_getc(&dev) >= 0)    /* drop what firmware left */
        ;
    if (dev.line != KEEL_IRQ_NONE &&
        !keel_invoke(u, IRQ_CONTROL, KEEL_IRQCTL_GET, dev.line, KEEL_CAP_OPEN, 0, 0)) {
        uart.irq = (uint32_t)u->mr[0];
        if (!keel_invoke(u, uart.irq, KEEL_IRQ_BIND, uart.notif, RX_BIT, 0, 0)) {
            uart.input = KEEL_CONSOLE_INTERRUPTS;
            keel_uart_rx_interrupts(&dev, true);
        }
    }
    if ((e = start_input(u)))
        keel_printf("console: no input thread: error %u\n", e);
}

/* ---- requests ---- */

/* Whether a byte for channel `to` goes to a reader of `channel`. */
static bool match(uint8_t to, uintptr_t channel)
{
    return !to || !channel || to == channel;
}

/* Put up to max bytes of the ring for channel into u's words; the count. */
static uint32_t take_input(struct keel_utcb *u, uintptr_t max, uintptr_t channel,
                           uint32_t *words)
{
    uint32_t n = 0;
    char *to = (char *)&u->mr[1];
    while (n < max && ring_tail + n != ring_head &&
           match(ring_to[(ring_tail + n) % RING], channel)) {
        to[n] = ring[(ring_tail + n) % RING];
        n++;
    }
    u->mr[0] = n;
    *words = 1 + (n + (uint32_t)sizeof(uintptr_t) - 1) / (uint32_t)sizeof(uintptr_t);
    return n;
}

static uint32_t do_write(struct keel_request *rq, void *ctx)
{
    uintptr_t n = rq->u->mr[0];
    if (n > (rq->words - 1) * sizeof(uintptr_t))
        return KEEL_E_INVALID;
    out((const char *)&rq->u->mr[1], n);
    rq->u->mr[0] = n;
    rq->reply_words = 1;
    return KEEL_OK;
}

/* Answer the waiting readers, the oldest the next byte is for first,
 * while there is input one of them takes. */
static void serve_readers(struct keel_utcb *u)
{
    while (ring_tail != ring_head) {
        uint32_t i = 0;
        while (i < nreaders && !match(ring_to[ring_tail % RING], readers[i].channel))
            i++;
        if (i == nreaders)
            return;
        uint32_t words, n = take_input(u, readers[i].max, readers[i].channel, &words);
        uint32_t e = KEEL_TAG_ERROR(keel_reply_cap(u, readers[i].reply,
                                                   KEEL_TAG(KEEL_OK, words, 0)).tag);
        if (!e)                 /* a reader that gave up leaves the input for the next */
            ring_tail += n;
        nreaders--;             /* its reply capability is used up either way */
        for (uint32_t k = i; k < nreaders; k++)
            readers[k] = readers[k + 1];
    }
}

static uint32_t do_read(struct keel_request *rq, void *ctx)
{
    struct keel_utcb *u = rq->u;
    uintptr_t max = u->mr[0] < KEEL_CONSOLE_CHUNK ? u->mr[0] : KEEL_CONSOLE_CHUNK;
    uintptr_t channel = rq->words > 1 ? u->mr[1] : 0;
    if (channel > KEEL_CONSOLE_CHANNELS)
        return KEEL_E_INVALID;
    if (uart.input == KEEL_CONSOLE_NO_INPUT)
        return KEEL_E_NOSYS;
    if (ring_tail != ring_head && !nreaders && match(ring_to[ring_tail % RING], channel)) {
        ring_tail += take_input(u, max, channel, &rq->reply_words);
        return KEEL_OK;
    }
    if (nreaders == READERS)
        return KEEL_S_FULL;
    uint32_t slot = KEEL_CAP_OPEN, e = keel_save_reply(u, KEEL_PROGRAM_THREAD, &slot);
    if (e)
        return e;
    readers[nreaders].reply = slot;
    readers[nreaders].channel = channel;
    readers[nreaders++].max = max;
    rq->deferred = true;
    serve_readers(u);           /* input waiting for this channel behind another's */
    return KEEL_OK;
}

/* The input thread's notice: answer the waiting readers. */
static uint32_t do_input(struct keel_request *rq, void *ctx)
{
    if (rq->badge != INPUT_LABEL)
        return KEEL_E_NOSYS;    /* not for clients */
    rq->deferred = true;        /* a one-way message: no answer */
    serve_readers(rq->u);
    return KEEL_OK;
}

static uint32_t do_info(struct keel_request *rq, void *ctx)
{
    rq->u->mr[0] = dev.kind;
    rq->u->mr[1] = uart.input;
    rq->u->mr[2] = interrupts;
    rq->reply_words = 3;
    return KEEL_OK;
}

static const struct keel_op ops[] = {
    { KEEL_CONSOLE_WRITE, 1, do_write },
    { KEEL_CONSOLE_READ, 1, do_read },
    { KEEL_CONSOLE_INFO, 0, do_info },
    { OP_INPUT, 0, do_input },
};

/* Register a gate of ours under KEEL_CONSOLE_NAME where the line gives
 * us the name server (a restarted console registers its new gate). */
static void register_name(struct keel_utcb *u)
{
    uint32_t gate = KEEL_CAP_OPEN, e = keel_names_lookup(u, NAMES, KEEL_CONSOLE_NAME, &gate);
    if (e == KEEL_E_CAP)
        return;     /* no name server given */
    if (e == KEEL_OK)   /* the name still holds our dead predecessor's gate */
        keel_invoke(u, KEEL_PROGRAM_TASK, KEEL_TASK_DELETE_CAP, gate, 0, 0, 0);
    gate = KEEL_CAP_OPEN;
    e = keel_gate_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_THREAD, NAMED_LABEL, &gate);
    if (!e)
        e = keel_names_register(u, NAMES, KEEL_CONSOLE_NAME, gate);
    if (e)
        keel_printf("console: cannot register as \"" KEEL_CONSOLE_NAME "\": error %u\n", e);
    else
        keel_printf("console: registered as \"" KEEL_CONSOLE_NAME "\"\n");
}

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    register_name(u);   /* first: the slots setup() fills may follow NAMES */
    setup(u);
    static const char *const kinds[] = { "none (the debug console)", "16550 on I/O ports",
                                         "16550 in memory", "PL011" };
    static const char *const inputs[] = { "no input", "input by interrupts",
                                          "input by polling" };
    keel_printf("console: serving: UART %s, %s\n", kinds[dev.kind < 4 ? dev.kind : 0],
                inputs[uart.input]);
    keel_serve(u, KEEL_CAP_OPEN, ops, sizeof(ops) / sizeof(ops[0]), NULL);
}
