package org.apboot.core.semantics.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.semantics.Bcd;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.TestCpus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DAA, DAS, AAA, AAS, AAM and AAD against the host CPU, over every AX with every combination of
 * the input CF and AF (AAM and AAD with bases 10, 16, 7 and 255). The instructions do not exist
 * in 64-bit mode, so the host runs them in a small static 32-bit program ({@code
 * oracle/bcd_probe.s}, assembled and linked here with {@code as} and {@code ld}); its results are
 * compared with {@link Bcd}: AX, and the flags the manual defines for each instruction (DAA, DAS:
 * CF, AF, SF, ZF, PF; AAA, AAS: CF, AF; AAM, AAD: SF, ZF, PF). On an Intel host the six
 * arithmetic flags are compared whole: apboot sets the undefined ones as Intel processors do,
 * while other vendors may differ there. Skipped, saying why, where the host is not x86 Linux,
 * the tools are missing or the kernel does not run 32-bit programs.
 *
 * <p>This is what settles AAS: the host computes AX - 6 as one 16-bit subtraction before AH - 1
 * (AX = 0x0000 with AF gives 0xFE0A), as the current manual states, not the 80386 manual's
 * AL - 6 (which gives 0xFF0A).
 */
class BcdHardwareTest {
    private static final int RECORDS = 0x10000;
    private static final long[] INPUT_FLAGS = {0x002, 0x003, 0x012, 0x013};
    private static final int[] BASES = {10, 16, 7, 255};
    private static final long DAA_DEFINED = Cpu.CF | Cpu.AF | Cpu.SF | Cpu.ZF | Cpu.PF;
    private static final long AAA_DEFINED = Cpu.CF | Cpu.AF;
    private static final long AAM_DEFINED = Cpu.SF | Cpu.ZF | Cpu.PF;

    private static final long ARITHMETIC = Cpu.CF | Cpu.PF | Cpu.AF | Cpu.ZF | Cpu.SF | Cpu.OF;

    private static byte[] host;
    private static String hostCpu;
    /** The host is an Intel processor: undefined flags are compared too. */
    private static boolean intel;

    @BeforeAll
    static void runProbe() throws Exception {
        String arch = System.getProperty("os.arch");
        assumeTrue(System.getProperty("os.name").startsWith("Linux") && (arch.equals("amd64") || arch.equals("x86_64")),
                "the host is not x86-64 Linux (" + System.getProperty("os.name") + "/" + arch + ")");
        Path dir = Files.createTempDirectory("apboot-bcd-probe");
        try {
            Path src = dir.resolve("bcd_probe.s");
            try (InputStream in = BcdHardwareTest.class.getResourceAsStream("/oracle/bcd_probe.s")) {
                Files.copy(in, src);
            }
            Path obj = dir.resolve("bcd_probe.o"), exe = dir.resolve("bcd_probe"), out = dir.resolve("out");
            run(dir, "GNU as", "as", "--32", "-o", obj.toString(), src.toString());
            run(dir, "GNU ld", "ld", "-m", "elf_i386", "-o", exe.toString(), obj.toString());
            Process p = new ProcessBuilder(exe.toString()).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectErrorStream(false).start();
            assumeTrue(p.waitFor(60, TimeUnit.SECONDS), "the 32-bit probe did not finish in 60 s");
            assumeTrue(p.exitValue() == 0, "the kernel did not run the 32-bit probe (exit " + p.exitValue()
                    + "): no IA-32 emulation?");
            host = Files.readAllBytes(out);
            assertEquals(24 * RECORDS * 4, host.length, "probe output size");
            hostCpu = cpuinfo("model name");
            intel = cpuinfo("vendor_id").equals("GenuineIntel");
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static String cpuinfo(String key) throws IOException {
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith(key)).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        }
    }

