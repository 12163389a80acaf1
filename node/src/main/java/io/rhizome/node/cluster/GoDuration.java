package io.rhizome.node.cluster;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go's time.ParseDuration grammar, which stolon's spec uses: an optional sign, then one or more
 * decimal numbers with an optional fraction, each with a unit (ns, us, µs, ms, s, m, h); "0" alone
 * is allowed. Fractions are exact to the nanosecond, as in Go.
 */
final class GoDuration {
  private static final Pattern PART = Pattern.compile("(\\d+\\.?\\d*|\\.\\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)");
  private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

  private GoDuration() {}

  /** The duration, or empty when {@code text} is not a Go duration. */
  static Optional<Duration> parse(String text) {
    String s = text;
    boolean negative = false;
    if (s.startsWith("-") || s.startsWith("+")) {
      negative = s.startsWith("-");
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Optional.of(Duration.ZERO);
    }
    if (s.isEmpty()) {
      return Optional.empty();
    }
    Matcher m = PART.matcher(s);
    BigDecimal nanos = BigDecimal.ZERO;
    int at = 0;
    while (at < s.length()) {
      if (!m.find(at) || m.start() != at) {
        return Optional.empty();
      }
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos(m.group(2)))));
      at = m.end();
    }
    nanos = nanos.setScale(0, RoundingMode.DOWN);
    if (nanos.compareTo(MAX_NANOS) > 0) {
      return Optional.empty();
    }
    Duration d = Duration.ofNanos(nanos.longValueExact());
    return Optional.of(negative ? d.negated() : d);
  }

  private static long unitNanos(String unit) {
    switch (unit) {
      case "ns":
        return 1L;
      case "ms":
        return 1_000_000L;
      case "s":
        return 1_000_000_000L;
      case "m":
        return 60_000_000_000L;
      case "h":
        return 3_600_000_000_000L;
      default:
        return 1_000L; // us, µs, μs
    }
  }

  /**
   * The shortest Go duration text for {@code d}: "500ms", "5s", "1m30s", "48h", "0s". Go itself
   * prints "48h0m0s"; both parse the same, and the short form is what people write.
   */
  static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    if (d.isNegative()) {
      return "-" + format(d.negated());
    }
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      long n = d.toNanos();
      if (n >= 1_000_000) {
        return decimal(n, 1_000_000) + "ms";
      }
      return n >= 1_000 ? decimal(n, 1_000) + "us" : n + "ns";
    }
    StringBuilder out = new StringBuilder();
    long hours = d.toHours();
    if (hours > 0) {
      out.append(hours).append('h');
    }
    if (d.toMinutesPart() > 0) {
      out.append(d.toMinutesPart()).append('m');
    }
    long subMinuteNanos = d.toSecondsPart() * 1_000_000_000L + d.toNanosPart();
    if (subMinuteNanos > 0) {
      out.append(decimal(subMinuteNanos, 1_000_000_000L)).append('s');
    }
    return out.toString();
  }

  private static String decimal(long value, long unit) {
    return BigDecimal.valueOf(value).divide(BigDecimal.valueOf(unit)).stripTrailingZeros().toPlainString();
  }
}
