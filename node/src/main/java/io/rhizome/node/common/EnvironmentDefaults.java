package io.rhizome.node.common;

import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every flag can also come from the environment: {@code --store-endpoints} reads
 * {@code RHIZOME_STORE_ENDPOINTS}, and so on. The command line wins. Not --help and --version,
 * and not a confirmation of a destructive act (--yes): that must be typed each time.
 */
public final class EnvironmentDefaults implements CommandLine.IDefaultValueProvider {
  /** Flags that never come from the environment. */
  public static final Set<String> TYPED_ONLY = Set.of("--yes");

  private final Function<String, String> environment;

  public EnvironmentDefaults() {
    this(System::getenv);
  }

  /** Reads variables from {@code environment} instead of the process's (tests). */
  public EnvironmentDefaults(Map<String, String> environment) {
    this(environment::get);
  }

  private EnvironmentDefaults(Function<String, String> environment) {
    this.environment = environment;
  }

  public static String variableFor(String longOption) {
    return "RHIZOME_" + longOption.replaceFirst("^--", "").replace('-', '_').toUpperCase();
  }

  /** Whether this option may be set by its RHIZOME_ variable. */
  public static boolean readsEnvironment(OptionSpec option) {
    return option.longestName().startsWith("--") && !option.usageHelp() && !option.versionHelp()
        && !TYPED_ONLY.contains(option.longestName());
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (arg instanceof OptionSpec option && readsEnvironment(option)) {
      String fromEnv = environment.apply(variableFor(option.longestName()));
      if (fromEnv != null && !fromEnv.isEmpty()) {
        return fromEnv;
      }
    }
    return arg.defaultValue();
  }
}
