package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** bin/rhizomectl-completion.bash is what 'rhizomectl generate-completion' prints today. */
class CompletionScriptTest {
  static final Path COMMITTED = Path.of(System.getProperty("user.dir")).getParent()
      .resolve("bin").resolve("rhizomectl-completion.bash");

  @Test
  void committedCompletionScriptIsUpToDate() throws Exception {
    StringWriter out = new StringWriter();
    assertEquals(0, Main.run(new String[] {"ctl", "generate-completion"}, "rhizome", new PrintWriter(out, true),
        new PrintWriter(new StringWriter())));
    String generated = out.toString();
    assertTrue(generated.contains("complete -F _complete_rhizomectl"), generated.substring(0, 200));
    assertEquals(generated, Files.readString(COMMITTED),
        COMMITTED + " is out of date: regenerate it with 'bin/rhizomectl generate-completion > bin/rhizomectl-completion.bash'");
  }
}
