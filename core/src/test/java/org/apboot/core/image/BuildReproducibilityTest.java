package org.apboot.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rebuilds the guest images with guest/build.sh and requires the committed bytes. */
class BuildReproducibilityTest {
    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("guest/build.sh"))) {
            p = p.getParent();
        }
        return p;
    }

    static boolean toolsPresent() throws Exception {
        Process pr = new ProcessBuilder("sh", "-c", "command -v as && command -v ld && command -v objcopy && command -v nm && command -v python3")
                .redirectErrorStream(true).start();
        pr.getInputStream().readAllBytes();
        return pr.waitFor(30, TimeUnit.SECONDS) && pr.exitValue() == 0;
    }

    static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(root::relativize).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void rebuildIsByteIdentical(@TempDir Path out) throws Exception {
        Path root = repoRoot();
        assumeTrue(root != null, "guest/build.sh not found above " + Path.of("").toAbsolutePath() + ": skipping rebuild check");
        assumeTrue(toolsPresent(), "GNU as/ld/objcopy/nm or python3 not on PATH: skipping the guest image rebuild check");
        Process pr = new ProcessBuilder("sh", root.resolve("guest/build.sh").toString(), out.toString())
                .redirectErrorStream(true).start();
        String log = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(pr.waitFor(120, TimeUnit.SECONDS), "build.sh timed out");
        assertEquals(0, pr.exitValue(), "guest/build.sh failed:\n" + log);

        Path committed = root.resolve("core/src/main/resources/org/apboot/guest");
        List<Path> want = files(committed);
        assertEquals(want, files(out), "file list differs from the committed images");
        for (Path f : want) {
            assertArrayEquals(Files.readAllBytes(committed.resolve(f)), Files.readAllBytes(out.resolve(f)),
                    f + " differs from a fresh build: run guest/build.sh and commit");
        }
    }
}
