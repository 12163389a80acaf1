package io.rhizome.node.keeper;

import io.rhizome.proto.cluster.Db;
import java.util.Set;

/**
 * One step the keeper takes to bring PostgreSQL closer to what the cluster data asks. Every
 * action carries the sentence the keeper logs (once) and reports as its last action.
 */
sealed interface Action {

  String reason();

  enum StopMode { FAST, IMMEDIATE }

  /** Stop PostgreSQL. */
  record Stop(StopMode mode, String reason) implements Action {}

  /** Start PostgreSQL; a synchronous master starts behind the restart gate (design §3). */
  record Start(boolean closeRestartGate, String reason) implements Action {}

  /** Restart PostgreSQL; a synchronous master comes back behind the restart gate. */
  record Restart(boolean closeRestartGate, String reason) implements Action {}

  record Reload(String reason) implements Action {}

  record Promote(String reason) implements Action {}

  /**
   * initMode new: wipe what is there (only because the cluster data assigned this keeper a new
   * db to initialise), initdb with checksums, create the superuser and replication roles.
   */
  record InitNew(Db db, String reason) implements Action {}

  /** initMode existing: take the data dir as it is and make sure the roles exist. */
  record AdoptExisting(Db db, String reason) implements Action {}

  /**
   * Become a standby of {@code source}: pg_rewind when {@code tryRewind}, else (or when it fails)
   * a fresh pg_basebackup through the db's slot.
   */
  record Resync(Db db, Peer source, Peer master, boolean tryRewind, String reason) implements Action {}

  /** A standby cluster's head: copy the external primary (pg_basebackup), then follow it. */
  record CloneExternal(Db db, String reason) implements Action {}

  record WriteConfig(String content, String reason) implements Action {}

  record WriteHba(String content, String reason) implements Action {}

  /** Undo ALTER SYSTEM: the spec is the only source of parameters. */
  record DiscardAlterSystem(Set<String> parameters, String reason) implements Action {}

  record WriteStandbySignal(String reason) implements Action {}

  record CreateSlot(String name, String reason) implements Action {}

  record DropSlot(String name, String reason) implements Action {}

  /** Self-fencing: stop taking writes because the store may already have chosen another master. */
  record Fence(io.rhizome.proto.cluster.SelfFenceMode mode, String reason) implements Action {}

  record Unfence(String reason) implements Action {}

  record OpenRestartGate(String reason) implements Action {}

  /** The convergence acknowledgement the controller waits for. */
  record MarkConverged(long generation, String reason) implements Action {}

  record MarkRestartDone(long request, String reason) implements Action {}

  /** A state the keeper cannot fix by itself; reported, nothing is changed. */
  record Refuse(String reason) implements Action {}
}
