/*
 * Host test of the insncount QEMU plugin (tools/qemu-plugin/insncount.c)
 * without QEMU: the plugin is compiled in with a stand-in for the QEMU 7.2
 * plugin API that "translates" a block of instructions and "executes" them
 * in a given order.  Checks the marker decoders of every ISA (the encodings
 * of keel/mark.h, which tests/host/test_insncount.py checks against the
 * compilers' output), that a pair counts exactly the instructions between
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

/* ---- the decoders ---- */

static void word(uint8_t *b, uint32_t w) { memcpy(b, &w, 4); }

static void test_decoders(void)
{
    uint8_t b[8];
    for (uint32_t k = MARK_START; k <= MARK_REPORT; k++) {
        uint8_t x86[7] = { 0x0f, 0x1f, 0x80, (uint8_t)k, 0x4c, 0x45, 0x4b };
        check("x86_64 marker", decode_x86_64(x86, 7) == (enum mark)k);
        word(b, 0xaa000000u | (8 + k) << 16 | (8 + k) << 5 | (8 + k));
        check("aarch64 marker (orr xN, xN, xN)", decode_aarch64(b, 4) == (enum mark)k);
        word(b, 0x60000000u | (8 + k) << 21 | (8 + k) << 16);
        check("ppc64 marker (ori N, N, 0)", decode_ppc64(b, 4) == (enum mark)k);
        word(b, (0x4b0u + k) << 20 | 2u << 12 | 0x13u);
        check("riscv64 marker (slti zero, zero, 0x4b0+k)", decode_riscv64(b, 4) == (enum mark)k);
    }
    uint8_t pad[7] = { 0x0f, 0x1f, 0x80, 0, 0, 0, 0 };     /* nopl 0x0(%rax) */
    check("x86_64 padding nop", decode_x86_64(pad, 7) == MARK_NONE);
    uint8_t four[7] = { 0x0f, 0x1f, 0x80, 4, 0x4c, 0x45, 0x4b };
    check("x86_64 kind 4", decode_x86_64(four, 7) == MARK_NONE);
    word(b, 0xd503201fu);                                   /* nop */
    check("aarch64 nop", decode_aarch64(b, 4) == MARK_NONE);
    word(b, 0xaa0a0129u);                                   /* orr x9, x9, x10 */
    check("aarch64 orr of two registers", decode_aarch64(b, 4) == MARK_NONE);
    word(b, 0x60000000u);                                   /* nop (ori 0,0,0) */
    check("ppc64 nop", decode_ppc64(b, 4) == MARK_NONE);
    word(b, 0x60000000u | 2u << 21 | 2u << 16);             /* ori 2,2,0 */
    check("ppc64 group-ending nop", decode_ppc64(b, 4) == MARK_NONE);
    word(b, 0x60000001u | 9u << 21 | 9u << 16);             /* ori 9,9,1 */
    check("ppc64 ori with an immediate", decode_ppc64(b, 4) == MARK_NONE);
    word(b, 0x00000013u);                                   /* nop (addi zero, zero, 0) */
    check("riscv64 nop", decode_riscv64(b, 4) == MARK_NONE);
    check("riscv64 compressed", decode_riscv64(b, 2) == MARK_NONE);
}

/* ---- counting ---- */

#define A 0x1000u
enum { I_START, I_STOP, I_REPORT, I_A, I_B, I_C, I_D, N_INSNS };

static void test_counting(void)
{
    static char target[] = "x86_64";
    static char arg[] = "profile=on";
    char *argv[] = { arg };
    qemu_info_t info = { .target_name = target, .system_emulation = true };
    check("install", qemu_plugin_install(1, &info, 1, argv) == 0);

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
    test_decoders();
    test_counting();
    printf("test_insncount_plugin: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
