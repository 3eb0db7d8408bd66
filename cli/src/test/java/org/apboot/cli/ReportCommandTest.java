package org.apboot.cli;

import static org.apboot.cli.DisasmCommandTest.oneLineError;
import static org.apboot.cli.DisasmCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apboot.cli.DisasmCommandTest.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code apboot report}, {@code compare --report} and {@code bench} as a user runs them. */
class ReportCommandTest {
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    @TempDir
    Path tmp;

    private Path fixture(String name) throws IOException {
        Path p = tmp.resolve(name);
        try (InputStream in = ReportCommandTest.class.getResourceAsStream("/report/" + name)) {
            Files.copy(in, p);
        }
        return p;
    }

    @Test
    void jmhResultsBecomeTablesAndCharts() throws IOException {
        Path out = tmp.resolve("out");
        Result r = run("report", fixture("jmh-small.json").toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().startsWith("apboot report: " + out.resolve("report.md") + " (1 bring-up rows, 5 speed-ups, 6 scaling points)"),
                r.out());
        String md = Files.readString(out.resolve("report.md"));
        // APs online per second per engine and path, with the translator's speed-up
        assertTrue(md.contains("| Boot | sipi | 4,096 |  | 153,600 ± 2,048 | 307,200 ± 4,096 | 2.00× |"), md);
        assertTrue(md.contains("Every row: cache=warm, cpu=generic, threads=1, work=none."), md);
        // the speed-up of every result measured on both engines
        assertTrue(md.contains("| BootBenchmark.bringUp |  | 153,600 ± 2,048 | 307,200 ± 4,096 | APs/s | 2.00× |"), md);
        assertTrue(md.contains("| ScalingBenchmark.bringUp | aps=1 | 2,000 ± 1,000 | 1,000 ± 1,000 | APs/s | 0.50× |"), md);
        assertTrue(md.contains("| ScalingBenchmark.bringUp | aps=10000 | 120,000 ± 1,000 | 240,000 ± 1,000 | APs/s | 2.00× |"), md);
        assertTrue(md.contains("| DispatchBenchmark.exits |  | 40.0 M ± 4.00 M | 100 M ± 10.0 M | block exits/s | 2.50× |"), md);
        assertTrue(md.contains("* DispatchBenchmark.exits, every row: shape=chained"), md);
        // the scaling curve as a table: APs/s and host time per AP
        assertTrue(md.contains("| APs | interp, 1 thread | jit, 1 thread |"), md);
        assertTrue(md.contains("| 1 | 2,000 (500.0 µs/AP) | 1,000 (1.00 ms/AP) |"), md);
        assertTrue(md.contains("| 100 | 100,000 (10.00 µs/AP) | 80,000 (12.50 µs/AP) |"), md);
        assertTrue(md.contains("| 10,000 | 120,000 (8.33 µs/AP) | 240,000 (4.17 µs/AP) |"), md);
        // every result, with units that say what an op is; a blank error where JMH had none
        assertTrue(md.contains("| DecodeBenchmark.decode | mode=64 | thrpt | 800,000 |  | passes over the mix/s |"), md);
        assertTrue(md.contains("| DecodeBenchmark.decode:bytes | mode=64 | thrpt | 103 M | 1.00 M | bytes/s |"), md);
        assertTrue(md.contains("| BootBenchmark.bringUp:apsOnline | aps=4096 cache=warm cpu=generic engine=jit path=sipi threads=1 "
                + "work=none | thrpt | 307,200 | 4,096 | APs online/s |"), md);
        // machine, JDK, date and command
        assertTrue(md.contains("| JDK | 17.0.15 (OpenJDK 64-Bit Server VM 17.0.15+6-Debian-1deb12u1) |"), md);
        assertTrue(md.contains("| JMH | 1.37: 1 fork, 2 × 1 s warm-up, 3 × 1 s measured, 1 JMH thread |"), md);
        assertTrue(md.contains("With 3 samples that half-width is 18.2 standard deviations"), md);
        assertTrue(md.contains("| machine | "), md);
        assertTrue(md.contains(" cores"), md);
        assertTrue(md.contains("| report | written 20"), md);
        assertTrue(md.contains("by `apboot report " + tmp.resolve("jmh-small.json") + " --out " + out + "`"), md);
        // how to reproduce each
        assertTrue(md.contains("java -jar benchmarks/target/benchmarks.jar 'org\\.apboot\\.bench\\.ScalingBenchmark\\.bringUp$' "
                + "-p aps=1,100,10000 -p engine=interp,jit -p path=sipi -p threads=1 -f 1 -wi 2 -w 1s -i 3 -r 1s"), md);
        for (String chart : List.of("aps-per-second", "speedup", "scaling")) {
            assertTrue(md.contains("](" + chart + ".png)"), md);
            byte[] png = Files.readAllBytes(out.resolve(chart + ".png"));
            assertTrue(png.length > 1000, chart + ".png: " + png.length + " bytes");
            assertArrayEquals(PNG, Arrays.copyOf(png, 8), chart + ".png starts with the PNG signature");
            String svg = Files.readString(out.resolve(chart + ".svg"), StandardCharsets.UTF_8);
            assertTrue(svg.length() > 1000 && svg.contains("<svg"), chart + ".svg");
        }
    }

