package io.rhizome.node.keeper;

/**
 * What the keeper remembers about its data dir across restarts (dbstate.properties).
 *
 * @param dbUid the db whose data PGDATA holds; "" when none
 * @param generation the db generation last converged to
 * @param initializing an initdb/resync was under way: if the keeper finds this set at start,
 *     the attempt died half way and its leftovers are not a db
 * @param restartDone the last {@code rhizomectl restart} request carried out
 * @param failIntervalMillis the cluster's failInterval as last read (0 = never read): a restarted
 *     keeper fences an adopted primary on this clock before it can read the store again
 */
record LocalDbState(String clusterUid, String dbUid, long generation, boolean initializing, long restartDone,
    long failIntervalMillis) {

  static final LocalDbState EMPTY = new LocalDbState("", "", 0, false, 0, 0);

  LocalDbState(String clusterUid, String dbUid, long generation, boolean initializing, long restartDone) {
    this(clusterUid, dbUid, generation, initializing, restartDone, 0);
  }

  LocalDbState withFailInterval(long millis) {
    return new LocalDbState(clusterUid, dbUid, generation, initializing, restartDone, millis);
  }

  LocalDbState withDb(String uid, long gen, boolean init) {
    return new LocalDbState(clusterUid, uid, gen, init, restartDone, failIntervalMillis);
  }

  LocalDbState withGeneration(long gen) {
    return new LocalDbState(clusterUid, dbUid, gen, initializing, restartDone, failIntervalMillis);
  }

  LocalDbState withClusterUid(String uid) {
    return new LocalDbState(uid, dbUid, generation, initializing, restartDone, failIntervalMillis);
  }

  LocalDbState withRestartDone(long request) {
    return new LocalDbState(clusterUid, dbUid, generation, initializing, request, failIntervalMillis);
  }
}
