package io.rhizome.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import io.rhizome.node.common.LogOptions;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Configures logback, the one slf4j binding, before anything logs: one line per event on stderr,
 * as text or as one JSON object per line ({@code --log-format}, RHIZOME_LOG_FORMAT), our code at
 * {@code --log-level} (RHIZOME_LOG_LEVEL, default info), Ratis at error because at warn it repeats
 * every failed RPC to a peer that is down, and the Ratis client off (StoreClient reports the
 * outcome in one line instead). Configured in code, not by a logback.xml, so flags decide.
 */
final class LogSetup {
  /**
   * Text: timestamp, level, logger, message, then the event's key=value pairs. A message or an
   * exception that spans lines is folded onto the one line, so a line is always one event.
   */
  static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX, UTC} %level %logger{0} - "
      + "%replace(%msg){'[\\r\\n]+', ' '}%replace( %kvp){'^ $', ''}"
      + "%replace(%replace( %ex{12}){'[\\r\\n]+\\s*', ' | '}){'^ $', ''}%nopex%n";

  private LogSetup() {}

  /** The level and format the raw arguments ask for, the environment second, defaults last. */
  record Choice(String level, String format) {
    static Choice from(String[] args, Map<String, String> env) {
      String level = env.getOrDefault("RHIZOME_LOG_LEVEL", "info");
      String format = env.getOrDefault("RHIZOME_LOG_FORMAT", "text");
      for (int i = 0; i < args.length; i++) {
        if (args[i].equals("--log-level") && i + 1 < args.length) {
          level = args[i + 1];
        } else if (args[i].startsWith("--log-level=")) {
          level = args[i].substring("--log-level=".length());
        } else if (args[i].equals("--log-format") && i + 1 < args.length) {
          format = args[i + 1];
        } else if (args[i].startsWith("--log-format=")) {
          format = args[i].substring("--log-format=".length());
        }
      }
      level = level.strip().toLowerCase(Locale.ROOT);
      format = format.strip().toLowerCase(Locale.ROOT);
      // a bad value is picocli's to reject with exit 2; until then log as by default
      return new Choice(LogOptions.LEVELS.contains(level) ? level : "info",
          LogOptions.FORMATS.contains(format) ? format : "text");
    }
  }

  static void configure(String[] args) {
    configure(Choice.from(args, System.getenv()));
  }

  static void configure(Choice choice) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName("stderr");
    appender.setTarget("System.err");
    appender.setEncoder(encoder(choice.format(), context));
    appender.start();

    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(appender);
    boolean debug = choice.level().equals("debug");
    context.getLogger("io.rhizome").setLevel(Level.toLevel(choice.level(), Level.INFO));
    context.getLogger("org.apache.ratis").setLevel(debug ? Level.INFO : Level.ERROR);
    context.getLogger("org.apache.ratis.client").setLevel(debug ? Level.INFO : Level.OFF);
    // gRPC logs through java.util.logging: keep its start-up chatter out of our log
    java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    java.util.logging.Logger.getLogger("org.apache.ratis").setLevel(java.util.logging.Level.SEVERE);
  }

  static Encoder<ILoggingEvent> encoder(String format, LoggerContext context) {
    if (format.equals("json")) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      // what a log pipeline needs: time, level, logger, thread, the message as written, key-values
      // and an exception; not the raw template with its arguments, nor logback's context block
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithFormattedMessage(true);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern(TEXT_PATTERN);
    text.start();
    return text;
  }
}
