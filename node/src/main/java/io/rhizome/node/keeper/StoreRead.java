package io.rhizome.node.keeper;

/** The outcome of reading the cluster data at the start of a round. */
sealed interface StoreRead {

  /** The store did not answer (no quorum, timeout): the keeper changes nothing but may fence. */
  record Unreachable(String cause) implements StoreRead {}

  /** The store answered; there is no cluster data yet (before {@code rhizomectl init}). */
  record NoCluster() implements StoreRead {}

  record Read(Assignment assignment) implements StoreRead {}
}
