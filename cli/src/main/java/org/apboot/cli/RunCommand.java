package org.apboot.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apboot.LoadedImage;
import org.apboot.RunLimits;
import org.apboot.RunResult;
import org.apboot.VcpuHandle;
import org.apboot.X86Machine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code apboot run}: any guest image on one vCPU of a minimal PC. Flat binaries, ROMs (with
 * aliases), ELF and Multiboot kernels are loaded; the vCPU starts in the chosen state and runs
 * until HLT, the exit port 0xF4, a fault it cannot deliver, a reset request, or a limit.
 *
 * <p>Exit status: 0 after HLT or a reset request, the low 8 bits of the value written to the
 * exit port, 1 after a fault, 3 when an instruction or time limit ended the run, 2 for bad
 * input (one line).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a guest image (flat binary, ROM, ELF, Multiboot) on one vCPU until it halts or exits.")
public final class RunCommand implements java.util.concurrent.Callable<Integer> {
    static final int EXIT_FAULT = 1, EXIT_LIMIT = 3;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--load", paramLabel = "FILE@ADDR", description = "load a flat binary at a physical address (repeatable)")
    List<String> loads = new ArrayList<>();

    @Option(names = "--rom", paramLabel = "FILE@ADDR[,alias=ADDR]",
            description = "map a ROM (guest writes ignored), optionally visible at a second address too (repeatable)")
    List<String> roms = new ArrayList<>();

    @Option(names = "--elf", paramLabel = "FILE", description = "load an ELF32/ELF64 executable (entry and state from the file)")
    Path elf;

    @Option(names = "--multiboot", paramLabel = "FILE", description = "load a Multiboot v1 kernel and start it as a Multiboot loader does")
    Path multiboot;

    @Option(names = "--cmdline", paramLabel = "S", description = "the Multiboot kernel's command line")
    String cmdline = "";

    @Option(names = "--state", paramLabel = "reset|real|flat32|long64[,cpl3]",
            description = "initial vCPU state (default: reset with --rom only, else from the image: flat32 or long64)")
    String state;

    @Option(names = "--set", paramLabel = "REG=VALUE", description = "set a register after the state (repeatable; names as in --json)")
    List<String> sets = new ArrayList<>();

    @Option(names = "--entry", paramLabel = "ADDR", description = "start address (default: the image's entry, or the first --load address)")
    String entry;

    @Option(names = "--ram", paramLabel = "SIZE", description = "low RAM from address 0 (default: ${DEFAULT-VALUE}; K, M, G suffixes)")
    String ram = "16M";

    @Option(names = "--map", paramLabel = "ADDR+SIZE", description = "more RAM at ADDR (repeatable)")
    List<String> maps = new ArrayList<>();

    @Option(names = "--engine", paramLabel = "interp|jit", description = "execution engine (default: ${DEFAULT-VALUE})")
    String engine = Engines.DEFAULT;

