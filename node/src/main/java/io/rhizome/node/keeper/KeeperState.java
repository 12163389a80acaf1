package io.rhizome.node.keeper;

import java.util.function.UnaryOperator;

/**
 * The keeper's mutable state, shared by its loop, its publisher and its fencing watchdog: the
 * persisted db state (written through to dbstate.properties) and the in-memory flags.
 */
final class KeeperState {
  private final KeeperDataDir dir;
  private LocalDbState local;
  private boolean fenced;
  private boolean restartGateClosed;
  private String lastActionReason = "";
  private String lastError = "";
  private String lastResyncMethod = "";

  KeeperState(KeeperDataDir dir) {
    this.dir = dir;
    this.local = dir.readDbState();
  }

  synchronized LocalDbState local() {
    return local;
  }

  /** Persists first: the file is the truth a restarted keeper reads. */
  synchronized void updateLocal(UnaryOperator<LocalDbState> change) {
    LocalDbState next = change.apply(local);
    dir.writeDbState(next);
    local = next;
  }

  synchronized boolean fenced() {
    return fenced;
  }

  synchronized void setFenced(boolean value) {
    fenced = value;
  }

  synchronized boolean restartGateClosed() {
    return restartGateClosed;
  }

  synchronized void setRestartGateClosed(boolean value) {
    restartGateClosed = value;
  }

  synchronized String lastActionReason() {
    return lastActionReason;
  }

  synchronized void setLastActionReason(String reason) {
    lastActionReason = reason;
  }

  /** "pg_rewind" or "pg_basebackup": how the last resync was done. */
  synchronized String lastResyncMethod() {
    return lastResyncMethod;
  }

  synchronized void setLastResyncMethod(String method) {
    lastResyncMethod = method;
  }

  synchronized String lastError() {
    return lastError;
  }

  synchronized void setLastError(String error) {
    lastError = error;
  }
}
