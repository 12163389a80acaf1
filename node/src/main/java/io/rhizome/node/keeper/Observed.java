package io.rhizome.node.keeper;

import java.util.List;
import java.util.Set;

/**
 * The local PostgreSQL instance as the keeper just saw it: files read from PGDATA, the postmaster
 * checked, and, when it answers, a real query's results.
 *
 * @param healthy a query answered within requestTimeout (not a PID check)
 * @param standbySignal standby.signal exists: PostgreSQL starts (or runs) as a standby
 * @param inRecovery what the running server says; meaningful only when healthy
 * @param systemId from IDENTIFY_SYSTEM when running, else pg_control; 0 = unknown
 * @param autoConfSettings parameters set by ALTER SYSTEM in postgresql.auto.conf
 * @param syncInSync application names pg_stat_replication reports as synchronous and streaming
 */
record Observed(
    boolean initialized,
    boolean running,
    boolean healthy,
    boolean standbySignal,
    boolean inRecovery,
    long systemId,
    int timeline,
    Set<String> slots,
    String confOnDisk,
    String hbaOnDisk,
    Set<String> autoConfSettings,
    List<String> pendingRestart,
    Set<String> syncInSync) {

  static Observed empty() {
    return new Observed(false, false, false, false, false, 0, 0, Set.of(), "", "", Set.of(), List.of(), Set.of());
  }

  /** A primary is running: a server that answered and is not in recovery, or, if it did not answer, one without standby.signal. */
  boolean runningAsPrimary() {
    return running && (healthy ? !inRecovery : !standbySignal);
  }
}
