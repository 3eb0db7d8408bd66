package org.apboot.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark jar's main class: JMH's own command line ({@code org.openjdk.jmh.Main}), except
 * that without {@code -Dapboot.blob=DIR} the kernel-blob benchmark is left out of the run (with
 * a note on standard error) instead of failing for want of a blob.
 */
public final class BenchMain {
    static final String BLOB_BENCHMARK = "BootBlobBenchmark";

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        org.openjdk.jmh.Main.main(arguments(args, System.getProperty(BringUp.BLOB_PROPERTY)));
    }

    /** JMH's arguments: {@code args}, plus an exclusion of the blob benchmark when no blob is given. */
    static String[] arguments(String[] args, String blob) {
        if (blob != null && !blob.isBlank() || isInformational(args)) {
            return args;
        }
        System.err.println("apboot-bench: " + BLOB_BENCHMARK + " left out: no kernel blob (run java -D"
                + BringUp.BLOB_PROPERTY + "=DIR -jar benchmarks.jar ... to include it)");
        List<String> a = new ArrayList<>(List.of(args));
        a.add("-e");
        a.add(BLOB_BENCHMARK);
        return a.toArray(new String[0]);
    }

    /** Listing and help runs nothing: leave them as they are. */
    private static boolean isInformational(String[] args) {
        for (String s : args) {
            if (s.equals("-h") || s.equals("-l") || s.equals("-lp") || s.equals("-lrf") || s.equals("-lprof")) {
                return true;
            }
        }
        return false;
    }
}
