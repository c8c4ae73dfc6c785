/*
 * insncount: a QEMU TCG plugin that counts the guest instructions executed
 * between benchmark markers, exactly and without -icount.
 *
 *   qemu-system-... -plugin out/tools/insncount.so,start=HEX,stop=HEX,report=HEX,
 *       out=FILE[,profile=on][,pairs=on]
 *
 * The benchmark brackets what it measures with marker instructions: no-ops
 * of each ISA that no compiler emits (sdk/include/keel/arch/<isa>/syscall.h,
 * docs/performance.md), whose bytes ./keel passes from the port's port.py
 * (bench_marker).  Three kinds:
 *
 *   START   a measured span begins after this instruction
 *   STOP    it ends before this one: its count is one "pair"
 *   REPORT  print the pairs since the last REPORT as one group, and reset
 *
 * Every other instruction adds 1 to a counter, inline in the translated code
 * (so every instruction QEMU executes counts, kernel and user, whatever
 * block it ends); a pair's count is the counter's difference, markers
 * excluded.  Per group the plugin prints the number of pairs, the most
 * common count (the mode), how many pairs had it, and the minimum and
 * maximum: a timer interrupt or a time-slice end makes a few pairs longer
 * than the undisturbed round trip, which is the mode.
 *
 * With profile=on it also records the path of every pair (the instructions
 * in order) and prints, for the first pair whose count is the group's mode,
 * how often each instruction address ran, with the instruction's bytes, so
 * that ./keel can name the function of each (user programs may share
 * addresses: the bytes tell which one ran).
 *
 * Output lines (to FILE, else through qemu_plugin_outs):
 *   insncount: pair G COUNT                        (pairs=on, at each STOP)
 *   insncount: group G pairs N mode M at K min A max B
 *   insncount: pc 0xADDR n COUNT bytes HEX         (profile=on, after its group)
 * One vCPU is assumed (./keel bench boots -smp 1).
 */
#include "qemu_plugin_api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keelbase/hex.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

enum mark { MARK_NONE, MARK_START, MARK_STOP, MARK_REPORT };

/* An instruction address (and its code's host address: two programs may run
 * different code at one virtual address) and what profiling counted there. */
struct site {
    uint64_t vaddr;
    const void *haddr;
    uint8_t bytes[16];
    uint32_t size;
    uint64_t hits;          /* scratch while printing a profile */
};

/* The path of one pair whose count was seen first (profile=on). */
struct path {
    uint64_t count;
    uint32_t *sites;        /* indices into state.sites, in execution order */
};

#define MAX_PATHS 64        /* distinct counts kept per group */
#define MAX_PATH_LEN (1u << 22)

static struct {
    FILE *out;
    bool profile;
    bool each_pair;         /* pairs=on: print every pair's count */
    uint64_t executed;      /* instructions that are no marker, ever */
    uint64_t started_at;
    bool open;              /* between START and STOP */
    uint64_t *pairs;        /* counts of this group's pairs */
    size_t npairs, cap_pairs;
    uint32_t groups;
    /* profile=on */
    struct site *sites;
    size_t nsites, cap_sites;
    uint32_t *index;        /* open-addressing hash of sites: slot -> site + 1 */
    size_t index_cap;
    uint32_t *trace;        /* the open pair's path */
    size_t trace_len;
    bool trace_overflow;
    struct path paths[MAX_PATHS];
    size_t npaths;
} state;

/* ---------------------------------------------------------------- markers */

/* The marker instructions are the port's fact (port.py's bench_marker(k)):
 * ./keel bench hands them over as start=HEX,stop=HEX,report=HEX, the
 * instruction bytes in memory order, so the plugin knows no ISA. */
#define MAX_MARKER_BYTES 16

static struct {
    uint8_t bytes[MAX_MARKER_BYTES];
    size_t n;
} markers[MARK_REPORT + 1];

static const char *const marker_names[MARK_REPORT + 1] = {
    [MARK_START] = "start", [MARK_STOP] = "stop", [MARK_REPORT] = "report",
};

/* Which marker the instruction of n bytes at b is, if any. */
static enum mark decode(const uint8_t *b, size_t n)
{
    for (int k = MARK_START; k <= MARK_REPORT; k++)
        if (markers[k].n == n && !memcmp(markers[k].bytes, b, n))
            return (enum mark)k;
    return MARK_NONE;
}

/* "start=0f1f80014c454b" and the like: true if arg names a marker, whose
 * bytes are then stored; *bad says the hex was wrong. */
