package org.apboot.examples;

import org.apboot.RunLimits;
import org.apboot.X86Machine;

/**
 * Tracing a trampoline with hooks: a real-mode stub at 07C0:0000 loads a GDT, sets CR0.PE and
 * far-jumps into 32-bit code. An instruction hook prints every instruction with its address, a
 * mode hook every change of mode. While such hooks are installed the translator hands the vCPU
 * to its interpreter, so both engines print the same trace.
 */
public final class TraceTrampoline {
    private TraceTrampoline() {
    }

    /**
     * lgdtl %cs:0x40; mov %cr0,%eax; or $1,%eax; mov %eax,%cr0; ljmpl $8,$0x7c20; (at 0x20, 32-bit)
     * mov $0x10,%ax; mov %ax,%ds; hlt; (at 0x28) a GDT of null, flat code, flat data; (at 0x40) its
     * descriptor.
     */
    static final byte[] STUB = {0x2e, 0x66, 0x0f, 0x01, 0x16, 0x40, 0x00, 0x0f, 0x20, (byte) 0xc0, 0x66, (byte) 0x83,
        (byte) 0xc8, 0x01, 0x0f, 0x22, (byte) 0xc0, 0x66, (byte) 0xea, 0x20, 0x7c, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x66, (byte) 0xb8, 0x10, 0x00, (byte) 0x8e, (byte) 0xd8, (byte) 0xf4, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, (byte) 0xff, (byte) 0xff, 0x00, 0x00, 0x00, (byte) 0x9b, (byte) 0xcf, 0x00,
        (byte) 0xff, (byte) 0xff, 0x00, 0x00, 0x00, (byte) 0x93, (byte) 0xcf, 0x00, 0x17, 0x00, 0x28, 0x7c, 0x00, 0x00};

    public static String run(String engine) {
        StringBuilder out = new StringBuilder();
        X86Machine m = X86Machine.builder().engine(engine).ramBytes(1 << 20).build();
        m.load(0x7C00, STUB);
        m.vcpu(0).realMode(0x7C0, 0);
        m.onInstruction((cpu, rip, text) -> out.append(String.format("  %-6s %04x:%08x  %s%n", cpu.mode(),
                cpu.get("cs"), rip, text)));
        m.onModeChange((cpu, mode) -> out.append("-- now ").append(mode).append('\n'));
        m.runVcpu(0, RunLimits.none());
        return out.toString();
    }

    public static void main(String[] args) {
        System.out.print(run(args.length > 0 ? args[0] : "jit"));
    }
}
