package io.rhizome.chaos;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A daemon's --log-format json output: every line one JSON object with a time, a level, a logger and a message. */
final class JsonLogLines {
  private JsonLogLines() {}

  static void assertEveryLineIsAnEvent(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    assertFalse(lines.isEmpty(), log + " is empty");
    for (String line : lines) {
      JsonObject event;
      try {
        event = JsonParser.parseString(line).getAsJsonObject();
      } catch (RuntimeException e) {
        throw new AssertionError(log + ": not a JSON object: " + line, e);
      }
      for (String field : List.of("timestamp", "level", "loggerName", "formattedMessage")) {
        assertTrue(event.has(field), log + ": no " + field + " in " + line);
      }
    }
  }
}