static bool marker_arg(const char *arg, bool *bad)
{
    for (int k = MARK_START; k <= MARK_REPORT; k++) {
        size_t len = strlen(marker_names[k]);
        if (strncmp(arg, marker_names[k], len) || arg[len] != '=')
            continue;
        const char *hex = arg + len + 1;
        size_t digits = strlen(hex);
        *bad = digits == 0 || digits % 2 || digits / 2 > MAX_MARKER_BYTES;
        for (size_t i = 0; !*bad && i < digits; i++) {
            int v = kb_hex_digit(hex[i]);
            *bad = v < 0;
            markers[k].bytes[i / 2] = (uint8_t)(i % 2 ? markers[k].bytes[i / 2] << 4 | v : v);
        }
        markers[k].n = *bad ? 0 : digits / 2;
        return true;
    }
    return false;
}

/* ----------------------------------------------------------------- output */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (state.out)
        fputs(line, state.out);
    else
        qemu_plugin_outs(line);
}

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap * 2 : 1024;
    while (n < need)
        n *= 2;
    p = realloc(p, n * elem);
    if (!p) {
        fprintf(stderr, "insncount: out of memory\n");
        abort();
    }
    *cap = n;
    return p;
}

/* ---------------------------------------------------------------- profile */

static size_t hash_site(uint64_t vaddr, const void *haddr)
{
    uint64_t h = vaddr ^ (uint64_t)(uintptr_t)haddr * 0x9e3779b97f4a7c15ull;
    return (size_t)(h ^ h >> 29);
}

static void index_insert(uint32_t id)
{
    size_t mask = state.index_cap - 1;
    size_t i = hash_site(state.sites[id].vaddr, state.sites[id].haddr) & mask;
    while (state.index[i])
        i = (i + 1) & mask;
    state.index[i] = id + 1;
}

/* The site of an instruction, made on first sight (at translation). */
static uint32_t site_of(struct qemu_plugin_insn *insn)
{
    uint64_t vaddr = qemu_plugin_insn_vaddr(insn);
    const void *haddr = qemu_plugin_insn_haddr(insn);
    if (state.index_cap) {
        size_t mask = state.index_cap - 1;
        for (size_t i = hash_site(vaddr, haddr) & mask; state.index[i]; i = (i + 1) & mask) {
            struct site *s = &state.sites[state.index[i] - 1];
            if (s->vaddr == vaddr && s->haddr == haddr)
                return state.index[i] - 1;
        }
    }
    state.sites = grow(state.sites, &state.cap_sites, state.nsites + 1, sizeof *state.sites);
    uint32_t id = (uint32_t)state.nsites++;
    struct site *s = &state.sites[id];
    memset(s, 0, sizeof *s);
    s->vaddr = vaddr;
    s->haddr = haddr;
    s->size = (uint32_t)qemu_plugin_insn_size(insn);
    if (s->size > sizeof s->bytes)
        s->size = sizeof s->bytes;
    memcpy(s->bytes, qemu_plugin_insn_data(insn), s->size);
    if (state.nsites * 2 > state.index_cap) {   /* rehash at half full */
        free(state.index);
        state.index_cap = state.index_cap ? state.index_cap * 2 : 1u << 16;
        state.index = calloc(state.index_cap, sizeof *state.index);
        if (!state.index)
            abort();
        for (uint32_t j = 0; j < state.nsites; j++)
            index_insert(j);
    } else {
        index_insert(id);
    }
    return id;
}

static void on_profiled_insn(unsigned int vcpu, void *udata)
{
    if (!state.open)
        return;
    if (state.trace_len == MAX_PATH_LEN) {
        state.trace_overflow = true;
        return;
    }
    state.trace[state.trace_len++] = (uint32_t)(uintptr_t)udata;
}

/* Keep the path of the first pair with each count. */
static void keep_path(uint64_t count)
{
    if (state.trace_overflow || state.trace_len != count)
        return;     /* a path longer than the buffer is not kept */
    for (size_t i = 0; i < state.npaths; i++)
        if (state.paths[i].count == count)
            return;
    if (state.npaths == MAX_PATHS)
        return;
    struct path *p = &state.paths[state.npaths++];
    p->count = count;
    p->sites = malloc((count ? count : 1) * sizeof *p->sites);
    if (!p->sites)
        abort();
    memcpy(p->sites, state.trace, count * sizeof *p->sites);
}

/* Print how often each address ran in the kept path with this count. */
static void print_path(uint64_t count)
{
    for (size_t i = 0; i < state.npaths; i++) {
        struct path *p = &state.paths[i];
        if (p->count != count)
            continue;
        for (uint64_t j = 0; j < count; j++)
            state.sites[p->sites[j]].hits++;
        for (uint64_t j = 0; j < count; j++) {
            struct site *s = &state.sites[p->sites[j]];
            if (!s->hits)
                continue;   /* printed already */
            char hex[2 * sizeof s->bytes + 1];
            for (uint32_t b = 0; b < s->size; b++)
                snprintf(hex + 2 * b, 3, "%02x", s->bytes[b]);
            say("insncount: pc 0x%llx n %llu bytes %s\n", (unsigned long long)s->vaddr,
                (unsigned long long)s->hits, hex);
            s->hits = 0;
        }
        return;
    }
    say("insncount: no path kept for count %llu\n", (unsigned long long)count);
}

