package org.apboot.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Facts about the machine this JVM runs on, for reports: the processor's model name and core
 * count ({@code /proc/cpuinfo}, else the JVM's view), memory ({@code /proc/meminfo}), the OS,
 * the JDK, and the load average ({@code /proc/loadavg}: on a shared machine, the best hint of
 * how much other work competed with a measurement).
 */
record HostFacts(String cpu, int cores, long memoryBytes, String os, String jdk, String loadAverage) {
    static HostFacts current() {
        String model = null;
        int cores = 0;
        for (String line : lines("/proc/cpuinfo")) {
            if (line.startsWith("model name") && line.indexOf(':') > 0) {
                if (model == null) {
                    model = line.substring(line.indexOf(':') + 1).strip();
                }
                cores++;
            }
        }
        if (cores == 0) {
            cores = Runtime.getRuntime().availableProcessors();
        }
        if (model == null) {
            model = System.getProperty("os.arch");
        }
        long mem = 0;
        for (String line : lines("/proc/meminfo")) {
            if (line.startsWith("MemTotal:")) {
                String[] f = line.split("\\s+");
                try {
                    mem = Long.parseLong(f[1]) * 1024;
                } catch (RuntimeException e) {
                    mem = 0;
                }
            }
        }
        return new HostFacts(model, cores, mem,
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                System.getProperty("java.runtime.version", System.getProperty("java.version")) + ", "
                        + System.getProperty("java.vm.name"),
                loadAverageNow());
    }

    /** The 1-, 5- and 15-minute load averages, or "unknown". */
    static String loadAverageNow() {
        List<String> l = lines("/proc/loadavg");
        if (l.isEmpty()) {
            return "unknown";
        }
        String[] f = l.get(0).split("\\s+");
        return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : "unknown";
    }

    private static List<String> lines(String file) {
        try {
            return Files.readAllLines(Path.of(file));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** One line: "AMD EPYC 7B13, 2 cores, 23.5 GiB, Linux 6.1 amd64". */
    String machine() {
        return cpu + ", " + cores + (cores == 1 ? " core" : " cores")
                + (memoryBytes > 0 ? String.format(Locale.ROOT, ", %.1f GiB", memoryBytes / (double) (1L << 30)) : "")
                + ", " + os;
    }

    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", cpu);
        m.put("cores", cores);
        m.put("memoryBytes", memoryBytes);
        m.put("os", os);
        m.put("jdk", jdk);
        return m;
    }

    /** From {@link #json()} output (a bench run's sidecar); missing fields become "unknown". */
    static HostFacts fromJson(Map<?, ?> m, String loadAverage) {
        return new HostFacts(str(m.get("cpu")), m.get("cores") instanceof Number n ? n.intValue() : 0,
                m.get("memoryBytes") instanceof Number n ? n.longValue() : 0, str(m.get("os")), str(m.get("jdk")), loadAverage);
    }

    private static String str(Object o) {
        return o == null ? "unknown" : o.toString();
    }
}
