package org.apboot.bench;

/**
 * Wall time of building a bring-up machine ({@link BringUp#prepare}: guest RAM, images, every
 * vCPU, initial states, and the scenario's heap measurement with its full GC), round by round
 * in one JVM: the first round is what a single {@code apboot boot} pays, the later ones a
 * warmed-up JVM. Compare JVM options with it, for example
 * {@code -XX:+UseTransparentHugePages}, which the {@code apboot} launcher adds when the kernel
 * offers transparent huge pages.
 *
 * <p>{@code java [JVM options] -cp benchmarks.jar org.apboot.bench.MachineBuildTime PATH APS ROUNDS}
 * with PATH sipi|mailbox64 (interpreter, one host thread, no work).
 */
public final class MachineBuildTime {
    private MachineBuildTime() {
    }

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: MachineBuildTime sipi|mailbox64 APS ROUNDS");
            System.exit(2);
        }
        int aps = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        BringUp bringUp = new BringUp(BringUp.config(args[0], aps, "none", 1, "generic", null), "interp", "warm");
        for (int r = 1; r <= rounds; r++) {
            long t0 = System.nanoTime();
            bringUp.prepare();
            long t1 = System.nanoTime();
            System.out.printf("%s %d APs round %d: machine built in %.1f ms (%.0f ns per AP)%n",
                    args[0], aps, r, (t1 - t0) / 1e6, (t1 - t0) / (double) aps);
        }
    }
}
