package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.event.KeyValuePair;

class LogSetupTest {

  @ParameterizedTest(name = "{0} / env {1} {2}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      // args                                  | RHIZOME_LOG_LEVEL | RHIZOME_LOG_FORMAT | level | format
      "keeper --id k0                          | -                 | -                  | info  | text",
      "keeper --log-level debug                | -                 | -                  | debug | text",
      "keeper --log-level=WARN --log-format=json | -               | -                  | warn  | json",
      "keeper --log-format json                | error             | text               | error | json",
      "keeper                                  | debug             | json               | debug | json",
      "keeper --log-level loud --log-format xml | -                | -                  | info  | text"})
  void levelAndFormatFromTheArgumentsThenTheEnvironment(String args, String envLevel, String envFormat,
      String level, String format) {
    Map<String, String> env = new java.util.HashMap<>();
    if (envLevel != null) {
      env.put("RHIZOME_LOG_LEVEL", envLevel);
    }
    if (envFormat != null) {
      env.put("RHIZOME_LOG_FORMAT", envFormat);
    }
    assertEquals(new LogSetup.Choice(level, format), LogSetup.Choice.from(args.split(" +"), env));
  }

  @Test
  void aTextEventIsOneLineEvenWithANewlineAndAnException() {
    String line = encode("text", event("pg_ctl failed: waiting\nstopped", new IllegalStateException("boom",
        new java.io.IOException("disk\nfull"))));
    assertTrue(line.endsWith("\n"), line);
    assertEquals(1, line.split("\n", -1).length - 1, "one line: " + line);
    assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z WARN Keeper - pg_ctl failed: waiting stopped "
        + "id=\"k0\" java.lang.IllegalStateException: boom \\| at .*\n"), line);
    assertTrue(line.contains("Caused by: java.io.IOException: disk | full"), line);
  }

  @Test
  void aTextEventWithoutExtrasEndsWithItsMessage() {
    LoggingEvent e = new LoggingEvent("x", context().getLogger("io.rhizome.proxy.Proxy"), Level.INFO,
        "routing to db {}", null, new Object[] {"ab12"});
    assertTrue(encode("text", e).endsWith(" INFO Proxy - routing to db ab12\n"), encode("text", e));
  }

  @Test
  void aJsonEventIsOneObjectOnOneLine() {
    String line = encode("json", event("pg_ctl failed: waiting\nstopped", new IllegalStateException("boom")));
    assertEquals(1, line.strip().split("\n").length, line);
    JsonObject o = JsonParser.parseString(line).getAsJsonObject();
    assertEquals("WARN", o.get("level").getAsString());
    assertEquals("io.rhizome.node.keeper.Keeper", o.get("loggerName").getAsString());
    assertEquals("pg_ctl failed: waiting\nstopped", o.get("formattedMessage").getAsString());
    assertTrue(o.get("timestamp").getAsLong() > 0);
    assertEquals("java.lang.IllegalStateException", o.getAsJsonObject("throwable").get("className").getAsString());
    assertTrue(line.contains("\"k0\""), line);
  }

  static LoggerContext context() {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    return context;
  }

  static LoggingEvent event(String message, Throwable t) {
    LoggingEvent e = new LoggingEvent("x", context().getLogger("io.rhizome.node.keeper.Keeper"), Level.WARN,
        message, t, null);
    e.addKeyValuePair(new KeyValuePair("id", "k0"));
    return e;
  }

  static String encode(String format, ILoggingEvent e) {
    var encoder = LogSetup.encoder(format, new LoggerContext());
    return new String(encoder.encode(e), StandardCharsets.UTF_8);
  }
}
