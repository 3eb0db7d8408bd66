package org.apboot.examples;

import java.time.Duration;
import org.apboot.RunLimits;
import org.apboot.RunResult;
import org.apboot.X86Machine;

/**
 * An application processor brought up by guest code, the way firmware and kernels do it: the
 * BSP, in flat 32-bit mode, writes INIT and then STARTUP (vector 8) to its local APIC's
 * interrupt command register for APIC ID 1 and spins on a flag with PAUSE; the AP starts in
 * real mode at 0800:0000, prints "A", sets the flag and halts; the BSP prints "B" and halts.
 * The whole machine runs on its scheduler (the BSP is parked while it waits).
 */
public final class ApBringUp {
    private ApBringUp() {
    }

    /**
     * movl $0x01000000,0xfee00310 (ICR high: APIC ID 1); movl $0x4500,0xfee00300 (INIT);
     * movl $0x4608,0xfee00300 (STARTUP, vector 8); 1: pause; cmpb $1,0x9000; jne 1b;
     * mov $'B',%al; out %al,$0xe9; hlt.
     */
    static final byte[] BSP = {(byte) 0xc7, 0x05, 0x10, 0x03, (byte) 0xe0, (byte) 0xfe, 0x00, 0x00, 0x00, 0x01,
        (byte) 0xc7, 0x05, 0x00, 0x03, (byte) 0xe0, (byte) 0xfe, 0x00, 0x45, 0x00, 0x00, (byte) 0xc7, 0x05, 0x00, 0x03,
        (byte) 0xe0, (byte) 0xfe, 0x08, 0x46, 0x00, 0x00, (byte) 0xf3, (byte) 0x90, (byte) 0x80, 0x3d, 0x00, (byte) 0x90,
        0x00, 0x00, 0x01, 0x75, (byte) 0xf5, (byte) 0xb0, 0x42, (byte) 0xe6, (byte) 0xe9, (byte) 0xf4};
    /** mov $'A',%al; out %al,$0xe9; movb $1,%cs:0x1000; cli; hlt (real mode, CS 0x0800). */
    static final byte[] AP = {(byte) 0xb0, 0x41, (byte) 0xe6, (byte) 0xe9, 0x2e, (byte) 0xc6, 0x06, 0x00, 0x10, 0x01,
        (byte) 0xfa, (byte) 0xf4};

    public static String run(String engine) {
        X86Machine m = X86Machine.builder().engine(engine).cpus(2).ramBytes(1 << 20).build();
        m.load(0x1000, BSP).load(0x8000, AP);
        m.vcpu(0).flat32(0x1000, 0x7000, false);
        RunResult r = m.run(RunLimits.none().timeout(Duration.ofSeconds(30)));
        return String.format("%s; console \"%s\"; AP %s in %s at %04x:%04x%n", r.exit(), m.consoleOutput(),
                m.vcpu(1).state(), m.vcpu(1).mode(), m.vcpu(1).get("cs"), m.vcpu(1).rip());
    }

    public static void main(String[] args) {
        System.out.print(run(args.length > 0 ? args[0] : "jit"));
    }
}
