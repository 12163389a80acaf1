package io.rhizome.node.controller;

import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.Keeper;
import java.util.Optional;

/** When the master counts as failed (issue #4): any one of four signs. */
final class Health {
  private Health() {}

  /** Why the master has failed, or empty while it is fine. Updates the timers as a side effect on the round. */
  static Optional<String> masterFailure(Round r, Db master) {
    String keeperId = master.getSpec().getKeeperId();
    Keeper keeper = r.cd.getKeepersMap().get(keeperId);
    if (keeper != null && keeper.getStatus().getForceFail()) {
      return Optional.of("rhizomectl failkeeper " + keeperId);
    }
    if (!r.alive(keeperId)) {
      // the info key has a TTL of failInterval: its absence already waited that long
      return Optional.of("keeper " + keeperId + "'s info expired");
    }
    if (!r.healthy(master) && r.reportFor(master).map(p -> p.getFenced()).orElse(false)) {
      // It stopped itself because it lost the store, and it reports that through the store: so
      // it reaches the store again and lifts the fence in its next round. Its failInterval
      // starts when it does, or a store blip (a sentinel election under load) becomes a failover.
      r.unhealthySince.put(master.getUid(), r.now());
    } else if (!r.healthy(master)) {
      long since = r.unhealthySince.computeIfAbsent(master.getUid(), k -> r.now());
      if (r.now() - since >= r.spec.failInterval().toMillis()) {
        return Optional.of("PostgreSQL reported unhealthy for " + (r.now() - since) + " ms");
      }
    } else {
      r.unhealthySince.remove(master.getUid());
    }
    if (!r.convergedInRole(master)) {
      String key = Round.generationKey(master);
      long since = r.unconvergedSince.computeIfAbsent(key, k -> r.now());
      if (r.now() - since >= r.spec.convergenceTimeout().toMillis()) {
        return Optional.of("did not converge to generation " + master.getGeneration() + " within convergenceTimeout");
      }
    } else {
      r.unconvergedSince.keySet().removeIf(k -> k.startsWith(master.getUid() + "@"));
    }
    return Optional.empty();
  }
}
