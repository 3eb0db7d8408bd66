package org.apboot.examples;

import org.apboot.RunLimits;
import org.apboot.RunResult;
import org.apboot.X86Machine;

/**
 * The same computation (the sum 1..100) as a snippet in each mode: real mode, flat 32-bit
 * protected mode at CPL 3, and 64-bit long mode with the machine's identity page tables. Each
 * snippet writes its result to the exit port, which ends the run with that status.
 *
 * <pre>java -cp ... org.apboot.examples.ModeSnippets [interp|jit]</pre>
 */
public final class ModeSnippets {
    private ModeSnippets() {
    }

    /** xor %ax,%ax; mov $100,%cx; 1: add %cx,%ax; loop 1b; out %al,$0xf4 (16-bit: 5050 & 0xff). */
    static final byte[] REAL = {0x31, (byte) 0xc0, (byte) 0xb9, 100, 0, 0x01, (byte) 0xc8, (byte) 0xe2, (byte) 0xfc,
        (byte) 0xe6, (byte) 0xf4};
    /** xor %eax,%eax; mov $100,%ecx; 1: add %ecx,%eax; loop 1b; mov %eax,%ebx; 2: jmp 2b (CPL 3: no I/O). */
    static final byte[] USER32 = {0x31, (byte) 0xc0, (byte) 0xb9, 100, 0, 0, 0, 0x01, (byte) 0xc8, (byte) 0xe2,
        (byte) 0xfc, (byte) 0x89, (byte) 0xc3, (byte) 0xeb, (byte) 0xfe};
    /** xor %eax,%eax; mov $100,%ecx; 1: add %rcx,%rax; loop 1b; out %al,$0xf4. */
    static final byte[] LONG64 = {0x31, (byte) 0xc0, (byte) 0xb9, 100, 0, 0, 0, 0x48, 0x01, (byte) 0xc8, (byte) 0xe2,
        (byte) 0xfb, (byte) 0xe6, (byte) 0xf4};

    /** Runs the three snippets on {@code engine}; returns one line per snippet. */
    public static String run(String engine) {
        StringBuilder out = new StringBuilder();

        X86Machine real = X86Machine.builder().engine(engine).ramBytes(1 << 20).build();
        real.load(0x7C00, REAL);
        real.vcpu(0).realMode(0, 0x7C00);
        RunResult r = real.runVcpu(0, RunLimits.none());
        out.append(String.format("real16: %s status 0x%x ax=%d%n", r.exit(), r.status(), real.vcpu(0).get("rax")));

        X86Machine user = X86Machine.builder().engine(engine).ramBytes(1 << 20).build();
        user.load(0x10000, USER32);
        user.vcpu(0).flat32(0x10000, 0x20000, true);
        // the endless loop at the end is the address to stop at
        r = user.runVcpu(0, RunLimits.none().until(0x1000D).maxInstructions(1_000));
        out.append(String.format("prot32 cpl%d: %s after %d instructions, ebx=%d%n", user.vcpu(0).get("cs") & 3,
                r.exit(), r.instructions(), user.vcpu(0).get("rbx")));

        X86Machine long64 = X86Machine.builder().engine(engine).ramBytes(4 << 20).build();
        long64.load(0x10000, LONG64);
        long64.vcpu(0).long64(0x10000, 0x20000, false);
        r = long64.runVcpu(0, RunLimits.none());
        out.append(String.format("long64: %s status 0x%x rax=%d, page tables at 0x%x%n", r.exit(), r.status(),
                long64.vcpu(0).get("rax"), long64.reservedPageTables()));
        return out.toString();
    }

    public static void main(String[] args) {
        System.out.print(run(args.length > 0 ? args[0] : "jit"));
    }
}
