package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** Every command's --help ends with examples, and every example is a command line that parses. */
class HelpExamplesTest {

  /** Every command of the launcher, by its path below "rhizome" ("" is rhizome itself). */
  static Map<String, CommandLine> commands() {
    Map<String, CommandLine> all = new TreeMap<>();
    walk(new CommandLine(new Main()), "", all);
    return all;
  }

  private static void walk(CommandLine cl, String path, Map<String, CommandLine> into) {
    into.put(path, cl);
    cl.getSubcommands().forEach((name, sub) -> {
      if (sub.getCommandName().equals(name)) {
        walk(sub, path.isEmpty() ? name : path + " " + name, into);
      }
    });
  }

  static Stream<String> paths() {
    return commands().keySet().stream();
  }

  /** How a user types the command: rhizomectl for everything under ctl. */
  static String invocation(String path) {
    if (path.equals("ctl") || path.startsWith("ctl ")) {
      return ("rhizomectl " + path.substring(3).strip()).strip();
    }
    return ("rhizome " + path).strip();
  }

  @ParameterizedTest(name = "rhizome {0}")
  @MethodSource("paths")
  void helpShowsAnExampleOfTheCommandItself(String path) {
    String help = help(path);
    assertTrue(help.contains("\nExample"), "no examples in the help of '" + invocation(path) + "':\n" + help);
    List<String> examples = HelpExamples.EXAMPLES.get(path);
    assertTrue(examples.stream().map(e -> String.join(" ", Shell.words(normalise(e))))
        .anyMatch(e -> e.equals(invocation(path)) || e.startsWith(invocation(path) + " ")),
        "no example of '" + invocation(path) + "' itself: " + examples);
  }

  @ParameterizedTest(name = "rhizome {0}")
  @MethodSource("paths")
  void everyExampleParses(String path) {
    for (String example : HelpExamples.EXAMPLES.get(path)) {
      List<String> words = Shell.words(normalise(example));
      String program = words.get(0);
      if (!program.equals("rhizome") && !program.equals("rhizomectl")) {
        continue; // export ..., source <(...): shell around a command that has its own example
      }
      CommandLine cl = program.equals("rhizome")
          ? Main.configure(new CommandLine(new Main()), "rhizome")
          : Main.configure(new CommandLine(new RhizomeCtl()), "rhizomectl");
      try {
        cl.parseArgs(words.subList(1, words.size()).toArray(String[]::new));
      } catch (CommandLine.ParameterException e) {
        throw new AssertionError("the example '" + example + "' does not parse: " + e.getMessage(), e);
      }
    }
  }

  @Test
  void noExampleForACommandThatDoesNotExist() {
    List<String> stale = new ArrayList<>(HelpExamples.EXAMPLES.keySet());
    stale.removeAll(commands().keySet());
    assertEquals(List.of(), stale);
  }

  @ParameterizedTest
  @ValueSource(strings = {"status", "sentinel list"})
  void rhizomectlShowsTheSameExamplesAsRhizomeCtl(String command) {
    StringWriter out = new StringWriter();
    List<String> args = new ArrayList<>(List.of("ctl"));
    args.addAll(List.of(command.split(" ")));
    args.add("--help");
    assertEquals(0, Main.run(args.toArray(String[]::new), "rhizome", new PrintWriter(out, true), new PrintWriter(new StringWriter())));
    assertTrue(out.toString().contains("Usage: rhizomectl " + command), out.toString());
    assertTrue(out.toString().contains("  rhizomectl " + command), out.toString());
  }

  @Test
  void shellWords() {
    assertEquals(List.of("rhizomectl", "update", "--patch", "{\"a\": true}"),
        Shell.words("rhizomectl update --patch '{\"a\": true}'"));
    assertEquals(List.of("rhizomectl", "clusterdata", "read", "--pretty"), Shell.words("rhizomectl clusterdata read --pretty > cd.json"));
    assertFalse(Shell.words("rhizome demo   # a comment").contains("#"));
  }

  /** Without sudo, bin/, a comment or a redirection: the command line picocli sees. */
  static String normalise(String example) {
    String e = example.strip();
    e = e.startsWith("sudo ") ? e.substring(5) : e;
    return e.startsWith("bin/") ? e.substring(4) : e;
  }

  private static String help(String path) {
    StringWriter out = new StringWriter();
    List<String> args = new ArrayList<>(path.isEmpty() ? List.of() : List.of(path.split(" ")));
    args.add("--help");
    Main.run(args.toArray(String[]::new), "rhizome", new PrintWriter(out, true), new PrintWriter(new StringWriter()));
    return out.toString();
  }

  /** Just enough of the shell to split the examples: quotes, a trailing comment, a redirection. */
  static final class Shell {
    static List<String> words(String line) {
      List<String> words = new ArrayList<>();
      StringBuilder word = null;
      char quote = 0;
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if (quote != 0) {
          if (c == quote) {
            quote = 0;
          } else {
            word.append(c);
          }
        } else if (c == '\'' || c == '"') {
          quote = c;
          word = word == null ? new StringBuilder() : word;
        } else if (Character.isWhitespace(c)) {
          if (word != null) {
            words.add(word.toString());
            word = null;
          }
        } else if ((c == '#' || c == '>' || c == '<') && word == null) {
          break;
        } else {
          word = word == null ? new StringBuilder() : word;
          word.append(c);
        }
      }
      if (word != null) {
        words.add(word.toString());
      }
      return words;
    }
  }
}
