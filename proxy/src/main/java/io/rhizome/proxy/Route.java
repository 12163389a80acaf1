package io.rhizome.proxy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where clients go, as decided from one reading of the cluster data (or from losing the store).
 *
 * @param mode what a new client connection on the master port gets
 * @param master where the master port forwards; present exactly when mode is FORWARD
 * @param standbys healthy, converged, not too far behind; the read-only port's choices, in a
 *     stable order
 * @param planned a planned switchover is under way: new connections are held, and connections
 *     to a destination that is no longer valid may finish for a moment before they are closed
 * @param generation the proxy generation to acknowledge once this route is applied; -1 when
 *     there is nothing to acknowledge (the store was not read)
 * @param clusterUid the cluster the data belongs to ("" when unknown)
 * @param proxyTimeout the spec's proxyTimeout (default when unknown)
 * @param checkInterval the spec's proxyCheckInterval (default when unknown)
 * @param reason one sentence for the operator, logged when the route changes
 */
public record Route(
    Mode mode,
    Optional<Backend> master,
    List<Backend> standbys,
    boolean planned,
    long generation,
    String clusterUid,
    Duration proxyTimeout,
    Duration checkInterval,
    String reason) {

  public enum Mode {
    /** Connect new clients to {@link #master()}. */
    FORWARD,
    /** Accept new clients and keep them waiting for a master (planned switchover). */
    HOLD,
    /** Accept and close new clients at once: there is no master, or it is not known. */
    REFUSE
  }

  public Route {
    standbys = List.copyOf(standbys);
    if ((mode == Mode.FORWARD) != master.isPresent()) {
      throw new IllegalArgumentException("a route forwards exactly when it has a master");
    }
  }

  /** The route of a proxy that cannot vouch for what the store says: nothing goes anywhere. */
  public static Route refuseAll(String reason) {
    return new Route(Mode.REFUSE, Optional.empty(), List.of(), false, -1, "",
        io.rhizome.cluster.EffectiveSpec.DEFAULT_PROXY_TIMEOUT,
        io.rhizome.cluster.EffectiveSpec.DEFAULT_PROXY_CHECK_INTERVAL, reason);
  }
}