static void forget_paths(void)
{
    for (size_t i = 0; i < state.npaths; i++)
        free(state.paths[i].sites);
    state.npaths = 0;
}

/* ------------------------------------------------------------------ pairs */

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Print the group's statistics (and the mode's profile) and start anew. */
static void report(void)
{
    uint32_t g = state.groups++;
    if (!state.npairs) {
        say("insncount: group %u pairs 0\n", g);
        return;
    }
    qsort(state.pairs, state.npairs, sizeof *state.pairs, by_value);
    uint64_t mode = state.pairs[0];
    size_t best = 0;
    for (size_t i = 0, run; i < state.npairs; i += run) {
        for (run = 1; i + run < state.npairs && state.pairs[i + run] == state.pairs[i]; run++)
            ;
        if (run > best)
            best = run, mode = state.pairs[i];
    }
    say("insncount: group %u pairs %zu mode %llu at %zu min %llu max %llu\n", g, state.npairs,
        (unsigned long long)mode, best, (unsigned long long)state.pairs[0],
        (unsigned long long)state.pairs[state.npairs - 1]);
    if (state.profile)
        print_path(mode);
    if (state.out)
        fflush(state.out);
    state.npairs = 0;
    forget_paths();
}

static void on_marker(unsigned int vcpu, void *udata)
{
    switch ((enum mark)(uintptr_t)udata) {
    case MARK_START:
        state.started_at = state.executed;
        state.open = true;
        state.trace_len = 0;
        state.trace_overflow = false;
        break;
    case MARK_STOP:
        if (!state.open)
            break;      /* a STOP without its START counts nothing */
        state.open = false;
        state.pairs = grow(state.pairs, &state.cap_pairs, state.npairs + 1, sizeof *state.pairs);
        state.pairs[state.npairs++] = state.executed - state.started_at;
        if (state.each_pair)
            say("insncount: pair %u %llu\n", state.groups,
                (unsigned long long)(state.executed - state.started_at));
        if (state.profile)
            keep_path(state.executed - state.started_at);
        break;
    case MARK_REPORT:
        state.open = false;
        report();
        break;
    case MARK_NONE:
        break;
    }
}

/* ------------------------------------------------------------ translation */

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        enum mark m = decode(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn));
        if (m != MARK_NONE) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_NO_REGS,
                                                   (void *)(uintptr_t)m);
            continue;
        }
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                   &state.executed, 1);
        if (state.profile)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_profiled_insn,
                                                   QEMU_PLUGIN_CB_NO_REGS,
                                                   (void *)(uintptr_t)site_of(insn));
    }
}

static void on_qemu_exit(qemu_plugin_id_t id, void *udata)
{
    if (state.npairs)
        report();   /* pairs after the last REPORT */
    if (state.out)
        fclose(state.out);
    state.out = NULL;
}

/* -------------------------------------------------------------- install */

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    bool bad = false;
    for (int i = 0; i < argc; i++) {
        if (!strncmp(argv[i], "out=", 4)) {
            state.out = fopen(argv[i] + 4, "w");
            if (!state.out) {
                perror(argv[i] + 4);
                return -1;
            }
        } else if (!strcmp(argv[i], "profile=on")) {
            state.profile = true;
        } else if (!strcmp(argv[i], "pairs=on")) {
            state.each_pair = true;
        } else if (marker_arg(argv[i], &bad)) {
            if (bad) {
                fprintf(stderr, "insncount: %s: a marker is 1 to %d bytes in hex\n", argv[i],
                        MAX_MARKER_BYTES);
                return -1;
            }
        } else if (strcmp(argv[i], "profile=off") && strcmp(argv[i], "pairs=off")) {
            fprintf(stderr, "insncount: unknown argument %s (out=FILE, profile=on|off, "
                    "pairs=on|off, start=HEX, stop=HEX, report=HEX)\n",
                    argv[i]);
            return -1;
        }
    }
    for (int k = MARK_START; k <= MARK_REPORT; k++) {
        if (!markers[k].n) {
            fprintf(stderr, "insncount: no %s marker for target %s (start=HEX, stop=HEX, "
                    "report=HEX: the port's bench_marker)\n", marker_names[k], info->target_name);
            return -1;
        }
    }
    if (state.profile) {
        state.trace = malloc(MAX_PATH_LEN * sizeof *state.trace);
        if (!state.trace)
            return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
    return 0;
}
