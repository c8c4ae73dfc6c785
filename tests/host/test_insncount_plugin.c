/*
 * Host test of the insncount QEMU plugin (tools/qemu-plugin/insncount.c)
 * without QEMU: the plugin is compiled in with a stand-in for the QEMU 7.2
 * plugin API that "translates" a block of instructions and "executes" them
 * in a given order.  Checks that the plugin takes the marker instructions
 * from its arguments (./keel gives each port's, from port.py), that a pair counts exactly the instructions between
 * its markers, the group statistics (mode, how many, min, max), a STOP with
 * no START, and the profile of the mode's path.
 */
#include "../../tools/qemu-plugin/insncount.c"

#include <stdio.h>
#include <string.h>

static int passed, failed;

static void check(const char *name, bool ok)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("[FAIL] %s\n", name);
    }
}

/* ---- the stand-in for QEMU ---- */

struct qemu_plugin_insn {
    uint8_t bytes[8];
    size_t size;
    uint64_t vaddr;
    qemu_plugin_vcpu_udata_cb_t cb[2];
    void *udata[2];
    int ncb;
    uint64_t *counter;
    uint64_t imm;
};

struct qemu_plugin_tb {
    struct qemu_plugin_insn *insns;
    size_t n;
};

static qemu_plugin_vcpu_tb_trans_cb_t translate;
static qemu_plugin_udata_cb_t at_exit;
static char output[1 << 16];

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb)
{
    translate = cb;
}

void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *u)
{
    at_exit = cb;
}

size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb) { return tb->n; }

struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t i)
{
    return &tb->insns[i];
}

const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn) { return insn->bytes; }
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn) { return insn->size; }
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn) { return insn->vaddr; }
void *qemu_plugin_insn_haddr(const struct qemu_plugin_insn *insn) { return NULL; }

void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
                                            qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *udata)
{
    insn->cb[insn->ncb] = cb;
    insn->udata[insn->ncb++] = udata;
}

void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn,
                                                enum qemu_plugin_op op, void *ptr, uint64_t imm)
{
    insn->counter = ptr;
    insn->imm = imm;
}

void qemu_plugin_outs(const char *s)
{
    strncat(output, s, sizeof output - strlen(output) - 1);
}

static void run(struct qemu_plugin_insn *insn)
{
    if (insn->counter)
        *insn->counter += insn->imm;
    for (int i = 0; i < insn->ncb; i++)
        insn->cb[i](0, insn->udata[i]);
}

/* ---- the markers ---- */

/* The plugin knows no ISA: ./keel passes each port's marker bytes
 * (port.py's bench_marker, checked against the compilers' output by
 * tests/host/test_insncount.py).  Here, x86-64's. */
static char arg_start[] = "start=0f1f80014c454b";
static char arg_stop[] = "stop=0f1f80024c454b";
static char arg_report[] = "report=0F1F80034C454B";     /* either case */

static void test_markers(void)
{
    bool bad = false;
    check("start= is a marker", marker_arg(arg_start, &bad) && !bad);
    check("stop= is a marker", marker_arg(arg_stop, &bad) && !bad);
    check("report= is a marker", marker_arg(arg_report, &bad) && !bad);
    for (uint32_t k = MARK_START; k <= MARK_REPORT; k++) {
        uint8_t x86[7] = { 0x0f, 0x1f, 0x80, (uint8_t)k, 0x4c, 0x45, 0x4b };
        check("the marker's bytes", decode(x86, 7) == (enum mark)k);
        check("the bytes of another length", decode(x86, 6) == MARK_NONE);
    }
    uint8_t pad[7] = { 0x0f, 0x1f, 0x80, 0, 0, 0, 0 };     /* nopl 0x0(%rax) */
    check("x86_64 padding nop", decode(pad, 7) == MARK_NONE);
    uint8_t four[7] = { 0x0f, 0x1f, 0x80, 4, 0x4c, 0x45, 0x4b };
    check("x86_64 kind 4", decode(four, 7) == MARK_NONE);
    check("out= is no marker", !marker_arg("out=x", &bad));
    check("odd hex refused", marker_arg("start=0f1", &bad) && bad);
    check("no hex refused", marker_arg("stop=", &bad) && bad);
    check("non-hex refused", marker_arg("report=0g", &bad) && bad);
    check("too long refused", marker_arg("start=00112233445566778899aabbccddeeff00", &bad) && bad);
}

