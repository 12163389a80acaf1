package io.rhizome.node.controller;

import java.util.Map;

/**
 * What the controller remembers between rounds and nowhere else: since when (on this leader's
 * monotonic clock) a db has looked unhealthy or unconverged. A new leader starts with
 * {@link #EMPTY}, so every timer starts afresh and a leader change never shortens a grace period.
 *
 * @param unhealthySince db uid to the first round it was seen unhealthy
 * @param unconvergedSince "uid@generation" to the first round that generation was seen unconverged
 */
public record ControllerMemory(Map<String, Long> unhealthySince, Map<String, Long> unconvergedSince) {

  public static final ControllerMemory EMPTY = new ControllerMemory(Map.of(), Map.of());

  public ControllerMemory {
    unhealthySince = Map.copyOf(unhealthySince);
    unconvergedSince = Map.copyOf(unconvergedSince);
  }
}
