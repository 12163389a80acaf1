package io.rhizome.bench;

import java.util.Arrays;

/** Percentiles of a set of durations in nanoseconds, reported in milliseconds. */
final class Stats {
  private final long[] sorted;

  Stats(long[] nanos) {
    this.sorted = nanos.clone();
    Arrays.sort(sorted);
  }

  double percentileMillis(double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }

  double medianMillis() {
    return percentileMillis(50);
  }

  double maxMillis() {
    return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1e6;
  }

  int count() {
    return sorted.length;
  }
}