    @Test
    void compareOutputAndTheBenchSidecarGoIntoTheReport() throws IOException {
        Path jmh = fixture("jmh-small.json");
        Files.writeString(tmp.resolve("jmh-small.meta.json"), "{\"apbootBenchMeta\":1,\"command\":\"apboot bench --quick\","
                + "\"profile\":\"quick\",\"started\":\"2026-12-01 10:00 UTC\",\"finished\":\"2026-12-01 10:04 UTC\","
                + "\"machine\":{\"cpu\":\"Test CPU 9000\",\"cores\":2,\"memoryBytes\":25769803776,\"os\":\"Linux\",\"jdk\":\"17\"},"
                + "\"loadAverage\":{\"before\":\"0.10 0.20 0.30\",\"after\":\"1.00 0.50 0.40\"}}");
        Path out = tmp.resolve("out");
        Result r = run("report", jmh.toString(), fixture("compare-small.json").toString(), tmp.resolve("jmh-small.meta.json").toString(),
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("| results | `jmh-small.json`: 11 JMH results, measured 2026-12-01 10:00 UTC to 2026-12-01 10:04 UTC |"), md);
        assertTrue(md.contains("| command | `apboot bench --quick` |"), md);
        assertTrue(md.contains("| machine | Test CPU 9000, 2 cores, 24.0 GiB, Linux (recorded by the run) |"), md);
        assertTrue(md.contains("| load average | before 0.10 0.20 0.30, after 1.00 0.50 0.40"), md);
        assertTrue(md.contains("| results | `compare-small.json`: apboot compare --json output, file written 20"), md);
        assertTrue(md.contains("| compare, warm (median of 2) | mailbox64 | 16 |  | 50,000 | 125,000 | 2.50× |"), md);
        assertTrue(md.contains("| compare, cold (first run) | mailbox64 | 16 |  | 2,000 | 1,000 | 0.50× |"), md);
        assertTrue(md.contains("| Boot | sipi | 4,096 | cache=warm threads=1 | 153,600 ± 2,048 | 307,200 ± 4,096 | 2.00× |"), md);
        assertTrue(md.contains("| path=mailbox64 cpu=generic aps=16 work=none | 3 | 2,000 | 50,000 | 1,000 | 125,000 | 2.50× | agree |"),
                md);
        assertTrue(md.contains("./apboot compare --path mailbox64 --cpu generic --aps 16 --work none --repeat 3"), md);
    }

