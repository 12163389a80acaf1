package io.rhizome.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DisruptionLogTest {
  @TempDir Path dir;

  @Test
  void marksAreCountedByKindWithinTheirTimeWindow() throws Exception {
    Files.writeString(dir.resolve("k0.log"), String.join("\n",
        "2026-12-07T10:00:00.000Z INFO Keeper - keeper started",
        "2026-12-07T10:00:05.000Z WARN ActionExecutor - self-fenced: PostgreSQL stopped until the store confirms this master",
        "2026-12-07T10:00:30.000Z WARN ActionExecutor - self-fenced: PostgreSQL stopped until the store confirms this master",
        "a folded continuation line without a timestamp: self-fenced"));
    Files.writeString(dir.resolve("s1.log"),
        "2026-12-07T10:00:06.000Z INFO TtlExpirer - leader ready term=4: TTLs restart now\n");
    Files.writeString(dir.resolve("notes.txt"), "2026-12-07T10:00:06.000Z self-fenced\n");
    DisruptionLog log = DisruptionLog.read(dir);
    Map<String, Long> counts = log.counts(Instant.parse("2026-12-07T10:00:01Z"), Instant.parse("2026-12-07T10:00:10Z"));
    assertEquals(1L, counts.get("selfFences"));
    assertEquals(1L, counts.get("leaderChanges"));
    assertEquals(0L, counts.get("proxyDrops"));
    assertEquals(3, log.between(Instant.parse("2026-12-07T09:00:00Z"), Instant.parse("2026-12-07T11:00:00Z")).size());
  }
}