    /** Runs a build tool; skips the class when it is missing or fails. */
    private static void run(Path dir, String what, String... cmd) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes());
            assumeTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, what + " failed: " + text.strip());
        } catch (IOException e) {
            assumeTrue(false, what + " (" + cmd[0] + ") is not installed: " + e.getMessage());
        }
    }

    private static int hostAx(int section, int ax) {
        int o = (section * RECORDS + ax) * 4;
        return (host[o] & 0xFF) | (host[o + 1] & 0xFF) << 8;
    }

    private static int hostFlags(int section, int ax) {
        int o = (section * RECORDS + ax) * 4;
        return (host[o + 2] & 0xFF) | (host[o + 3] & 0xFF) << 8;
    }

    /** One instruction as apboot computes it: AX and FLAGS in, AX out (FLAGS left in the CPU). */
    private interface Adjust {
        long apply(Cpu cpu, long ax);
    }

    /**
     * Compares {@code section} of the host's output, run with {@code inFlags}, with {@code ours}
     * on AX and the {@code defined} flags (every arithmetic flag on Intel); lists the first
     * differences.
     */
    private static void compare(String name, int section, long inFlags, long defined, Adjust ours) {
        long compared = intel ? ARITHMETIC : defined;
        Cpu cpu = TestCpus.real();
        List<String> diffs = new ArrayList<>();
        int count = 0;
        for (int ax = 0; ax < RECORDS; ax++) {
            Flags.setRflags(cpu, inFlags, -1L);
            long gotAx = ours.apply(cpu, ax) & 0xFFFF;
            long gotFlags = Flags.rflags(cpu) & compared;
            long wantAx = hostAx(section, ax);
            long wantFlags = hostFlags(section, ax) & compared;
            if (gotAx != wantAx || gotFlags != wantFlags) {
                if (count++ < 8) {
                    diffs.add(String.format("AX 0x%04x: host AX 0x%04x flags 0x%03x, apboot AX 0x%04x flags 0x%03x",
                            ax, wantAx, wantFlags, gotAx, gotFlags));
                }
            }
        }
        int differing = count;
        assertEquals(0, differing, () -> String.format("%s with input FLAGS 0x%03x: %d of %d inputs differ from the host (%s; AX and %s flags compared); first: %s",
                name, inFlags, differing, RECORDS, hostCpu, intel ? "all arithmetic" : "the defined", String.join("; ", diffs)));
    }

    private static long withAh(long ax, long al) {
        return (ax & 0xFF00) | (al & 0xFF);
    }

    @Test
    void daa() {
        for (int f = 0; f < 4; f++) {
            compare("DAA", f, INPUT_FLAGS[f], DAA_DEFINED, (cpu, ax) -> withAh(ax, Bcd.daa(cpu, ax & 0xFF)));
        }
    }

    @Test
    void das() {
        for (int f = 0; f < 4; f++) {
            compare("DAS", 4 + f, INPUT_FLAGS[f], DAA_DEFINED, (cpu, ax) -> withAh(ax, Bcd.das(cpu, ax & 0xFF)));
        }
    }

    @Test
    void aaa() {
        for (int f = 0; f < 4; f++) {
            compare("AAA", 8 + f, INPUT_FLAGS[f], AAA_DEFINED, Bcd::aaa);
        }
    }

    @Test
    void aas() {
        for (int f = 0; f < 4; f++) {
            compare("AAS", 12 + f, INPUT_FLAGS[f], AAA_DEFINED, Bcd::aas);
        }
    }

    @Test
    void aamAndAad() {
        for (int b = 0; b < BASES.length; b++) {
            int base = BASES[b];
            compare("AAM " + base, 16 + 2 * b, 0x002, AAM_DEFINED, (cpu, ax) -> Bcd.aam(cpu, ax & 0xFF, base));
            compare("AAD " + base, 17 + 2 * b, 0x002, AAM_DEFINED, (cpu, ax) -> Bcd.aad(cpu, ax, base));
        }
    }
}