    @Test
    void compareWritesItsOwnReport() throws IOException {
        Path out = tmp.resolve("cmp");
        Result r = run("compare", "--aps", "4", "--repeat", "2", "--report", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("apboot report: " + out.resolve("report.md")), r.out());
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("| results | this `apboot compare` run, measured 20"), md);
        assertTrue(md.contains("| command | `apboot compare --aps 4 --repeat 2 --report " + out + "` |"), md);
        assertTrue(md.contains("| compare, warm (median of 1) | sipi | 4 |"), md);
        assertTrue(md.contains("threads=1"), md);
        assertTrue(Files.size(out.resolve("aps-per-second.png")) > 1000);
        assertTrue(Files.size(out.resolve("aps-per-second.svg")) > 1000);
        // with --json, standard output stays one JSON object; the report's line goes to standard error
        Result j = run("compare", "--aps", "2", "--repeat", "1", "--json", "--report", tmp.resolve("cmp2").toString());
        assertEquals(0, j.code(), j.err());
        assertEquals(1, j.out().strip().lines().count(), j.out());
        assertTrue(j.err().startsWith("apboot report: "), j.err());
    }

    @Test
    void badInputIsOneLineAndExitTwo() throws IOException {
        oneLineError(run("report", tmp.resolve("missing.json").toString()), "missing.json: no such file");
        Path notJmh = Files.writeString(tmp.resolve("other.json"), "{\"aps\": 4}");
        oneLineError(run("report", notJmh.toString(), "--out", tmp.resolve("o").toString()),
                "other.json: not JMH JSON results (-rf json) or compare --json output");
        Path broken = Files.writeString(tmp.resolve("broken.json"), "[{\"benchmark\": ");
        oneLineError(run("report", broken.toString()), "broken.json: not JSON (unexpected end of text at line 1, column 16)");
        Path empty = Files.writeString(tmp.resolve("empty.json"), "[]");
        oneLineError(run("report", empty.toString()), "empty.json: no results in it");
        Path text = Files.writeString(tmp.resolve("results.txt"), "Benchmark  Mode  Cnt  Score\n");
        oneLineError(run("report", text.toString()), "results.txt: not JSON");
        oneLineError(run("report"), "Missing required parameter");
    }

    @Test
    void quickProfileRunsTheHeadlineSetWithShortIterations() throws IOException {
        Path jar = Files.writeString(tmp.resolve("benchmarks.jar"), "not really a jar");
        Result r = run("bench", "--quick", "--dry-run", "--jar", jar.toString(), "--", "-prof", "gc");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(BenchCommand.QUICK.size(), lines.size(), r.out());
        assertTrue(lines.get(0).endsWith(" -jar " + jar + " '\\.BootBenchmark\\.' -p aps=4096 -p cache=warm -p work=none "
                + "-p threads=1 -p cpu=generic -f 1 -wi 4 -w 1s -i 3 -r 1s -prof gc"), lines.get(0));
        assertTrue(lines.get(1).contains("'\\.ScalingBenchmark\\.' -p aps=1,100,10000,100000 -p threads=1 -f 1"), lines.get(1));
        Result full = run("bench", "--dry-run", "--jar", jar.toString(), "--ignore-lock");
        assertEquals(0, full.code(), full.err());
        assertTrue(full.out().strip().endsWith("java -Djmh.ignoreLock=true -jar " + jar), full.out());
        oneLineError(run("bench", "--quick", "--jar", tmp.resolve("none.jar").toString()), "none.jar: no such file");
        oneLineError(run("bench", "--blob", tmp.resolve("nodir").toString(), "--dry-run"), "--blob");
    }

    @Test
    void benchMergesTheRunsIntoOneJmhFile() throws IOException {
        Path a = Files.writeString(tmp.resolve("a.json"), "[\n  {\"benchmark\": \"x.A.a\", \"primaryMetric\": {\"score\": 1}}\n]\n");
        Path b = Files.writeString(tmp.resolve("b.json"), "[\n]\n");
        Path c = Files.writeString(tmp.resolve("c.json"), "[{\"benchmark\": \"x.C.c\", \"primaryMetric\": {\"score\": 2.5}},"
                + "{\"benchmark\": \"x.C.d\", \"primaryMetric\": {\"score\": 3}}]");
        Path into = tmp.resolve("sub/all.json");
        assertEquals(3, BenchCommand.merge(List.of(a, b, c, tmp.resolve("absent.json")), into));
        List<?> all = (List<?>) JsonReader.parse(Files.readString(into));
        assertEquals(3, all.size());
        assertEquals("x.C.d", ((java.util.Map<?, ?>) all.get(2)).get("benchmark"));
    }
}
