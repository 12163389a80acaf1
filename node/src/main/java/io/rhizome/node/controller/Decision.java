package io.rhizome.node.controller;

import io.rhizome.proto.cluster.ClusterData;
import java.util.List;

/**
 * The outcome of one controller round: the cluster data to write (compare-and-set, only when it
 * differs from what was read), the timers to keep, and one sentence per decision.
 */
public record Decision(ClusterData next, ControllerMemory memory, List<String> reasons) {

  public Decision {
    reasons = List.copyOf(reasons);
  }
}
