package org.apboot.examples;

import java.util.ArrayList;
import java.util.List;
import org.apboot.RunLimits;
import org.apboot.RunResult;
import org.apboot.Snapshot;
import org.apboot.X86Machine;

/**
 * A fuzzing loop over snapshots: the guest's setup (200,000 instructions standing in for boot
 * work) runs once, up to the entry of the code under test; the machine is saved there, and each
 * input is written to guest memory, run from that point, and undone by restoring the snapshot,
 * which copies back only the pages the run and the input wrote. The code under test "crashes"
 * (writes status 0xad to the exit port) on the input {@code BUG}; every run also counts itself in
 * guest memory, a count each restore puts back to 0.
 *
 * <pre>
 *     mov $100000,%ecx
 * 1:  dec %ecx; jnz 1b
 *     mov %ecx,0x30000        # the run counter, 0
 *     mov $0x20000,%edi       # the input
 * entry:                      # 0x10015
 *     incl 0x30000
 *     cmpb $'B',(%rdi); jne ok; cmpb $'U',1(%rdi); jne ok; cmpb $'G',2(%rdi); jne ok
 *     mov $0xad,%al; out %al,$0xf4
 * ok: hlt
 * </pre>
 *
 * <pre>java -cp ... org.apboot.examples.SnapshotFuzz [interp|jit]</pre>
 */
public final class SnapshotFuzz {
    private SnapshotFuzz() {
    }

    static final byte[] GUEST = {(byte) 0xb9, (byte) 0xa0, (byte) 0x86, 0x01, 0x00, (byte) 0xff, (byte) 0xc9, 0x75,
        (byte) 0xfc, (byte) 0x89, 0x0c, 0x25, 0x00, 0x00, 0x03, 0x00, (byte) 0xbf, 0x00, 0x00, 0x02, 0x00, (byte) 0xff,
        0x04, 0x25, 0x00, 0x00, 0x03, 0x00, (byte) 0x80, 0x3f, 0x42, 0x75, 0x10, (byte) 0x80, 0x7f, 0x01, 0x55, 0x75,
        0x0a, (byte) 0x80, 0x7f, 0x02, 0x47, 0x75, 0x04, (byte) 0xb0, (byte) 0xad, (byte) 0xe6, (byte) 0xf4,
        (byte) 0xf4};
    static final long CODE = 0x10000, ENTRY = 0x10015, INPUT = 0x20000, COUNTER = 0x30000;
    static final String ALPHABET = "ABGU";

    /** Runs every three-letter input over {@link #ALPHABET} on {@code engine}; returns a summary. */
    public static String run(String engine) {
        X86Machine m = X86Machine.builder().engine(engine).ramBytes(4 << 20).build();
        m.load(CODE, GUEST);
        m.vcpu(0).long64(CODE, 0x8000, false);
        RunResult setup = m.runVcpu(0, RunLimits.none().until(ENTRY));
        Snapshot atEntry = m.snapshot();

        List<String> crashes = new ArrayList<>();
        int inputs = 0;
        long pagesCopied = 0;
        for (char a : ALPHABET.toCharArray()) {
            for (char b : ALPHABET.toCharArray()) {
                for (char c : ALPHABET.toCharArray()) {
                    String input = "" + a + b + c;
                    m.load(INPUT, input.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    RunResult r = m.runVcpu(0, RunLimits.none().maxInstructions(1_000));
                    if (r.exit().equals("exit-port")) {
                        crashes.add(String.format("%s (status 0x%x)", input, r.status()));
                    }
                    pagesCopied += m.restore(atEntry);
                    inputs++;
                }
            }
        }
        return String.format("setup: %d instructions, once; %d inputs, crashes: %s; %.1f pages copied back per "
                + "restore; run counter after the last restore: %d%n", setup.instructions(), inputs, crashes,
                (double) pagesCopied / inputs, m.read(COUNTER, 4));
    }

    public static void main(String[] args) {
        System.out.print(run(args.length > 0 ? args[0] : "jit"));
    }
}
