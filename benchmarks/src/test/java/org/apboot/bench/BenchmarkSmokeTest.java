package org.apboot.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Runs every benchmark body once, so none can rot: each class in this package with a
 * {@code @Benchmark} method is instantiated, its {@code @Param} fields set, its {@code @Setup}
 * methods called (trial, iteration, invocation: the guest programs' own checks run there), each
 * benchmark method invoked once with its state arguments, and its {@code @TearDown} methods
 * called. Parameters: sizes ({@code aps}) at their smallest value; every value of every other
 * parameter at least once, on each engine (one parameter varied at a time from the first
 * values). Timing is JMH's business, never this test's.
 */
class BenchmarkSmokeTest {
    /** Parameters whose values are sizes: only the smallest is run here. */
    private static final List<String> SIZES = List.of("aps");

    @TempDir
    static Path blobDir;

    @BeforeAll
    static void ourTrampolineAsAKernelBlob() throws IOException {
        for (String f : List.of("realmode.bin", "realmode.relocs", "realmode.elf")) {
            try (InputStream in = BenchmarkSmokeTest.class.getResourceAsStream("/org/apboot/guest/trampoline/" + f)) {
                Files.copy(in, blobDir.resolve(f));
            }
        }
        System.setProperty(BringUp.BLOB_PROPERTY, blobDir.toString());
    }

    @AfterAll
    static void clearBlob() {
        System.clearProperty(BringUp.BLOB_PROPERTY);
    }

    @TestFactory
    Stream<DynamicTest> everyBenchmarkBodyRunsOnce() throws Exception {
        List<Class<?>> classes = benchmarkClasses();
        assertTrue(classes.stream().map(Class::getSimpleName).collect(Collectors.toList()).containsAll(List.of(
                "BootBenchmark", "BootTdxBenchmark", "BootBlobBenchmark", "ScalingBenchmark", "DispatchBenchmark",
                "DecodeBenchmark", "MemoryBenchmark", "GuestLoopBenchmark", "InterpreterLoopBenchmark",
                "DecoderBenchmark", "TranslateBenchmark", "TranslatePathBenchmark", "PhysicalMemoryBenchmark",
                "SnapshotBenchmark", "RomLoopBenchmark", "SystemInstructionBenchmark", "BootCheckedBenchmark")),
                classes.toString());
        List<DynamicTest> tests = new ArrayList<>();
        for (Class<?> c : classes) {
            for (Map<String, String> params : paramSets(c)) {
                tests.add(DynamicTest.dynamicTest(c.getSimpleName() + " " + params, () -> runOnce(c, params)));
            }
        }
        return tests.stream();
    }

    /**
     * Every concrete class of this package (from the compiled classes directory) with a @Benchmark
     * method, inherited ones included.
     */
    static List<Class<?>> benchmarkClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path dir = Path.of(BootBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("org/apboot/bench");
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.sorted().collect(Collectors.toList())) {
                String n = p.getFileName().toString();
                if (!n.endsWith(".class") || n.contains("$")) {
                    continue;
                }
                Class<?> c = Class.forName("org.apboot.bench." + n.substring(0, n.length() - 6));
                if (!java.lang.reflect.Modifier.isAbstract(c.getModifiers())
                        && Arrays.stream(c.getMethods()).anyMatch(m -> m.isAnnotationPresent(Benchmark.class))) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    /** The first value of each parameter (the smallest for sizes), then one other value at a time, per engine. */
    static List<Map<String, String>> paramSets(Class<?> c) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (Field f : c.getFields()) {
            Param p = f.getAnnotation(Param.class);
            if (p != null) {
                List<String> v = new ArrayList<>(List.of(p.value()));
                if (SIZES.contains(f.getName())) {
                    v = List.of(v.stream().min(Comparator.comparingLong(Long::parseLong)).orElseThrow());
                }
                values.put(f.getName(), v);
            }
        }
        List<String> engines = values.getOrDefault("engine", List.of(""));
        List<Map<String, String>> sets = new ArrayList<>();
        for (String engine : engines) {
            Map<String, String> base = new LinkedHashMap<>();
            values.forEach((k, v) -> base.put(k, v.get(0)));
            if (!engine.isEmpty()) {
                base.put("engine", engine);
            }
            sets.add(base);
            values.forEach((k, v) -> {
                if (!k.equals("engine")) {
                    for (String x : v.subList(1, v.size())) {
                        Map<String, String> s = new LinkedHashMap<>(base);
                        s.put(k, x);
                        sets.add(s);
                    }
                }
            });
        }
        return sets;
    }

    /** Instantiates {@code c} with {@code params}, runs its setups, each benchmark method once, its teardowns. */
    static Object runOnce(Class<?> c, Map<String, String> params) throws Exception {
        Object bench = c.getConstructor().newInstance();
        for (Map.Entry<String, String> e : params.entrySet()) {
            Field f = c.getField(e.getKey());
            f.set(bench, convert(e.getValue(), f.getType()));
        }
        for (Method b : c.getMethods()) {
            if (!b.isAnnotationPresent(Benchmark.class)) {
                continue;
            }
            lifecycle(bench, Setup.class);
            Object[] args = new Object[b.getParameterCount()];
            for (int i = 0; i < args.length; i++) {
                args[i] = b.getParameterTypes()[i].getConstructor().newInstance();
                lifecycle(args[i], Setup.class);
            }
            try {
                b.invoke(bench, args);
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
            }
            for (Object a : args) {
                lifecycle(a, TearDown.class);
            }
            lifecycle(bench, TearDown.class);
        }
        return bench;
    }

    /** Calls the object's @Setup or @TearDown methods, trial level first for setups (last for teardowns). */
    private static void lifecycle(Object o, Class<? extends java.lang.annotation.Annotation> kind) throws Exception {
        List<Method> ms = new ArrayList<>();
        for (Method m : o.getClass().getMethods()) {
            if (m.isAnnotationPresent(kind)) {
                ms.add(m);
            }
        }
        Comparator<Method> byLevel = Comparator.comparingInt(m -> level(m, kind).ordinal());
        ms.sort(kind == Setup.class ? byLevel : byLevel.reversed());
        for (Method m : ms) {
            try {
                m.invoke(o);
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
            }
        }
    }

    private static Level level(Method m, Class<? extends java.lang.annotation.Annotation> kind) {
        return kind == Setup.class ? m.getAnnotation(Setup.class).value() : m.getAnnotation(TearDown.class).value();
    }

    private static Object convert(String v, Class<?> type) {
        if (type == String.class) {
            return v;
        } else if (type == int.class) {
            return Integer.parseInt(v);
        } else if (type == long.class) {
            return Long.parseLong(v);
        } else if (type == boolean.class) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException("unsupported @Param type " + type);
    }

    // ------------------------------------------------------------------ what the shapes measure

    @Test
    void dispatchShapesTakeThePathTheyAreNamedFor() throws Exception {
        for (String engine : List.of("interp", "jit")) {
            DispatchBenchmark lookup = setUp("lookup", engine);
            assertTrue(lookup.stats().sharedCacheHits.sum() >= DispatchBenchmark.EXITS,
                    engine + ": lookup exits served by the shared cache: " + lookup.stats().sharedCacheHits.sum());
            DispatchBenchmark jc = setUp("jumpcache", engine);
            assertTrue(jc.stats().jumpCacheHits.sum() >= DispatchBenchmark.EXITS,
                    engine + ": jumpcache exits served by the jump cache: " + jc.stats().jumpCacheHits.sum());
            DispatchBenchmark ind = setUp("indirect", engine);
            if (engine.equals("interp")) {
                // each block's target repeats in the same page: the interpreter follows its link
                assertTrue(ind.stats().counters().getOrDefault("linked blocks", 0L) >= DispatchBenchmark.EXITS,
                        "interp: indirect exits followed through block links: " + ind.stats().counters());
            } else {
                // each block's target repeats: the translator follows the exit's indirect link
                assertTrue(ind.stats().counters().getOrDefault("chained exits", 0L) >= DispatchBenchmark.EXITS,
                        "jit: indirect exits followed through their links: " + ind.stats().counters());
            }
        }
        DispatchBenchmark chained = setUp("chained", "jit");
        assertTrue(chained.stats().counters().getOrDefault("chained exits", 0L) >= DispatchBenchmark.EXITS,
                "chained exits: " + chained.stats().counters());
        DispatchBenchmark linked = setUp("chained", "interp");
        assertTrue(linked.stats().counters().getOrDefault("linked blocks", 0L) >= DispatchBenchmark.EXITS,
                "interp: direct exits in the page followed through block links: " + linked.stats().counters());
    }

    private static DispatchBenchmark setUp(String shape, String engine) {
        DispatchBenchmark b = new DispatchBenchmark();
        b.shape = shape;
        b.engine = engine;
        b.setup();
        return b;
    }

    @Test
    void memoryMissWalksOnEveryIterationAndHitDoesNot() {
        for (String engine : List.of("interp", "jit")) {
            MemoryBenchmark miss = new MemoryBenchmark();
            miss.engine = engine;
            miss.access = "miss";
            miss.setup();
            assertTrue(miss.tlbMisses() >= 0.99 * 3 * MemoryBenchmark.ITERATIONS, engine + ": " + miss.tlbMisses());
            MemoryBenchmark hit = new MemoryBenchmark();
            hit.engine = engine;
            hit.access = "hit";
            hit.setup();
            assertTrue(hit.tlbMisses() < 100, engine + ": " + hit.tlbMisses());
        }
    }

    @Test
    void decodeMixesHaveTheDocumentedSizes() {
        int[][] expect = {{16, 32, 93}, {32, 34, 113}, {64, 34, 129}};
        for (int[] e : expect) {
            DecodeBenchmark d = new DecodeBenchmark();
            d.mode = e[0];
            d.setup();
            assertEquals(e[1], d.instructions(), e[0] + "-bit instructions");
            DecodeBenchmark.Decoded counters = new DecodeBenchmark.Decoded();
            d.decode(counters);
            assertEquals(e[2], counters.bytes, e[0] + "-bit bytes");
        }
    }

    @Test
    void tdxOnTheSipiPathFailsAtOnceWithTheReason() {
        BootBenchmark b = new BootBenchmark();
        b.path = "sipi";
        b.aps = 1;
        b.engine = "interp";
        b.cache = "warm";
        b.work = "none";
        b.threads = 1;
        b.cpu = "tdx";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::configure);
        assertEquals("cpu=tdx starts APs only through the mailbox: run it with -p path=mailbox64 (BootTdxBenchmark does)",
                e.getMessage());
    }

    @Test
    void theBlobBenchmarkIsLeftOutWithoutABlob() {
        String[] without = BenchMain.arguments(new String[] {"Boot", "-f", "1"}, null);
        assertEquals(List.of("Boot", "-f", "1", "-e", "BootBlobBenchmark"), List.of(without));
        String[] with = BenchMain.arguments(new String[] {"Boot"}, "/some/dir");
        assertEquals(List.of("Boot"), List.of(with));
        assertEquals(List.of("-l"), List.of(BenchMain.arguments(new String[] {"-l"}, null)));
    }
}