    @Option(names = "--max-insns", paramLabel = "N", description = "stop after N instructions (exit 3)")
    long maxInsns = Long.MAX_VALUE;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "stop after this much host time (exit 3; e.g. 10 or 2.5)")
    String timeout;

    @Option(names = "--trace", description = "print every instruction (to standard error)")
    boolean trace;

    @Option(names = "--port-log", paramLabel = "PORT=FILE", description = "write every byte written to PORT to FILE, one hex byte per line (repeatable)")
    List<String> portLogs = new ArrayList<>();

    @Option(names = "--json", description = "print the outcome as JSON")
    boolean json;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        X86Machine m;
        try {
            m = X86Machine.builder().ramBytes(size(ram, "--ram")).engine(engine).build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--ram/--engine: " + e.getMessage());
        }
        List<long[]> placed = new ArrayList<>();
        List<String> placedNames = new ArrayList<>();
        for (String spec : maps) {
            int plus = spec.indexOf('+');
            if (plus < 0) {
                throw bad("--map must be ADDR+SIZE, got '" + spec + "'");
            }
            long at = number(spec.substring(0, plus), "--map address");
            try {
                m.mapRam(at, size(spec.substring(plus + 1), "--map size"));
            } catch (IllegalArgumentException e) {
                throw bad("--map " + spec + ": " + e.getMessage());
            }
        }
        Long firstLoad = null;
        for (String spec : roms) {
            String[] parts = spec.split(",");
            Placement p = placement(parts[0], "--rom");
            byte[] bytes = read(p.file);
            checkOverlap(placed, placedNames, p.address, bytes.length, "--rom " + parts[0]);
            try {
                m.mapRom(p.address, bytes);
                for (int i = 1; i < parts.length; i++) {
                    if (!parts[i].startsWith("alias=")) {
                        throw bad("--rom takes FILE@ADDR[,alias=ADDR], got '" + spec + "'");
                    }
                    long alias = number(parts[i].substring(6), "--rom alias");
                    checkOverlap(placed, placedNames, alias, bytes.length, "--rom alias " + parts[i].substring(6));
                    m.alias(alias, p.address, bytes.length);
                }
            } catch (IllegalArgumentException e) {
                throw bad("--rom " + spec + ": " + e.getMessage());
            }
        }
        for (String spec : loads) {
            Placement p = placement(spec, "--load");
            byte[] bytes = read(p.file);
            checkOverlap(placed, placedNames, p.address, bytes.length, "--load " + spec);
            try {
                m.load(p.address, bytes);
            } catch (IllegalArgumentException e) {
                throw bad("--load " + spec + ": " + e.getMessage());
            }
            if (firstLoad == null) {
                firstLoad = p.address;
            }
        }
        LoadedImage image = null;
        boolean image64 = false;
        if (elf != null && multiboot != null) {
            throw bad("--elf and --multiboot exclude each other");
        }
        try {
            if (elf != null) {
                byte[] file = read(elf);
                image = m.loadElf(elf.getFileName().toString(), file);
                image64 = file.length > 4 && file[4] == 2;
            } else if (multiboot != null) {
                image = m.loadMultiboot(multiboot.getFileName().toString(), read(multiboot), cmdline);
            }
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        if (image != null) {
            for (org.apboot.MemoryRegion r : image.segments()) {
                checkOverlap(placed, placedNames, r.base(), r.size(), "segment of " + (elf != null ? elf : multiboot));
            }
        }
        long start = entry != null ? number(entry, "--entry") : image != null ? image.entry() : firstLoad != null ? firstLoad : -1;
        String st = state != null ? state : multiboot != null ? null : image != null ? (image64 ? "long64" : "flat32")
                : loads.isEmpty() && !roms.isEmpty() ? "reset" : "flat32";
        VcpuHandle v = m.vcpu(0);
        if (st != null) {
            applyState(m, v, st, start);
        } else if (entry != null) {
            v.set("rip", start);
        }
        if (st == null || !st.startsWith("reset")) {
            if (start < 0) {
                throw bad("nothing to run: give --load, --rom, --elf or --multiboot");
            }
            long linear = v.get("cs.base") + v.get("rip");
            if (!backed(m, linear)) {
                throw bad(String.format("entry 0x%x lies outside guest memory", linear));
            }
        }
        for (String s : sets) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw bad("--set must be REG=VALUE, got '" + s + "'");
            }
            try {
                v.set(s.substring(0, eq).strip(), number(s.substring(eq + 1), "--set " + s.substring(0, eq)));
            } catch (IllegalArgumentException e) {
                throw bad("--set " + s + ": " + e.getMessage());
            }
        }
        List<PrintWriter> logs = new ArrayList<>();
        for (String s : portLogs) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw bad("--port-log must be PORT=FILE, got '" + s + "'");
            }
            long port = number(s.substring(0, eq), "--port-log port");
            if (port < 0 || port > 0xFFFF) {
                throw bad("--port-log port must be 0..0xffff, got " + s.substring(0, eq));
            }
            PrintWriter w;
            try {
                w = new PrintWriter(Files.newBufferedWriter(Path.of(s.substring(eq + 1))));
            } catch (IOException e) {
                throw bad("--port-log " + s + ": cannot write " + s.substring(eq + 1));
            }
            logs.add(w);
            m.logPort((int) port, b -> w.printf("%02x%n", b));
        }
        if (maxInsns < 0) {
            throw bad("--max-insns must not be negative, got " + maxInsns);
        }
        RunLimits limits = RunLimits.none().maxInstructions(maxInsns);
        if (timeout != null) {
            limits = limits.timeout(duration(timeout));
        }
        PrintWriter err = cmd.getErr();
        if (trace) {
            m.onInstruction((cpu, rip, text) -> err.printf("%-8s %08x  %s%n", cpu.mode(), rip, text));
        }
        warmUp();
        RunResult r = m.runVcpu(0, limits);
        logs.forEach(PrintWriter::close);
        err.flush();
        PrintWriter out = cmd.getOut();
        if (json) {
            out.println(Json.write(json(m, v, r)));
        } else {
            out.print(m.consoleOutput());
            out.print(m.serialOutput());
            out.flush();
            err.println(summary(r, v));
        }
        out.flush();
        err.flush();
        switch (r.exit()) {
            case "exit-port": return (int) (r.status() & 0xFF);
            case "fault": return EXIT_FAULT;
            case "limit": case "stop": return EXIT_LIMIT;
            default: return 0;
        }
    }

    /**
     * Runs a few instructions on a throwaway machine first, so that {@code seconds} measures the
     * guest, not the JVM loading and initialising the decoder and executor tables.
     */
    private void warmUp() {
        X86Machine w = X86Machine.builder().ramBytes(1 << 16).engine(engine).build();
        // mov $1,%ecx; 1: dec %ecx; jnz 1b; hlt (16-bit)
        w.load(0x1000, new byte[] {(byte) 0xb9, 1, 0, (byte) 0x49, (byte) 0x75, (byte) 0xfd, (byte) 0xf4});
        w.vcpu(0).realMode(0, 0x1000);
        w.runVcpu(0, RunLimits.none().maxInstructions(100));
    }

    private static boolean backed(X86Machine m, long phys) {
        try {
            m.read(phys, 1);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void applyState(X86Machine m, VcpuHandle v, String st, long start) {
        String[] parts = st.split(",");
        boolean cpl3 = parts.length == 2 && parts[1].equals("cpl3");
        if (parts.length > 2 || (parts.length == 2 && !cpl3)) {
            throw bad("--state must be reset|real|flat32|long64 with an optional ,cpl3, got '" + st + "'");
        }
        switch (parts[0]) {
            case "reset":
                if (cpl3) {
                    throw bad("--state reset starts at CPL 0: ,cpl3 needs flat32 or long64");
                }
                v.reset();
                if (entry != null) {
                    throw bad("--entry does not apply to --state reset (it starts at F000:FFF0)");
                }
                return;
            case "real":
                if (cpl3) {
                    throw bad("real mode has no CPL 3: ,cpl3 needs flat32 or long64");
                }
                requireStart(start);
                if (start > 0xF_FFFF) {
                    throw bad(String.format("real mode cannot start at 0x%x (above 1 MiB)", start));
                }
                if (start <= 0xFFFF) {
                    v.realMode(0, start);
                } else {
                    v.realMode((int) (start >>> 4), start & 0xF);
                }
                return;
            case "flat32":
                requireStart(start);
                v.flat32(start, (m.ramBytes() - 16) & ~0xFL, cpl3);
                return;
            case "long64":
                requireStart(start);
                v.long64(start, m.reservedPageTables(), cpl3);
                return;
            default:
                throw bad("--state must be reset|real|flat32|long64[,cpl3], got '" + st + "'");
        }
    }

    private void requireStart(long start) {
        if (start < 0) {
            throw bad("nothing to run: give --entry, --load, --elf or --multiboot");
        }
    }

    private static String summary(RunResult r, VcpuHandle v) {
        String what;
        switch (r.exit()) {
            case "exit-port": what = "exit port, status " + r.status(); break;
            case "fault": what = "fault: " + r.fault(); break;
            case "limit": what = "limit reached"; break;
            case "shutdown": what = "reset requested"; break;
            default: what = r.exit(); break;
        }
        return String.format("apboot: %s after %,d instructions in %s at rip 0x%x (%.3f s)", what, r.instructions(),
                v.mode(), v.rip(), r.seconds());
    }

    private static Map<String, Object> json(X86Machine m, VcpuHandle v, RunResult r) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("exit", r.exit());
        o.put("status", r.status());
        o.put("instructions", r.instructions());
        o.put("seconds", r.seconds());
        Map<String, Object> regs = new LinkedHashMap<>();
        v.registers().forEach((k, val) -> regs.put(k, Json.hex(val)));
        o.put("regs", regs);
        o.put("mode", v.mode());
        if (r.fault() != null || v.shutDown()) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("reason", r.fault());
            f.put("chain", v.faultChain());
            f.put("rip", Json.hex(v.rip()));
            o.put("fault", f);
        } else {
            o.put("fault", null);
        }
        o.put("console", m.consoleOutput());
        o.put("serial", m.serialOutput());
        return o;
    }

    // ---------------------------------------------------------------- parsing

    private record Placement(Path file, long address) {
    }

    private Placement placement(String spec, String option) {
        int at = spec.lastIndexOf('@');
        if (at <= 0 || at == spec.length() - 1) {
            throw bad(option + " must be FILE@ADDR, got '" + spec + "'");
        }
        return new Placement(Path.of(spec.substring(0, at)), number(spec.substring(at + 1), option + " address"));
    }

    private void checkOverlap(List<long[]> placed, List<String> names, long at, long len, String what) {
        for (int i = 0; i < placed.size(); i++) {
            long[] p = placed.get(i);
            if (at < p[0] + p[1] && p[0] < at + len) {
                throw bad(String.format("%s (0x%x-0x%x) overlaps %s", what, at, at + len - 1, names.get(i)));
            }
        }
        placed.add(new long[] {at, len});
        names.add(what);
    }

    private byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw bad("no such file: " + file);
        } catch (IOException e) {
            throw bad("cannot read " + file + ": " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw bad("cannot read " + file);
        }
    }

    private long number(String text, String what) {
        String t = text.strip().toLowerCase(Locale.ROOT).replace("_", "");
        try {
            if (t.startsWith("0x")) {
                return Long.parseUnsignedLong(t.substring(2), 16);
            }
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw bad(what + " must be a number (decimal or 0x hex), got '" + text + "'");
        }
    }

    private long size(String text, String what) {
        String t = text.strip().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (t.endsWith("K") || t.endsWith("M") || t.endsWith("G")) {
            unit = t.endsWith("K") ? 1L << 10 : t.endsWith("M") ? 1L << 20 : 1L << 30;
            t = t.substring(0, t.length() - 1);
        }
        long n = number(t, what);
        if (n <= 0 || n > Long.MAX_VALUE / unit) {
            throw bad(what + " must be a positive size, got '" + text + "'");
        }
        return n * unit;
    }

    private Duration duration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.endsWith("s")) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            double s = Double.parseDouble(t);
            if (s > 0 && s < 1e9) {
                return Duration.ofNanos((long) (s * 1e9));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad("--timeout must be a positive number of seconds, got '" + text + "'");
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
