package io.rhizome.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JvmPausesTest {
  @TempDir Path dir;

  @Test
  void readsTheSafepointTotalsOfEveryDaemonLongestFirst() throws Exception {
    Files.writeString(dir.resolve("proxy-p1" + JvmPauses.SUFFIX), String.join("\n",
        "[2026-12-07T17:50:51.100+0000] Using Shenandoah",
        "[2026-12-07T17:50:51.800+0000] Safepoint \"ShenandoahDegeneratedGC\", Time since last: 1000 ns,"
            + " Reaching safepoint: 2500000000 ns, At safepoint: 300000000 ns, Total: 2800000000 ns",
        "[2026-12-07T17:50:52.000+0000] Safepoint \"Cleanup\", Time since last: 1 ns, Reaching safepoint: 1 ns,"
            + " At safepoint: 1 ns, Total: 2000000 ns"));
    Files.writeString(dir.resolve("s1" + JvmPauses.SUFFIX),
        "[2026-12-07T17:50:53.000+0000] Safepoint \"ShenandoahFinalMarkStartEvac\", Time since last: 1 ns,"
            + " Reaching safepoint: 1 ns, At safepoint: 1 ns, Total: 120000000 ns\n");
    Files.writeString(dir.resolve("s1.log"), "Safepoint \"X\" Total: 999999999999 ns\n"); // not a JVM log

    List<JvmPauses.Pause> pauses = JvmPauses.longerThan(dir, Duration.ofMillis(100));
    assertEquals(2, pauses.size(), pauses.toString());
    assertEquals("proxy-p1 2800 ms (ShenandoahDegeneratedGC) at 2026-12-07T17:50:51.800+0000", pauses.get(0).toString());
    assertEquals("s1", pauses.get(1).daemon());
    assertTrue(JvmPauses.longerThan(dir, Duration.ofSeconds(3)).isEmpty());
  }

  @Test
  void theLoggingOptionsWriteBesideTheDaemonsLog() {
    assertEquals(List.of("-Xlog:gc,safepoint:file=/tmp/x/k0" + JvmPauses.SUFFIX + ":time"),
        JvmPauses.loggingOptions(Path.of("/tmp/x/k0.log")));
  }
}
