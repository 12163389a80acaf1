package io.rhizome.chaos;

import io.rhizome.testsupport.FaultRelay;
import java.io.IOException;
import java.util.List;

/**
 * One logical link of the cluster: what one client (a keeper, the proxy, a standby's
 * PostgreSQL) has through one or more relays (a keeper's link to the store goes through the
 * relay in front of each sentinel). A fault applies to that client's connections only; the
 * relays' other clients are not touched.
 */
final class Link {
  private final String name;
  private final List<FaultRelay> relays;
  private final String source;

  /** @param source the client's name as the relays' source resolver gives it */
  Link(String name, List<FaultRelay> relays, String source) {
    this.name = name;
    this.relays = List.copyOf(relays);
    this.source = source;
  }

  String name() {
    return name;
  }

  /** Forward everything again; held traffic goes through. */
  void pass() {
    relays.forEach(r -> r.pass(source));
  }

  /** Nothing forwarded either way, connections held open: packets vanish. */
  void blackhole() {
    relays.forEach(r -> r.blackhole(source));
  }

  /** Open connections reset, new ones reset at once: the other end is known to be gone. */
  void cut() throws IOException {
    relays.forEach(r -> r.cut(source));
  }

  @Override
  public String toString() {
    return name + " (" + source + " through " + relays.stream().map(FaultRelay::name).toList() + ")";
  }
}