/* ---- counting ---- */

#define A 0x1000u
enum { I_START, I_STOP, I_REPORT, I_A, I_B, I_C, I_D, N_INSNS };

static void test_counting(void)
{
    static char target[] = "x86_64";
    static char arg[] = "profile=on";
    char *argv[] = { arg_start, arg_stop, arg_report, arg };
    qemu_info_t info = { .target_name = target, .system_emulation = true };
    memset(markers, 0, sizeof markers);
    check("install without markers refused", qemu_plugin_install(1, &info, 1, &argv[3]) != 0);
    check("install", qemu_plugin_install(1, &info, 4, argv) == 0);

    static struct qemu_plugin_insn insns[N_INSNS];
    for (uint32_t k = MARK_START; k <= MARK_REPORT; k++) {
        uint8_t m[7] = { 0x0f, 0x1f, 0x80, (uint8_t)k, 0x4c, 0x45, 0x4b };
        memcpy(insns[k - 1].bytes, m, 7);
        insns[k - 1].size = 7;
        insns[k - 1].vaddr = 0x900 + k;
    }
    for (int i = I_A; i < N_INSNS; i++) {
        insns[i].bytes[0] = 0x90;
        insns[i].size = 1;
        insns[i].vaddr = A + (uint64_t)(i - I_A);
    }
    struct qemu_plugin_tb tb = { insns, N_INSNS };
    translate(1, &tb);
    check("markers get a callback, no count", insns[I_START].ncb == 1 && !insns[I_START].counter);
    check("instructions are counted inline and profiled",
          insns[I_A].counter && insns[I_A].imm == 1 && insns[I_A].ncb == 1);

    run(&insns[I_A]);                       /* before any START: not in a pair */
    run(&insns[I_STOP]);                    /* a STOP without START counts nothing */
    /* Five pairs: A B C (3), A B C (3), A B C D D (5), A A B (3), A B C D (4). */
    static const int pairs[][6] = {
        { I_A, I_B, I_C, -1 }, { I_A, I_B, I_C, -1 }, { I_A, I_B, I_C, I_D, I_D, -1 },
        { I_A, I_A, I_B, -1 }, { I_A, I_B, I_C, I_D, -1 },
    };
    for (size_t p = 0; p < 5; p++) {
        run(&insns[I_START]);
        for (const int *i = pairs[p]; *i >= 0; i++)
            run(&insns[*i]);
        run(&insns[I_STOP]);
        run(&insns[I_D]);                   /* between pairs: not counted */
    }
    run(&insns[I_REPORT]);
    check("group statistics",
          strstr(output, "insncount: group 0 pairs 5 mode 3 at 3 min 3 max 5\n") != NULL);
    /* The profile is the first pair with the mode's count: A B C once each. */
    check("profile of the mode's path",
          strstr(output, "group 0 pairs 5 mode 3 at 3 min 3 max 5\n"
                         "insncount: pc 0x1000 n 1 bytes 90\n"
                         "insncount: pc 0x1001 n 1 bytes 90\n"
                         "insncount: pc 0x1002 n 1 bytes 90\n") != NULL);
    check("no other address in the profile", strstr(output, "pc 0x1003") == NULL);

    output[0] = 0;
    state.each_pair = true;                 /* as pairs=on */
    run(&insns[I_START]);
    run(&insns[I_A]);
    run(&insns[I_STOP]);
    check("pairs=on prints the pair", strstr(output, "insncount: pair 1 1\n") != NULL);
    at_exit(1, NULL);                       /* pairs left at exit are reported */
    check("pairs reported at exit",
          strstr(output, "insncount: group 1 pairs 1 mode 1 at 1 min 1 max 1\n") != NULL);
}

int main(void)
{
    test_markers();
    test_counting();
    printf("test_insncount_plugin: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
