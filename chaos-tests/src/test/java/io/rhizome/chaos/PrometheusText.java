package io.rhizome.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format (0.0.4), written for the tests so
 * that what a daemon serves is checked by something other than the library that wrote it:
 * HELP and TYPE lines, one TYPE per family before its samples, {@code name{labels} value},
 * metric names matching {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, label names {@code [a-zA-Z_][a-zA-Z0-9_]*},
 * escaped label values, values that parse as floats, and histograms whose buckets add up.
 */
final class PrometheusText {
  static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

  record Sample(String name, Map<String, String> labels, double value) {}

  /** Every sample, and the type of every family. */
  record Exposition(Map<String, String> types, List<Sample> samples) {
    List<Sample> named(String name) {
      return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    /** The one sample of {@code name} with these labels (in any order). */
    double value(String name, String... labelPairs) {
      Map<String, String> want = new HashMap<>();
      for (int i = 0; i < labelPairs.length; i += 2) {
        want.put(labelPairs[i], labelPairs[i + 1]);
      }
      List<Sample> found = named(name).stream().filter(s -> s.labels().equals(want)).toList();
      if (found.size() != 1) {
        throw new AssertionError("expected one sample " + name + want + ", found " + found);
      }
      return found.get(0).value();
    }
  }

  private PrometheusText() {}

  /** @throws AssertionError naming the line that breaks the format */
  static Exposition parse(String text) {
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new AssertionError("the exposition must end with a newline");
    }
    Map<String, String> types = new LinkedHashMap<>();
    Set<String> helped = new java.util.HashSet<>();
    List<Sample> samples = new ArrayList<>();
    Set<String> familiesWithSamples = new java.util.HashSet<>();
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      if (line.isEmpty()) {
        if (n == text.split("\n", -1).length) {
          break; // the final newline
        }
        throw new AssertionError("line " + n + ": empty line");
      }
      if (line.startsWith("#")) {
        String[] parts = line.split(" ", 4);
        if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
          String family = parts[2];
          requireName(family, n);
          if (parts[1].equals("HELP")) {
            if (!helped.add(family)) {
              throw new AssertionError("line " + n + ": second HELP for " + family);
            }
          } else {
            if (parts.length != 4 || !TYPES.contains(parts[3])) {
              throw new AssertionError("line " + n + ": bad TYPE line: " + line);
            }
            if (types.put(family, parts[3]) != null) {
              throw new AssertionError("line " + n + ": second TYPE for " + family);
            }
            if (familiesWithSamples.contains(family)) {
              throw new AssertionError("line " + n + ": TYPE for " + family + " after its samples");
            }
          }
        }
        continue;
      }
      Sample s = sample(line, n);
      String family = familyOf(s.name(), types);
      if (family == null) {
        throw new AssertionError("line " + n + ": sample " + s.name() + " has no TYPE");
      }
      familiesWithSamples.add(family);
      samples.add(s);
    }
    checkHistograms(types, samples);
    return new Exposition(types, samples);
  }

  /** The family a sample belongs to: itself, or a histogram's or summary's base name. */
  private static String familyOf(String name, Map<String, String> types) {
    if (types.containsKey(name)) {
      return name;
    }
    for (String suffix : List.of("_bucket", "_count", "_sum", "_created", "_total")) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        String type = types.get(base);
        if (type != null && (type.equals("histogram") || type.equals("summary") || type.equals("counter"))) {
          return base;
        }
      }
    }
    return null;
  }

  private static Sample sample(String line, int n) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    requireName(name, n);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (true) {
        if (i >= line.length()) {
          throw new AssertionError("line " + n + ": unterminated labels: " + line);
        }
        if (line.charAt(i) == '}') {
          i++;
          break;
        }
        int eq = line.indexOf('=', i);
        if (eq < 0) {
          throw new AssertionError("line " + n + ": label without '=': " + line);
        }
        String label = line.substring(i, eq);
        if (!LABEL_NAME.matcher(label).matches()) {
          throw new AssertionError("line " + n + ": bad label name '" + label + "'");
        }
        if (eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
          throw new AssertionError("line " + n + ": label value not quoted: " + line);
        }
        StringBuilder value = new StringBuilder();
        int j = eq + 2;
        while (true) {
          if (j >= line.length()) {
            throw new AssertionError("line " + n + ": unterminated label value: " + line);
          }
          char c = line.charAt(j);
          if (c == '\\') {
            char e = j + 1 < line.length() ? line.charAt(j + 1) : ' ';
            switch (e) {
              case '\\' -> value.append('\\');
              case '"' -> value.append('"');
              case 'n' -> value.append('\n');
              default -> throw new AssertionError("line " + n + ": bad escape \\" + e);
            }
            j += 2;
          } else if (c == '"') {
            j++;
            break;
          } else {
            value.append(c);
            j++;
          }
        }
        if (labels.put(label, value.toString()) != null) {
          throw new AssertionError("line " + n + ": label " + label + " twice");
        }
        i = j;
        if (i < line.length() && line.charAt(i) == ',') {
          i++;
        } else if (i >= line.length() || line.charAt(i) != '}') {
          throw new AssertionError("line " + n + ": expected ',' or '}' in " + line);
        }
      }
    }
    if (i >= line.length() || line.charAt(i) != ' ') {
      throw new AssertionError("line " + n + ": expected one space before the value: " + line);
    }
    String[] rest = line.substring(i + 1).split(" ");
    if (rest.length < 1 || rest.length > 2) {
      throw new AssertionError("line " + n + ": expected 'value [timestamp]': " + line);
    }
    double value = number(rest[0], n);
    if (rest.length == 2) {
      try {
        Long.parseLong(rest[1]);
      } catch (NumberFormatException e) {
        throw new AssertionError("line " + n + ": bad timestamp " + rest[1]);
      }
    }
    return new Sample(name, labels, value);
  }

  private static double number(String s, int n) {
    switch (s) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        try {
          return Double.parseDouble(s);
        } catch (NumberFormatException e) {
          throw new AssertionError("line " + n + ": value '" + s + "' is not a number");
        }
    }
  }

  private static void requireName(String name, int n) {
    if (!METRIC_NAME.matcher(name).matches()) {
      throw new AssertionError("line " + n + ": bad metric name '" + name + "'");
    }
  }

  /** Buckets are cumulative, end at +Inf, and the +Inf bucket equals _count. */
  private static void checkHistograms(Map<String, String> types, List<Sample> samples) {
    types.forEach((family, type) -> {
      if (!type.equals("histogram")) {
        return;
      }
      Map<Map<String, String>, List<Sample>> series = new HashMap<>();
      for (Sample s : samples) {
        if (s.name().equals(family + "_bucket")) {
          Map<String, String> key = new HashMap<>(s.labels());
          if (key.remove("le") == null) {
            throw new AssertionError(family + "_bucket without le: " + s);
          }
          series.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
        }
      }
      series.forEach((labels, buckets) -> {
        double last = -1;
        for (Sample b : buckets) {
          if (b.value() < last) {
            throw new AssertionError(family + labels + ": buckets are not cumulative");
          }
          last = b.value();
        }
        Sample inf = buckets.get(buckets.size() - 1);
        if (!inf.labels().get("le").equals("+Inf")) {
          throw new AssertionError(family + labels + ": the last bucket is not +Inf");
        }
        double count = samples.stream().filter(s -> s.name().equals(family + "_count") && s.labels().equals(labels))
            .mapToDouble(Sample::value).findFirst()
            .orElseThrow(() -> new AssertionError(family + labels + ": no _count"));
        if (count != inf.value()) {
          throw new AssertionError(family + labels + ": +Inf bucket " + inf.value() + " != count " + count);
        }
      });
    });
  }
}
