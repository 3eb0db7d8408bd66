package org.apboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apboot.RunLimits;
import org.apboot.RunResult;
import org.apboot.X86Machine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code apboot run} and the loaders behind it, on both engines: the firmware-style reset ROM
 * (real mode at the reset vector, protected mode, long mode, console, exit port) from the
 * command line and from Java, ELF32/ELF64 and Multiboot kernels, and one-line errors for bad
 * input. Guest code is assembled at test time with GNU binutils.
 */
class RunCommandTest {
    @TempDir
    Path tmp;

    private Path rom() throws Exception {
        assumeTrue(GuestBuild.available(), "binutils missing");
        return GuestBuild.flat(tmp, "rom", GuestBuild.resource("/firmware/reset-rom.S"), 64, 0xFFFF_0000L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void theResetRomBootsToLongModeFromTheCommandLine(String engine) throws Exception {
        Path rom = rom();
        assertEquals(0x10000, Files.size(rom));
        DisasmCommandTest.Result r = DisasmCommandTest.run("run", "--rom", rom + "@0xffff0000,alias=0xf0000", "--engine", engine);
        assertEquals(42, r.code(), r.err());
        assertEquals("real prot long payload\n", r.out());
        assertTrue(r.err().startsWith("apboot: exit port, status 42 after "), r.err());

        r = DisasmCommandTest.run("run", "--rom", rom + "@0xffff0000,alias=0xf0000", "--engine", engine, "--json");
        assertEquals(42, r.code(), r.err());
        @SuppressWarnings("unchecked")
        Map<String, Object> j = (Map<String, Object>) JsonReader.parse(r.out());
        assertEquals("exit-port", j.get("exit"));
        assertEquals(42L, ((Number) j.get("status")).longValue());
        assertEquals("real prot long payload\n", j.get("console"));
        assertEquals(null, j.get("fault"));
        @SuppressWarnings("unchecked")
        Map<String, Object> regs = (Map<String, Object>) j.get("regs");
        for (String n : List.of("rax", "r15", "rip", "rflags", "cs", "cs.base", "cs.attrs", "gdtr.base", "idtr.limit",
                "cr0", "cr2", "cr3", "cr4", "efer", "fs_base", "lstar")) {
            assertTrue(regs.containsKey(n), n);
        }
        // the state the ROM left: 64-bit code selector 0x18, PAE, its page tables, LME|LMA, PG|PE
        assertEquals("0x18", regs.get("cs"));
        assertEquals("0x20", regs.get("cr4"));
        assertEquals("0x1000", regs.get("cr3"));
        assertEquals("0x500", regs.get("efer"));
        assertEquals("0xe0000011", regs.get("cr0")); // PG, CD and NW (kept from reset), ET, PE
        assertEquals("0x8000", regs.get("rsp"));
        // the payload added %eax (its own address 0x100000, the byte in %al) into %ebx once per
        // byte of "payload\n" before the exit port
        assertEquals("0x" + Long.toHexString(8 * 0x100000L + "payload\n".chars().sum()), regs.get("rbx"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void theResetRomBootsToLongModeFromJava(String engine) throws Exception {
        byte[] rom = Files.readAllBytes(rom());
        X86Machine m = X86Machine.builder().engine(engine).ramBytes(16 << 20).build();
        m.mapRom(0xFFFF_0000L, rom).alias(0xF0000, 0xFFFF_0000L, rom.length);
        assertEquals(0xF000, m.vcpu(0).get("cs")); // a new machine's BSP is at the reset vector
        assertEquals(0xFFFF_0000L, m.vcpu(0).get("cs.base"));
        RunResult r = m.runVcpu(0, RunLimits.none());
        assertEquals("exit-port", r.exit());
        assertEquals(42, r.status());
        assertEquals("real prot long payload\n", m.consoleOutput());
        assertEquals("long64", m.vcpu(0).mode());
        assertEquals(2, m.ignoredRomWrites());
    }

    private static final String ELF32 = ".code32\n.globl _start\n_start:\n mov $msg, %esi\n mov $0xe9, %dx\n"
            + "1: lodsb\n test %al, %al\n jz 2f\n out %al, %dx\n jmp 1b\n2: mov $7, %al\n out %al, $0xf4\n hlt\n"
            + "msg: .asciz \"elf32\\n\"\n";
    private static final String ELF64 = ".globl _start\n_start:\n lea msg(%rip), %rsi\n mov $0xe9, %dx\n"
            + "1: lodsb\n test %al, %al\n jz 2f\n out %al, %dx\n jmp 1b\n2: mov $8, %al\n out %al, $0xf4\n hlt\n"
            + "msg: .asciz \"elf64\\n\"\n";
    private static final String MULTIBOOT = ".code32\n.balign 4\n.long 0x1BADB002\n.long 3\n.long -(0x1BADB002 + 3)\n"
            + ".globl _start\n_start:\n cmp $0x2BADB002, %eax\n jne 3f\n mov 16(%ebx), %esi\n mov $0xe9, %dx\n"
            + "1: lodsb\n test %al, %al\n jz 2f\n out %al, %dx\n jmp 1b\n2: mov $9, %al\n out %al, $0xf4\n"
            + "3: mov $1, %al\n out %al, $0xf4\n";

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void elfAndMultibootKernelsRun(String engine) throws Exception {
        assumeTrue(GuestBuild.available(), "binutils missing");
        Path e32 = GuestBuild.elf(tmp, "e32", ELF32, 32, 0x100000);
        DisasmCommandTest.Result r = DisasmCommandTest.run("run", "--elf", e32.toString(), "--engine", engine);
        assertEquals(7, r.code(), r.err());
        assertEquals("elf32\n", r.out());
        Path e64 = GuestBuild.elf(tmp, "e64", ELF64, 64, 0x200000);
        r = DisasmCommandTest.run("run", "--elf", e64.toString(), "--engine", engine);
        assertEquals(8, r.code(), r.err());
        assertEquals("elf64\n", r.out());
        Path mb = GuestBuild.elf(tmp, "mb", MULTIBOOT, 32, 0x100000);
        r = DisasmCommandTest.run("run", "--multiboot", mb.toString(), "--cmdline", "console=e9 quiet", "--engine", engine);
        assertEquals(9, r.code(), r.err());
        assertEquals("console=e9 quiet", r.out());
        // symbols and entry from Java
        X86Machine m = X86Machine.builder().engine(engine).build();
        org.apboot.LoadedImage img = m.loadElf("e32", Files.readAllBytes(e32));
        assertEquals(0x100000, img.entry());
        assertEquals(0x100000L, img.symbols().get("_start"));
        assertTrue(img.symbols().containsKey("msg"));
    }

    @Test
    void malformedImagesAndBadOptionsGetOneLineErrors() throws Exception {
        Path f = tmp.resolve("a.bin");
        Files.write(f, new byte[] {(byte) 0xf4});
        DisasmCommandTest.oneLineError(DisasmCommandTest.run("run", "--load", tmp.resolve("missing.bin") + "@0x1000"),
                "no such file: ");
        DisasmCommandTest.oneLineError(DisasmCommandTest.run("run", "--load", f + "@0x1000", "--load", f + "@0x1000"),
                "overlaps --load");
        DisasmCommandTest.oneLineError(DisasmCommandTest.run("run", "--load", f + "@0x1000", "--entry", "0x7fff0000"),
                "entry 0x7fff0000 lies outside guest memory");
        DisasmCommandTest.oneLineError(DisasmCommandTest.run("run", "--load", f + "@0x1000", "--state", "flat64"),
                "--state must be");
        DisasmCommandTest.oneLineError(DisasmCommandTest.run("run", "--load", f + "@0x1000", "--engine", "qemu"),
                "unknown engine 'qemu' (known: interp, jit)");
        DisasmCommandTest.oneLineError(DisasmCommandTest.run("run", "--load", f + "@zz"), "must be a number");
        DisasmCommandTest.oneLineError(DisasmCommandTest.run("run", "--load", f + "@0x1000", "--set", "xmm0=1"),
                "unknown register 'xmm0'");
        DisasmCommandTest.oneLineError(DisasmCommandTest.run("run", "--elf", f.toString()), "not an ELF file");
        assumeTrue(GuestBuild.available(), "binutils missing");
        byte[] elf = Files.readAllBytes(GuestBuild.elf(tmp, "e32", ELF32, 32, 0x100000));
        Path truncated = tmp.resolve("truncated.elf");
        Files.write(truncated, java.util.Arrays.copyOf(elf, 0x1010));
        DisasmCommandTest.oneLineError(DisasmCommandTest.run("run", "--elf", truncated.toString()),
                "runs past the end of the file (truncated?)");
        Path outside = tmp.resolve("outside.elf");
        byte[] far = elf.clone();
        putInt(far, 0x18, 0x7000_0000); // e_entry
        Files.write(outside, far);
        DisasmCommandTest.oneLineError(DisasmCommandTest.run("run", "--elf", outside.toString()),
                "entry 0x70000000 lies outside every loadable segment");
        Path big = tmp.resolve("big.elf");
        Files.write(big, elf);
        DisasmCommandTest.oneLineError(DisasmCommandTest.run("run", "--elf", big.toString(), "--ram", "512K"),
                "lies outside guest memory");
    }

    private static void putInt(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    @Test
    void overlappingElfSegmentsAreRefused() throws Exception {
        assumeTrue(GuestBuild.available(), "binutils missing");
        String two = ".code32\n.globl _start\n_start: hlt\n.section .data2,\"aw\"\n.long 1\n";
        Path elf = GuestBuild.elf(tmp, "two", two, 32, 0x100000);
        byte[] b = Files.readAllBytes(elf);
        // make the second PT_LOAD's physical address that of the first
        int phoff = getInt(b, 0x1C), phentsize = b[0x2A] & 0xFF, phnum = b[0x2C] & 0xFF;
        int first = -1;
        for (int i = 0; i < phnum; i++) {
            int ph = phoff + i * phentsize;
            if (getInt(b, ph) == 1) {
                if (first < 0) {
                    first = ph;
                } else {
                    putInt(b, ph + 12, getInt(b, first + 12));
                    break;
                }
            }
        }
        X86Machine m = X86Machine.builder().build();
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> m.loadElf("two.elf", b));
        assertTrue(e.getMessage().matches(
                "two\\.elf: segment \\d \\(0x[0-9a-f]+-0x[0-9a-f]+\\) overlaps the segment at 0x[0-9a-f]+-0x[0-9a-f]+"),
                e.getMessage());
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void realModeBinaryWithPortLogAndAnInstructionLimit(String engine) throws Exception {
        // mov $0x50,%al; out %al,$0x80; mov $0x51,%al; out %al,$0x80; mov $'O',%al; out %al,$0xe9;
        // 1: jmp 1b
        Path bin = tmp.resolve("post.bin");
        Files.write(bin, new byte[] {(byte) 0xb0, 0x50, (byte) 0xe6, (byte) 0x80, (byte) 0xb0, 0x51, (byte) 0xe6,
            (byte) 0x80, (byte) 0xb0, 0x4f, (byte) 0xe6, (byte) 0xe9, (byte) 0xeb, (byte) 0xfe});
        Path log = tmp.resolve("post.log");
        DisasmCommandTest.Result r = DisasmCommandTest.run("run", "--load", bin + "@0x7c00", "--state", "real",
                "--port-log", "0x80=" + log, "--max-insns", "1000", "--engine", engine, "--json");
        assertEquals(RunCommand.EXIT_LIMIT, r.code(), r.err());
        assertEquals("50\n51\n", Files.readString(log));
        @SuppressWarnings("unchecked")
        Map<String, Object> j = (Map<String, Object>) JsonReader.parse(r.out());
        assertEquals("limit", j.get("exit"));
        assertEquals(1000L, ((Number) j.get("instructions")).longValue());
        assertEquals("O", j.get("console"));
        @SuppressWarnings("unchecked")
        Map<String, Object> regs = (Map<String, Object>) j.get("regs");
        assertEquals("0x7c0c", regs.get("rip"));
        assertEquals("real16", j.get("mode"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void aFaultWithNoIdtEndsTheRunWithItsChain(String engine) throws Exception {
        Path bin = tmp.resolve("ud2.bin");
        Files.write(bin, new byte[] {0x0f, 0x0b}); // ud2
        DisasmCommandTest.Result r = DisasmCommandTest.run("run", "--load", bin + "@0x10000", "--state", "long64",
                "--engine", engine, "--json");
        assertEquals(RunCommand.EXIT_FAULT, r.code(), r.err());
        @SuppressWarnings("unchecked")
        Map<String, Object> j = (Map<String, Object>) JsonReader.parse(r.out());
        assertEquals("fault", j.get("exit"));
        @SuppressWarnings("unchecked")
        Map<String, Object> f = (Map<String, Object>) j.get("fault");
        @SuppressWarnings("unchecked")
        List<Object> chain = (List<Object>) f.get("chain");
        assertTrue(chain.get(0).toString().startsWith("#UD"), chain.toString());
        assertEquals("triple fault", chain.get(chain.size() - 1));
        assertEquals("0x10000", f.get("rip"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void moreRamRegistersATraceAndATimeout(String engine) throws Exception {
        // mov %ebx,%eax; add $5,%eax; hlt -- in a RAM region at 3.5 GiB, %ebx set from the command line
        Path bin = tmp.resolve("add.bin");
        Files.write(bin, new byte[] {(byte) 0x89, (byte) 0xd8, (byte) 0x83, (byte) 0xc0, 0x05, (byte) 0xf4});
        DisasmCommandTest.Result r = DisasmCommandTest.run("run", "--map", "0xe0000000+64K", "--load", bin + "@0xe0000000",
                "--state", "flat32", "--set", "rbx=0x10", "--trace", "--engine", engine, "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("prot32   e0000000  mov    %ebx,%eax", "prot32   e0000002  add    $0x5,%eax",
                "prot32   e0000005  hlt"), r.err().lines().toList());
        @SuppressWarnings("unchecked")
        Map<String, Object> j = (Map<String, Object>) JsonReader.parse(r.out());
        assertEquals("hlt", j.get("exit"));
        assertEquals(3L, ((Number) j.get("instructions")).longValue());
        @SuppressWarnings("unchecked")
        Map<String, Object> regs = (Map<String, Object>) j.get("regs");
        assertEquals("0x15", regs.get("rax"));
        assertEquals("0xe0000006", regs.get("rip"));

        Path loop = tmp.resolve("loop.bin");
        Files.write(loop, new byte[] {(byte) 0xeb, (byte) 0xfe}); // 1: jmp 1b
        r = DisasmCommandTest.run("run", "--load", loop + "@0x10000", "--state", "long64", "--timeout", "0.2",
                "--engine", engine, "--json");
        assertEquals(RunCommand.EXIT_LIMIT, r.code(), r.err());
        @SuppressWarnings("unchecked")
        Map<String, Object> k = (Map<String, Object>) JsonReader.parse(r.out());
        assertEquals("limit", k.get("exit"));
        assertTrue(((Number) k.get("instructions")).longValue() > 0);
    }
}
