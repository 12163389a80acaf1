package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.rhizome.node.common.EnvironmentDefaults;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Every rhizomectl flag also reads RHIZOME_<FLAG>; the command line wins; --yes and --help never do. */
class CtlEnvironmentTest {

  /** One row per (command, flag) of rhizomectl, straight from the command tree: a new flag is covered by itself. */
  static Stream<Arguments> everyFlag() {
    List<Arguments> rows = new ArrayList<>();
    HelpExamplesTest.commands().forEach((path, cl) -> {
      if (!path.equals("ctl") && !path.startsWith("ctl ")) {
        return;
      }
      for (OptionSpec o : cl.getCommandSpec().options()) {
        if (EnvironmentDefaults.readsEnvironment(o)) {
          rows.add(Arguments.of(path.substring(3).strip(), o.longestName(), EnvironmentDefaults.variableFor(o.longestName())));
        }
      }
    });
    return rows.stream();
  }

  @ParameterizedTest(name = "{0} {1} <- {2}")
  @MethodSource("everyFlag")
  void everyFlagReadsItsVariable(String command, String flag, String variable) {
    OptionSpec option = option(parse(Map.of(variable, sample(command, flag)), command), flag);
    assertEquals(expected(option), option.getValue(), variable);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      // the documented ones, so a rename cannot slip through
      "status | --store-endpoints | RHIZOME_STORE_ENDPOINTS",
      "status | --cluster-name    | RHIZOME_CLUSTER_NAME",
      "status | --store-timeout   | RHIZOME_STORE_TIMEOUT",
      "status | --tls-ca          | RHIZOME_TLS_CA",
      "status | --format          | RHIZOME_FORMAT"})
  void theDocumentedVariablesExist(String command, String flag, String variable) {
    assertEquals(variable, EnvironmentDefaults.variableFor(flag));
    assertNotNull(option(parse(Map.of(), command), flag));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "--store-endpoints b status      | b",
      "status --store-endpoints b      | b",
      "status                          | a"})
  void theCommandLineWins(String args, String endpoints) {
    CommandLine cl = configured(Map.of("RHIZOME_STORE_ENDPOINTS", "a"));
    cl.parseArgs(args.split(" "));
    assertEquals(endpoints, ((RhizomeCtl) cl.getCommand()).store.storeEndpoints);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {"init | RHIZOME_YES", "clusterdata write | RHIZOME_YES"})
  void aDestructiveConfirmationIsNeverReadFromTheEnvironment(String command, String variable) {
    OptionSpec yes = option(parse(Map.of(variable, "true"), command), "--yes");
    assertEquals(false, yes.getValue());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"RHIZOME_HELP", "RHIZOME_VERSION"})
  void helpAndVersionAreNeverReadFromTheEnvironment(String variable) {
    CommandLine.ParseResult parsed = configured(Map.of(variable, "true")).parseArgs("status");
    assertFalse(parsed.subcommand().isUsageHelpRequested() || parsed.subcommand().isVersionHelpRequested());
  }

  static CommandLine configured(Map<String, String> env) {
    CommandLine cl = new CommandLine(new RhizomeCtl());
    cl.setDefaultValueProvider(new EnvironmentDefaults(env));
    return cl;
  }

  /** Parses {@code rhizomectl COMMAND} with placeholders for its required parameters; returns that command. */
  static CommandLine parse(Map<String, String> env, String command) {
    CommandLine cl = configured(env);
    List<String> args = new ArrayList<>(command.isEmpty() ? List.of() : List.of(command.split(" ")));
    CommandLine target = cl;
    for (String word : args) {
      target = target.getSubcommands().get(word);
    }
    target.getCommandSpec().positionalParameters().stream()
        .filter(p -> p.arity().min() > 0).forEach(p -> args.add("placeholder"));
    CommandLine.ParseResult parsed = cl.parseArgs(args.toArray(String[]::new));
    while (parsed.hasSubcommand()) {
      parsed = parsed.subcommand();
    }
    return parsed.commandSpec().commandLine();
  }

  static OptionSpec option(CommandLine cl, String flag) {
    return cl.getCommandSpec().findOption(flag);
  }

  /** Flags that take one of a few words. */
  static final Map<String, String> WORDS = Map.of("--log-level", "debug", "--log-format", "json");

  /** A value of the flag's type that is not its default. */
  static String sample(String command, String flag) {
    if (WORDS.containsKey(flag)) {
      return WORDS.get(flag);
    }
    Class<?> type = option(parse(Map.of(), command), flag).type();
    if (type == boolean.class || type == Boolean.class) {
      return "true";
    }
    if (type == int.class || type == Integer.class) {
      return "7";
    }
    if (type == String.class || type == Path.class) {
      return "/sample/value";
    }
    throw new AssertionError(flag + " has type " + type + ": add a sample value for it to this test");
  }

  static Object expected(OptionSpec option) {
    if (WORDS.containsKey(option.longestName())) {
      return WORDS.get(option.longestName());
    }
    Class<?> type = option.type();
    if (type == boolean.class || type == Boolean.class) {
      return true;
    }
    if (type == int.class || type == Integer.class) {
      return 7;
    }
    return type == Path.class ? Path.of("/sample/value") : "/sample/value";
  }
}
