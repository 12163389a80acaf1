package io.rhizome.node.controller;

import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.Keeper;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The synchronous standby set (design §3): between minSynchronousStandbys and
 * maxSynchronousStandbys standbys, all required by the master; changed in overlapping steps (add
 * the new one, wait until it is in sync, then drop the old), so the controller always knows a
 * standby with every acknowledged commit; a placeholder name keeps commits blocked rather than
 * unsafe when there are too few.
 */
final class SyncSet {
  static final String PLACEHOLDER = "rhizome_placeholder";

  private SyncSet() {}

  static void maintain(Round r, Db master) {
    if (!r.spec.synchronousReplication()) {
      return;
    }
    DbSpec spec = master.getSpec();
    Set<String> configured = new LinkedHashSet<>(spec.getSynchronousStandbysList());
    List<String> inSync = master.getStatus().getSynchronousStandbysList();
    configured.removeIf(uid -> r.db(uid).isEmpty());
    List<Db> standbys = r.standbysOf(master.getUid());
    List<Db> healthyMembers = standbys.stream().filter(s -> configured.contains(s.getUid()) && usable(r, s)).toList();
    int wanted = Math.min(r.spec.maxSynchronousStandbys(),
        (int) standbys.stream().filter(s -> usable(r, s)).count());
    if (healthyMembers.size() < wanted) {
      standbys.stream()
          .filter(s -> !configured.contains(s.getUid()) && usable(r, s))
          .max(Comparator.comparingLong((Db s) -> Candidates.xlog(r, s)).thenComparing(Db::getUid,
              Comparator.reverseOrder()))
          .ifPresent(s -> {
            configured.add(s.getUid());
            r.say("adding db " + s.getUid() + " to the synchronous standbys");
          });
    }
    // drop a member that is not usable only once enough others are in sync: overlapping steps
    for (String uid : List.copyOf(configured)) {
      Optional<Db> s = r.db(uid);
      boolean bad = s.isEmpty() || !usable(r, s.get());
      long othersInSync = configured.stream().filter(o -> !o.equals(uid) && inSync.contains(o)).count();
      if (bad && othersInSync >= Math.max(1, r.spec.minSynchronousStandbys())) {
        configured.remove(uid);
        r.say("removing db " + uid + " from the synchronous standbys: " + (s.isEmpty() ? "it is gone" : "it is unhealthy"));
      }
    }
    // more than maxSynchronousStandbys: trim only once enough usable members are in sync
    long usableInSync = configured.stream().filter(inSync::contains)
        .filter(u -> r.db(u).map(d -> usable(r, d)).orElse(false)).count();
    while (configured.size() > r.spec.maxSynchronousStandbys() && usableInSync >= r.spec.maxSynchronousStandbys()) {
      String surplus = configured.stream().filter(u -> !inSync.contains(u)).findFirst().orElse(null);
      if (surplus == null) {
        break;
      }
      configured.remove(surplus);
    }
    r.putSpec(master, withSet(spec.toBuilder(), new ArrayList<>(configured), r.spec.minSynchronousStandbys()).build());
  }

  /** The first synchronous set of a newly promoted master: the old set's survivors, then any healthy standby. */
  static void seedForNewMaster(Round r, DbSpec.Builder spec, Optional<Db> old, List<Db> others) {
    if (!r.spec.synchronousReplication()) {
      spec.clearSynchronousStandbys().clearExternalSynchronousStandbys();
      return;
    }
    List<String> previous = old.<List<String>>map(o -> o.getSpec().getSynchronousStandbysList()).orElse(List.of());
    List<String> chosen = new ArrayList<>();
    others.stream().filter(s -> previous.contains(s.getUid())).forEach(s -> chosen.add(s.getUid()));
    others.stream().filter(s -> !chosen.contains(s.getUid()) && usable(r, s)).forEach(s -> chosen.add(s.getUid()));
    withSet(spec, chosen.subList(0, Math.min(chosen.size(), r.spec.maxSynchronousStandbys())),
        r.spec.minSynchronousStandbys());
  }

  private static DbSpec.Builder withSet(DbSpec.Builder spec, List<String> members, int min) {
    spec.clearSynchronousStandbys().addAllSynchronousStandbys(members).clearExternalSynchronousStandbys();
    for (int i = members.size(); i < min; i++) {
      spec.addExternalSynchronousStandbys(PLACEHOLDER + "_" + (i + 1));
    }
    return spec;
  }

  private static boolean usable(Round r, Db s) {
    Keeper k = r.cd.getKeepersMap().get(s.getSpec().getKeeperId());
    return k != null && k.getStatus().getCanBeSynchronousReplica() && r.convergedAs(s, DbRole.STANDBY);
  }
}
