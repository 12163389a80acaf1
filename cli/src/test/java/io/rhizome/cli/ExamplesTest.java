package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.node.common.EnvironmentDefaults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The packaging examples cannot run here (no systemd as PID 1, no Docker, no Kubernetes), but
 * their command lines can be checked: every flag and every RHIZOME_ variable must be one the
 * command accepts, so a renamed flag breaks this test rather than someone's deployment.
 */
class ExamplesTest {
  static final Path EXAMPLES = Path.of(System.getProperty("user.dir")).getParent().resolve("examples");
  static final Pattern VARIABLE = Pattern.compile("^#?(RHIZOME_[A-Z0-9_]+)=", Pattern.MULTILINE);

  @ParameterizedTest
  @ValueSource(strings = {"rhizome-sentinel.service", "rhizome-keeper.service", "rhizome-proxy.service"})
  void unitExecStartIsACommandLineTheProgramAccepts(String unit) throws IOException {
    String text = Files.readString(EXAMPLES.resolve("systemd").resolve(unit)).replaceAll("\\\\\\n", " ");
    String execStart = text.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
    List<String> words = Arrays.asList(execStart.substring("ExecStart=".length()).trim().split("\\s+"));
    int jar = words.indexOf("-jar");
    assertTrue(jar > 0 && words.get(jar + 1).endsWith("rhizome.jar"), execStart);
    assertParses(words.subList(jar + 2, words.size()), unit);
    for (String setting : List.of("EnvironmentFile=", "Restart=", "KillSignal=SIGTERM", "TimeoutStopSec=")) {
      assertTrue(text.lines().anyMatch(l -> l.startsWith(setting)), unit + " has no " + setting);
    }
  }

  /** systemd cannot read bin/jvm.options itself: the environment files carry a copy, kept equal here. */
  @ParameterizedTest
  @ValueSource(strings = {"sentinel.env", "keeper.env", "proxy.env"})
  void everyEnvironmentFileHasTheJvmOptionsOfBinRhizome(String file) throws IOException {
    String expected = "JAVA_OPTS=" + String.join(" ", io.rhizome.testsupport.DaemonJvmOptions.declared());
    assertTrue(Files.readAllLines(EXAMPLES.resolve("systemd").resolve(file)).contains(expected),
        file + " should have the line " + expected);
  }

  @Test
  void theKeeperUnitLeavesPostgresToTheKeeper() throws IOException {
    String text = Files.readString(EXAMPLES.resolve("systemd").resolve("rhizome-keeper.service"));
    assertTrue(text.contains("\nKillMode=process\n"), "SIGTERM to the keeper alone: it stops PostgreSQL itself");
    assertTrue(text.contains("\nUser=postgres\n"), "PostgreSQL refuses root");
  }

  @ParameterizedTest
  @CsvSource({"sentinel.env, sentinel", "keeper.env, keeper", "proxy.env, proxy"})
  void everyVariableOfAnEnvironmentFileIsAFlag(String file, String command) throws IOException {
    List<String> variables = variables(Files.readString(EXAMPLES.resolve("systemd").resolve(file)));
    assertFalse(variables.isEmpty(), file);
    variables.forEach(v -> assertTrue(flagVariables(command).contains(v), file + ": " + v + " is no flag of " + command));
  }

  @Test
  void everyKubernetesContainerRunsACommandLineTheProgramAccepts() throws IOException {
    List<Container> containers = containers(Files.readString(EXAMPLES.resolve("kubernetes").resolve("rhizome.yaml")));
    assertTrue(containers.stream().map(c -> c.args().get(0)).toList().containsAll(List.of("sentinel", "keeper", "proxy")),
        containers.toString());
    for (Container c : containers) {
      assertParses(c.args(), "kubernetes " + c.args().get(0));
      c.variables().forEach(v -> assertTrue(flagVariables(c.args().get(0)).contains(v),
          "kubernetes " + c.args().get(0) + ": " + v + " is no flag"));
    }
  }

  @Test
  void theDockerfileUsageLinesParse() throws IOException {
    String text = Files.readString(EXAMPLES.resolve("docker").resolve("Dockerfile")).replaceAll("\\\\\\n#\\s*", " ");
    List<String> runs = text.lines().filter(l -> l.startsWith("#") && l.contains("docker run")).toList();
    assertFalse(runs.isEmpty());
    for (String run : runs) {
      List<String> words = Arrays.asList(run.substring(run.indexOf("docker run")).trim().split("\\s+"));
      assertParses(words.subList(words.lastIndexOf("rhizome") + 1, words.size()), run);
    }
  }

  static void assertParses(List<String> args, String where) {
    CommandLine cl = Main.configure(new CommandLine(new Main()), "rhizome");
    try {
      cl.parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new AssertionError(where + ": 'rhizome " + String.join(" ", args) + "' does not parse: " + e.getMessage(), e);
    }
  }

  static List<String> flagVariables(String command) {
    CommandLine cl = new CommandLine(new Main()).getSubcommands().get(command);
    return cl.getCommandSpec().options().stream().filter(EnvironmentDefaults::readsEnvironment)
        .map(OptionSpec::longestName).map(EnvironmentDefaults::variableFor).toList();
  }

  static List<String> variables(String text) {
    List<String> found = new ArrayList<>();
    Matcher m = VARIABLE.matcher(text);
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }

  record Container(List<String> args, List<String> variables) {}

  /** Just enough YAML: each container's 'args:' list, and the RHIZOME_ names of the 'env:' after it. */
  static List<Container> containers(String yaml) {
    List<Container> containers = new ArrayList<>();
    List<String> lines = yaml.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).trim().equals("args:")) {
        continue;
      }
      List<String> args = new ArrayList<>();
      int j = i + 1;
      for (; j < lines.size() && lines.get(j).trim().startsWith("- "); j++) {
        args.add(lines.get(j).trim().substring(2).replace("\"", ""));
      }
      List<String> variables = new ArrayList<>();
      for (; j < lines.size() && !lines.get(j).trim().equals("args:") && !lines.get(j).startsWith("---"); j++) {
        String l = lines.get(j).trim();
        if (l.startsWith("- name: RHIZOME_")) {
          variables.add(l.substring("- name: ".length()));
        }
      }
      containers.add(new Container(args, variables));
    }
    return containers;
  }

}
