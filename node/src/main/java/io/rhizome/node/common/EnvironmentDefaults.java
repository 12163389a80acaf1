package io.rhizome.node.common;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every flag can also come from the environment: {@code --store-endpoints} reads
 * {@code RHIZOME_STORE_ENDPOINTS}, and so on. The command line wins.
 */
public final class EnvironmentDefaults implements CommandLine.IDefaultValueProvider {

  public static String variableFor(String longOption) {
    return "RHIZOME_" + longOption.replaceFirst("^--", "").replace('-', '_').toUpperCase();
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (arg instanceof OptionSpec option && option.longestName().startsWith("--")) {
      String fromEnv = System.getenv(variableFor(option.longestName()));
      if (fromEnv != null && !fromEnv.isEmpty()) {
        return fromEnv;
      }
    }
    return arg.defaultValue();
  }
}
