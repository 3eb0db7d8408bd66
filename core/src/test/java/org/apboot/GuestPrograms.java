package org.apboot;

/** Guest code for tests, written as byte lists, and the machine that runs a real-mode program. */
public final class GuestPrograms {
    private GuestPrograms() {
    }

    /** The bytes of an instruction listing ({@code 0x90, 0xf4, ...}). */
    public static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    /** A 1 MiB, one-vCPU machine with {@code code} at 0000:7C00 and the vCPU in real mode there. */
    public static X86Machine realMode(byte[] code) {
        X86Machine m = X86Machine.builder().ramBytes(1 << 20).build();
        m.load(0x7C00, code);
        m.vcpu(0).realMode(0, 0x7C00);
        return m;
    }
}
