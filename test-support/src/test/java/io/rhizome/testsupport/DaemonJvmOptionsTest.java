package io.rhizome.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonJvmOptionsTest {
  @TempDir Path tmp;

  @Test
  void commentsAndBlankLinesAreDropped() throws Exception {
    Path f = tmp.resolve("jvm.options");
    Files.writeString(f, "# why\n-Xmx48m\n\n  # indented comment\n-XX:TieredStopAtLevel=1\n");
    assertEquals(List.of("-Xmx48m", "-XX:TieredStopAtLevel=1"), DaemonJvmOptions.read(f));
  }

  @Test
  void theCheckoutsOwnOptionsAreFound() {
    List<String> options = DaemonJvmOptions.get();
    assertTrue(options.stream().anyMatch(o -> o.startsWith("-Xmx")), "a heap limit in " + options);
    assertTrue(options.stream().noneMatch(o -> o.startsWith("#")), options.toString());
  }
}
