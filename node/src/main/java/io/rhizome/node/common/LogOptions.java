package io.rhizome.node.common;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * --log-level and --log-format, shared by every program (a picocli mixin). The launcher reads
 * them from the raw arguments before anything logs (cli/LogSetup); declaring them here makes
 * them part of each command's usage and rejects a bad value with exit code 2.
 */
public final class LogOptions {
  public static final List<String> LEVELS = List.of("debug", "info", "warn", "error");
  public static final List<String> FORMATS = List.of("text", "json");

  @Spec(Spec.Target.MIXEE) CommandSpec mixee;

  private String level = "info";
  private String format = "text";

  @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info", scope = ScopeType.INHERIT,
      description = "debug, info, warn or error; default ${DEFAULT-VALUE}")
  void level(String value) {
    level = oneOf(value, LEVELS, "--log-level");
  }

  @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text", scope = ScopeType.INHERIT,
      description = "text (one line per event) or json (one JSON object per line); default ${DEFAULT-VALUE}")
  void format(String value) {
    format = oneOf(value, FORMATS, "--log-format");
  }

  public String level() {
    return level;
  }

  public String format() {
    return format;
  }

  private String oneOf(String value, List<String> allowed, String flag) {
    String v = value == null ? "" : value.strip().toLowerCase(java.util.Locale.ROOT);
    if (!allowed.contains(v)) {
      throw new CommandLine.ParameterException(mixee.commandLine(),
          flag + " '" + value + "' is not " + String.join(", ", allowed.subList(0, allowed.size() - 1)) + " or "
              + allowed.get(allowed.size() - 1));
    }
    return v;
  }
}
