package org.apboot.core.semantics.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.interp.Interpreter;
import org.apboot.core.mem.PhysicalMemory;

/**
 * A batch of DAA, DAS, AAA, AAS, AAM and AAD cases run by one 32-bit guest loop, for oracles
 * that can run 32-bit code (a KVM virtual machine, or the host CPU in compatibility mode) and for
 * the interpreter, which runs the very same loop on the very same memory image.
 *
 * <p>Layout, as offsets from the image base (guest physical 0 under KVM and the interpreter):
 * the loop at {@link #LOOP}, a #DE handler at {@link #HANDLER}, GDT and IDT, one stub per
 * instruction form at {@link #STUBS} ({@code insn; ret}, 8 bytes each), a stack below
 * {@link #STACK_TOP}, room for a 64-bit entry trampoline at {@link #TRAMPOLINE}, then the input
 * table at {@link #IN} (16 bytes per case: EAX, EFLAGS, stub offset, 0) and the output table
 * right after it (16 bytes per case: EAX, EFLAGS, EDX, 0).
 *
 * <p>The loop, entered with ESI = input table, EDI = output table, ECX = cases, EBP = stub base
 * (all addresses, so the code runs at any base), ESP = a stack:
 *
 * <pre>
 * loop:
 *     movl    (%esi), %eax
 *     movl    8(%esi), %ebx
 *     addl    %ebp, %ebx
 *     xorl    %edx, %edx
 *     pushl   4(%esi)
 *     popfl
 *     call    *%ebx
 *     pushfl
 *     popl    4(%edi)
 *     movl    %eax, (%edi)
 *     movl    %edx, 8(%edi)
 *     addl    $16, %esi
 *     addl    $16, %edi
 *     decl    %ecx
 *     jnz     loop
 *     hlt                      # lret when entered by a far call
 *     .org    loop + 0x40
 * de_handler:                  # AAM 0: note the #DE, return past the 2-byte AAM
 *     movl    $0xde, %edx
 *     addl    $2, (%esp)
 *     iret
 * </pre>
 */
public final class LegacyBatch {
    public static final int LOOP = 0x1000, HANDLER = 0x1040, GDT = 0x2000, IDT = 0x2800, STUBS = 0x3000,
            STACK_TOP = 0x8000, TRAMPOLINE = 0x9000, IN = 0x10000;
    /** Offset of the loop's final HLT, which a far-called loop replaces with LRET. */
    public static final int LOOP_END = LOOP + 0x21;
    /** EDX after a case whose instruction raised #DE. */
    public static final int DIVIDE_ERROR = 0xDE;
    public static final int CODE_SELECTOR = 0x08, DATA_SELECTOR = 0x10;

    private static final int[] LOOP_CODE = {
        0x8b, 0x06, 0x8b, 0x5e, 0x08, 0x01, 0xeb, 0x31, 0xd2, 0xff, 0x76, 0x04, 0x9d, 0xff, 0xd3, 0x9c,
        0x8f, 0x47, 0x04, 0x89, 0x07, 0x89, 0x57, 0x08, 0x83, 0xc6, 0x10, 0x83, 0xc7, 0x10, 0x49, 0x75,
        0xdf, 0xf4,
    };
    private static final int[] HANDLER_CODE = {0xba, 0xde, 0x00, 0x00, 0x00, 0x83, 0x04, 0x24, 0x02, 0xcf};

    static final long CF = Cpu.CF, PF = Cpu.PF, AF = Cpu.AF, ZF = Cpu.ZF, SF = Cpu.SF, OF = Cpu.OF;

    /** Stub index: 0 DAA, 1 DAS, 2 AAA, 3 AAS, 4 + imm AAM imm, 260 + imm AAD imm. */
    private static final int DAA = 0, DAS = 1, AAA = 2, AAS = 3, AAM = 4, AAD = 260, FORMS = 516;

    public final int cases;
    private final int[] eax, eflags, form;

    private LegacyBatch(List<int[]> list) {
        cases = list.size();
        eax = new int[cases];
        eflags = new int[cases];
        form = new int[cases];
        for (int i = 0; i < cases; i++) {
            int[] c = list.get(i);
            eax[i] = c[0];
            eflags[i] = c[1];
            form[i] = c[2];
        }
    }

