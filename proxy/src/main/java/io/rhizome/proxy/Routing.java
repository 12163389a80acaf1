package io.rhizome.proxy;

import io.rhizome.cluster.EffectiveSpec;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.ProxySpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * The proxy's decisions, without I/O: cluster data to a {@link Route}, a new connection to an
 * {@link Admission}, an existing connection under a new route to a {@link Fate}. The NIO engine
 * and the store loop only carry these out.
 */
public final class Routing {
  private Routing() {}

  /** What a new client connection gets. */
  public sealed interface Admission permits Forward, Hold, Refuse {}

  /** Connect it to this backend. */
  public record Forward(Backend backend) implements Admission {}

  /** Keep it waiting (up to --hold-timeout) for a master. */
  public record Hold() implements Admission {}

  /** Close it at once. */
  public record Refuse(String reason) implements Admission {}

  /** What happens to an open connection when the route changes. */
  public enum Fate {
    KEEP,
    /** Planned switchover: let it end by itself for a moment, then close it. */
    DRAIN,
    /** Reset it now. */
    CLOSE
  }

  /** The route the cluster data asks for; empty = the store holds no cluster data. */
  public static Route decide(Optional<ClusterData> data) {
    if (data.isEmpty()) {
      return new Route(Route.Mode.REFUSE, Optional.empty(), List.of(), false, 0, "",
          EffectiveSpec.DEFAULT_PROXY_TIMEOUT, EffectiveSpec.DEFAULT_PROXY_CHECK_INTERVAL,
          "no cluster data in the store (has 'rhizomectl init' run for this --cluster-name?)");
    }
    ClusterData cd = data.get();
    EffectiveSpec spec = EffectiveSpec.of(cd.getCluster().getSpec());
    ProxySpec ps = cd.getProxy().getSpec();
    long generation = cd.getProxy().getGeneration();
    boolean planned = ps.getPlannedSwitchover();
    String uid = ps.getMasterDbUid();
    Db masterDb = uid.isEmpty() ? null : cd.getDbsMap().get(uid);
    List<Backend> standbys = standbys(cd, masterDb, spec.maxStandbyLag());

    Route.Mode waiting = planned ? Route.Mode.HOLD : Route.Mode.REFUSE;
    String waitingHow = planned ? "planned switchover: holding new connections until a master is routed"
        : "refusing connections";
    if (uid.isEmpty()) {
      return new Route(waiting, Optional.empty(), standbys, planned, generation,
          cd.getCluster().getUid(), spec.proxyTimeout(), spec.proxyCheckInterval(),
          "no master (proxy generation " + generation + "): " + waitingHow);
    }
    if (masterDb == null) {
      return new Route(waiting, Optional.empty(), standbys, planned, generation,
          cd.getCluster().getUid(), spec.proxyTimeout(), spec.proxyCheckInterval(),
          "master db " + uid + " is not in the cluster data: " + waitingHow);
    }
    Optional<Backend> master = backend(masterDb);
    if (master.isEmpty()) {
      return new Route(waiting, Optional.empty(), standbys, planned, generation,
          cd.getCluster().getUid(), spec.proxyTimeout(), spec.proxyCheckInterval(),
          "master db " + uid + " has not reported its address yet: " + waitingHow);
    }
    return new Route(Route.Mode.FORWARD, master, standbys, planned, generation,
        cd.getCluster().getUid(), spec.proxyTimeout(), spec.proxyCheckInterval(),
        "forwarding to master " + master.get() + " (proxy generation " + generation + ")");
  }

  /**
   * Standbys fit for reads: role standby, healthy, converged to their generation, with an
   * address, and at most {@code maxLag} bytes behind the master. Without a master to compare
   * with (during a failover) the most advanced standby is the reference.
   */
  static List<Backend> standbys(ClusterData cd, Db master, long maxLag) {
    List<Db> candidates = new ArrayList<>();
    for (Db db : cd.getDbsMap().values()) {
      if (db.getSpec().getRole() == DbRole.STANDBY && db.getStatus().getHealthy()
          && db.getStatus().getCurrentGeneration() == db.getGeneration()
          && backend(db).isPresent()) {
        candidates.add(db);
      }
    }
    if (candidates.isEmpty()) {
      return List.of();
    }
    long reference = master != null && master.getStatus().getXlogPos() > 0
        ? master.getStatus().getXlogPos()
        : candidates.stream().mapToLong(d -> d.getStatus().getXlogPos()).max().orElse(0);
    return candidates.stream()
        .filter(d -> reference - d.getStatus().getXlogPos() <= maxLag)
        .sorted(Comparator.comparing(Db::getUid))
        .map(d -> backend(d).orElseThrow())
        .toList();
  }

  private static Optional<Backend> backend(Db db) {
    String host = db.getStatus().getListenAddress();
    int port = db.getStatus().getPort();
    if (host.isBlank() || port <= 0 || port > 65535) {
      return Optional.empty();
    }
    return Optional.of(new Backend(db.getUid(), host, port));
  }

  /**
   * Where a new connection goes. The read-only port picks the standby with the fewest
   * connections (ties: the first in the route's order), falls back to the master when no
   * standby is fit, unless strict.
   */
  public static Admission admit(Route route, Port port, boolean readOnlyStrict,
      ToIntFunction<Backend> connections) {
    if (port == Port.READ_ONLY) {
      Optional<Backend> least = route.standbys().stream()
          .min(Comparator.comparingInt(connections));
      if (least.isPresent()) {
        return new Forward(least.get());
      }
      if (readOnlyStrict) {
        return new Refuse("no healthy standby and --read-only-strict is set");
      }
    }
    return switch (route.mode()) {
      case FORWARD -> new Forward(route.master().orElseThrow());
      case HOLD -> new Hold();
      case REFUSE -> new Refuse(route.reason());
    };
  }

  /** What happens to a connection to {@code backend}, accepted on {@code port}, under {@code route}. */
  public static Fate fate(Route route, Port port, boolean readOnlyStrict, Backend backend) {
    boolean stillValid = route.master().filter(backend::equals).isPresent()
        && (port == Port.MASTER || !readOnlyStrict)
        || port == Port.READ_ONLY && route.standbys().contains(backend);
    if (stillValid) {
      return Fate.KEEP;
    }
    return route.planned() ? Fate.DRAIN : Fate.CLOSE;
  }
}
