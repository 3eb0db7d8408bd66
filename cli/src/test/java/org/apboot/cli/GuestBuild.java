package org.apboot.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds guest code for tests with GNU binutils: {@code as}, then {@code ld} at a fixed address,
 * then (for flat images) {@code objcopy}. Tests skip with a message when binutils are missing.
 */
final class GuestBuild {
    private GuestBuild() {
    }

    private static Boolean available;

    static synchronized boolean available() {
        if (available == null) {
            available = runs("as", "--version") && runs("ld", "--version") && runs("objcopy", "--version");
            if (!available) {
                System.err.println("binutils (as, ld, objcopy) not found: guest-image tests skipped");
            }
        }
        return available;
    }

    private static boolean runs(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** The text of test resource {@code name}. */
    static String resource(String name) throws IOException {
        try (InputStream in = GuestBuild.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Assembles {@code source} ({@code bits} 32 or 64) and links it with its text at
     * {@code textAddress}; returns the ELF executable.
     */
    static Path elf(Path dir, String name, String source, int bits, long textAddress) throws Exception {
        Path s = dir.resolve(name + ".S");
        Path o = dir.resolve(name + ".o");
        Path elf = dir.resolve(name + ".elf");
        Files.writeString(s, source);
        exec("as", bits == 64 ? "--64" : "--32", "-o", o.toString(), s.toString());
        exec("ld", "-m", bits == 64 ? "elf_x86_64" : "elf_i386", "-Ttext=0x" + Long.toHexString(textAddress), "-e", source.contains("_start:") ? "_start" : "0",
                "-o", elf.toString(), o.toString());
        return elf;
    }

    /** {@link #elf}, then its text as a flat image. */
    static Path flat(Path dir, String name, String source, int bits, long textAddress) throws Exception {
        Path elf = elf(dir, name, source, bits, textAddress);
        Path bin = dir.resolve(name + ".bin");
        exec("objcopy", "-O", "binary", "-j", ".text", elf.toString(), bin.toString());
        return bin;
    }

    private static void exec(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
        }
    }
}
