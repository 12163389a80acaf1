package io.rhizome.node.keeper;

/**
 * What the keeper remembers about its data dir across restarts (dbstate.properties).
 *
 * @param dbUid the db whose data PGDATA holds; "" when none
 * @param generation the db generation last converged to
 * @param initializing an initdb/resync was under way: if the keeper finds this set at start,
 *     the attempt died half way and its leftovers are not a db
 * @param restartDone the last {@code rhizomectl restart} request carried out
 */
record LocalDbState(String clusterUid, String dbUid, long generation, boolean initializing, long restartDone) {

  static final LocalDbState EMPTY = new LocalDbState("", "", 0, false, 0);

  LocalDbState withDb(String uid, long gen, boolean init) {
    return new LocalDbState(clusterUid, uid, gen, init, restartDone);
  }

  LocalDbState withGeneration(long gen) {
    return new LocalDbState(clusterUid, dbUid, gen, initializing, restartDone);
  }

  LocalDbState withClusterUid(String uid) {
    return new LocalDbState(uid, dbUid, generation, initializing, restartDone);
  }

  LocalDbState withRestartDone(long request) {
    return new LocalDbState(clusterUid, dbUid, generation, initializing, request);
  }
}
