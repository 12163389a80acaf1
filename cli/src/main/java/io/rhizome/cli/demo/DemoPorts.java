package io.rhizome.cli.demo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every port the demo listens on, derived from one base so that a second demo (or a clash with
 * something else) moves everything with a single flag: sentinels base+1..3, PostgreSQL base+11..12,
 * the proxy base+32 (reads on standbys base+33).
 */
record DemoPorts(int base) {
  static final int DEFAULT_BASE = 17000;
  static final List<String> SENTINELS = List.of("s1", "s2", "s3");
  static final List<String> KEEPERS = List.of("k0", "k1");
  private static final int HIGHEST_OFFSET = 33;

  DemoPorts {
    if (base < 1024 || base + HIGHEST_OFFSET > 65535) {
      throw new IllegalArgumentException("--base-port " + base + " is out of range: use 1024-"
          + (65535 - HIGHEST_OFFSET) + " (the demo uses base+1 to base+" + HIGHEST_OFFSET + ")");
    }
  }

  int sentinel(String id) {
    return base + 1 + SENTINELS.indexOf(id);
  }

  int postgres(String keeperId) {
    return base + 11 + KEEPERS.indexOf(keeperId);
  }

  int proxy() {
    return base + 32;
  }

  int proxyReadOnly() {
    return base + 33;
  }

  /** {@code s1=127.0.0.1:17001,...}: the sentinels' --peers. */
  String peers(String host) {
    StringBuilder b = new StringBuilder();
    for (String s : SENTINELS) {
      b.append(b.length() == 0 ? "" : ",").append(s).append('=').append(host).append(':').append(sentinel(s));
    }
    return b.toString();
  }

  /** {@code 127.0.0.1:17001,...}: everyone else's --store-endpoints. */
  String endpoints(String host) {
    StringBuilder b = new StringBuilder();
    for (String s : SENTINELS) {
      b.append(b.length() == 0 ? "" : ",").append(host).append(':').append(sentinel(s));
    }
    return b.toString();
  }

  /** What listens on each port, in start order, for the "port in use" message. */
  Map<Integer, String> owners() {
    Map<Integer, String> owners = new LinkedHashMap<>();
    SENTINELS.forEach(s -> owners.put(sentinel(s), "sentinel " + s));
    KEEPERS.forEach(k -> owners.put(postgres(k), "PostgreSQL of keeper " + k));
    owners.put(proxy(), "proxy");
    owners.put(proxyReadOnly(), "proxy (read-only port)");
    return owners;
  }
}