    /**
     * Every AL value with every AF/CF input for DAA and DAS (four draws of the other bits each);
     * every AX with every AF/CF for AAA and AAS; every AL for AAM with every imm8 (0, which raises
     * #DE, only when {@code divideErrors}); every AL with AH 0, 1, 0xFF and one random value for
     * AAD with every imm8. Bits the instruction does not read are random.
     */
    public static LegacyBatch standard(boolean divideErrors) {
        Random rnd = new Random(0xBCD);
        List<int[]> l = new ArrayList<>();
        for (int f : new int[] {DAA, DAS}) {
            for (int al = 0; al < 256; al++) {
                for (int fl = 0; fl < 4; fl++) {
                    for (int k = 0; k < 4; k++) {
                        l.add(new int[] {rnd.nextInt() & ~0xFF | al, flags(rnd, fl), f});
                    }
                }
            }
        }
        for (int f : new int[] {AAA, AAS}) {
            for (int ax = 0; ax < 0x10000; ax++) {
                for (int fl = 0; fl < 4; fl++) {
                    l.add(new int[] {rnd.nextInt() & ~0xFFFF | ax, flags(rnd, fl), f});
                }
            }
        }
        for (int imm = divideErrors ? 0 : 1; imm < 256; imm++) {
            for (int al = 0; al < 256; al++) {
                l.add(new int[] {rnd.nextInt() & ~0xFF | al, flags(rnd, rnd.nextInt(4)), AAM + imm});
            }
        }
        for (int imm = 0; imm < 256; imm++) {
            for (int al = 0; al < 256; al++) {
                for (int ah : new int[] {0, 1, 0xFF, rnd.nextInt(256)}) {
                    l.add(new int[] {rnd.nextInt() & ~0xFFFF | ah << 8 | al, flags(rnd, rnd.nextInt(4)), AAD + imm});
                }
            }
        }
        return new LegacyBatch(l);
    }

    /** Random SF/ZF/PF/OF, AF and CF from {@code afCf} (bit 1 AF, bit 0 CF), bit 1 set; IF, DF, TF, AC clear. */
    private static int flags(Random rnd, int afCf) {
        long f = rnd.nextInt() & (SF | ZF | PF | OF);
        f |= ((afCf & 2) != 0 ? AF : 0) | ((afCf & 1) != 0 ? CF : 0);
        return (int) (f | 2);
    }

    /** Bytes the image needs: everything up to the end of the output table. */
    public long imageSize() {
        return IN + 32L * cases;
    }

    /** Offset of the output table in the image. */
    public long outOffset() {
        return IN + 16L * cases;
    }

    /**
     * The memory image: code, descriptor tables (flat 32-bit code 0x08 and data 0x10; IDT vector 0
     * an interrupt gate to the handler at image base {@code base}), stubs and the input table.
     */
    public byte[] image(long base, boolean farReturn) {
        byte[] m = new byte[(int) imageSize()];
        for (int i = 0; i < LOOP_CODE.length; i++) {
            m[LOOP + i] = (byte) LOOP_CODE[i];
        }
        if (farReturn) {
            m[LOOP_END] = (byte) 0xCB;
        }
        for (int i = 0; i < HANDLER_CODE.length; i++) {
            m[HANDLER + i] = (byte) HANDLER_CODE[i];
        }
        put(m, GDT + 8, 8, 0x00cf9b000000ffffL);
        put(m, GDT + 16, 8, 0x00cf93000000ffffL);
        long h = base + HANDLER;
        put(m, IDT, 8, (h & 0xFFFF) | (long) CODE_SELECTOR << 16 | 0x8E00L << 32 | (h >>> 16 & 0xFFFF) << 48);
        for (int f = 0; f < FORMS; f++) {
            int at = STUBS + 8 * f;
            if (f < AAM) {
                m[at] = (byte) new int[] {0x27, 0x2F, 0x37, 0x3F}[f];
                m[at + 1] = (byte) 0xC3;
            } else {
                m[at] = (byte) (f < AAD ? 0xD4 : 0xD5);
                m[at + 1] = (byte) (f < AAD ? f - AAM : f - AAD);
                m[at + 2] = (byte) 0xC3;
            }
        }
        for (int i = 0; i < cases; i++) {
            int at = IN + 16 * i;
            put(m, at, 4, eax[i]);
            put(m, at + 4, 4, eflags[i]);
            put(m, at + 8, 4, 8 * form[i]);
        }
        return m;
    }

    private static void put(byte[] m, int at, int n, long v) {
        for (int i = 0; i < n; i++) {
            m[at + i] = (byte) (v >>> (8 * i));
        }
    }

    private static int get(byte[] m, int at) {
        return (m[at] & 0xFF) | (m[at + 1] & 0xFF) << 8 | (m[at + 2] & 0xFF) << 16 | (m[at + 3] & 0xFF) << 24;
    }

