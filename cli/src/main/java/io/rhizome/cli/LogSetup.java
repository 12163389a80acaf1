package io.rhizome.cli;

/**
 * Configures slf4j-simple before the first logger exists: one line per event with a timestamp,
 * our code at {@code --log-level} (or RHIZOME_LOG_LEVEL, default info), Ratis at error because at
 * warn it repeats every failed RPC to a peer that is down.
 */
final class LogSetup {
  private LogSetup() {}

  static void configure(String[] args) {
    String level = System.getenv().getOrDefault("RHIZOME_LOG_LEVEL", "info");
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--log-level") && i + 1 < args.length) {
        level = args[i + 1];
      } else if (args[i].startsWith("--log-level=")) {
        level = args[i].substring("--log-level=".length());
      }
    }
    setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    setIfAbsent("org.slf4j.simpleLogger.log.io.rhizome", level);
    setIfAbsent("org.slf4j.simpleLogger.log.org.apache.ratis", level.equals("debug") ? "info" : "error");
    // the Ratis client logs every failed attempt with a stack trace; StoreClient reports the
    // outcome in one line instead
    setIfAbsent("org.slf4j.simpleLogger.log.org.apache.ratis.client", level.equals("debug") ? "info" : "off");
    setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
    setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
    setIfAbsent("org.slf4j.simpleLogger.levelInBrackets", "false");
    setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
    // gRPC logs through java.util.logging: keep its start-up chatter out of our log
    java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    java.util.logging.Logger.getLogger("org.apache.ratis").setLevel(java.util.logging.Level.SEVERE);
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
