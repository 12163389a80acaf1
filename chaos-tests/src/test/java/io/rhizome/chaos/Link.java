package io.rhizome.chaos;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * One logical link of the cluster made of one relay per destination (a keeper's link to the
 * store is a relay to each sentinel): a fault is applied to all of them at once.
 */
final class Link implements AutoCloseable {
  private final String name;
  private final List<FaultRelay> relays;

  Link(String name, List<FaultRelay> relays) {
    this.name = name;
    this.relays = List.copyOf(relays);
  }

  String name() {
    return name;
  }

  List<FaultRelay> relays() {
    return relays;
  }

  /** HOST:PORT,... of the relays, for a --store-endpoints flag. */
  String endpoints() {
    return String.join(",", relays.stream().map(FaultRelay::endpoint).toList());
  }

  void pass() throws IOException {
    for (FaultRelay r : relays) {
      r.pass();
    }
    latency(Duration.ZERO);
  }

  void blackhole() throws IOException {
    for (FaultRelay r : relays) {
      r.blackhole();
    }
  }

  /** Refuse new connections and reset open ones. */
  void cut() throws IOException {
    for (FaultRelay r : relays) {
      r.cut();
    }
  }

  void latency(Duration d) {
    relays.forEach(r -> r.latency(d));
  }

  @Override
  public void close() {
    relays.forEach(FaultRelay::close);
  }

  @Override
  public String toString() {
    return name + relays;
  }
}