    /**
     * Runs the loop in the interpreter: flat 32-bit protected mode at CPL 0, GDT and IDT as in
     * the image, image at physical 0. Returns the output table (16 bytes per case).
     */
    public byte[] runInterpreter() {
        PhysicalMemory ram = new PhysicalMemory((imageSize() + 0x1F_FFFF) & ~0x1F_FFFFL);
        ram.load(0, image(0, false));
        Cpu cpu = new Cpu(0, CpuModel.standard(false), CpuProfile.GENERIC, ram);
        int data = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED | Segment.DB | Segment.G;
        for (int s = 0; s < 6; s++) {
            cpu.seg[s].set(DATA_SELECTOR, 0, 0xFFFF_FFFFL, data);
        }
        cpu.seg[Insn.CS].set(CODE_SELECTOR, 0, 0xFFFF_FFFFL, data | Segment.TYPE_CODE);
        cpu.cr0 |= Cpu.CR0_PE;
        cpu.gdtrBase = GDT;
        cpu.gdtrLimit = 23;
        cpu.idtrBase = IDT;
        cpu.idtrLimit = 7;
        cpu.updateMode();
        java.util.Arrays.fill(cpu.r, 0);
        cpu.r[Cpu.RSI] = IN;
        cpu.r[Cpu.RDI] = outOffset();
        cpu.r[Cpu.RCX] = cases;
        cpu.r[Cpu.RBP] = STUBS;
        cpu.r[Cpu.RSP] = STACK_TOP;
        cpu.rip = LOOP;
        EngineWorker w = new Interpreter(ram).newWorker();
        for (int round = 0; round < 100_000 && !cpu.halted && !cpu.shutdown; round++) {
            w.run(cpu, 1_000_000);
        }
        if (!cpu.halted || cpu.rip != LOOP_END + 1) {
            throw new IllegalStateException(String.format("interpreter did not finish the batch: rip=0x%x halted=%b shutdown=%b",
                    cpu.rip, cpu.halted, cpu.shutdown));
        }
        byte[] out = new byte[16 * cases];
        ram.copyOut(outOffset(), out, 0, out.length);
        return out;
    }

    /** The flags the manual defines for the form's result (undefined ones are our choices, not compared). */
    static long definedFlags(int form) {
        if (form <= DAS) {
            return CF | AF | SF | ZF | PF;
        }
        if (form <= AAS) {
            return CF | AF;
        }
        return SF | ZF | PF;
    }

    static String name(int form) {
        switch (form) {
            case DAA: return "daa";
            case DAS: return "das";
            case AAA: return "aaa";
            case AAS: return "aas";
            default: return form < AAD ? "aam" : "aad";
        }
    }

    /** Result of comparing an oracle's output table with the interpreter's. */
    public static final class Comparison {
        public final Map<String, Integer> counts = new TreeMap<>();
        public final List<String> failures = new ArrayList<>();
        public int divideErrors;

        public String report(String title) {
            StringBuilder sb = new StringBuilder(title);
            counts.forEach((k, v) -> sb.append(String.format("%n  %-10s %7d", k, v)));
            sb.append(String.format("%n  %-10s %7d", "total", counts.values().stream().mapToInt(Integer::intValue).sum()));
            sb.append(String.format("%n  (%d cases raised #DE)", divideErrors));
            return sb.toString();
        }

        public String failureText() {
            return failures.size() + " mismatches (first ones):\n"
                    + String.join("\n", failures.subList(0, Math.min(25, failures.size())));
        }
    }

    /**
     * Compares every case: EAX (all 32 bits), whether #DE was raised, and the defined flags. After
     * #DE the IRET restores the flags as they were at the fault, so all six must be unchanged.
     */
    public Comparison compare(byte[] oracle, byte[] ours) {
        Comparison c = new Comparison();
        for (int i = 0; i < cases; i++) {
            int at = 16 * i;
            String n = name(form[i]);
            c.counts.merge(n, 1, Integer::sum);
            int oe = get(oracle, at), ee = get(ours, at);
            int of = get(oracle, at + 4), ef = get(ours, at + 4);
            int od = get(oracle, at + 8), ed = get(ours, at + 8);
            if (od == DIVIDE_ERROR) {
                c.divideErrors++;
            }
            long mask = od == DIVIDE_ERROR ? Cpu.ARITH_FLAGS : definedFlags(form[i]);
            if (oe != ee || od != ed || ((of ^ ef) & mask) != 0) {
                String f = form[i] >= AAM ? String.format(" 0x%x", form[i] >= AAD ? form[i] - AAD : form[i] - AAM) : "";
                c.failures.add(String.format("%s%s eax=%08x fl=%03x: oracle eax=%08x fl=%03x edx=%x, ours eax=%08x fl=%03x edx=%x (compared flags %03x)",
                        n, f, eax[i], eflags[i], oe, of & 0xFFF, od, ee, ef & 0xFFF, ed, mask));
            }
        }
        return c;
    }
}
