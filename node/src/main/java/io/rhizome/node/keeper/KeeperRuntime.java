package io.rhizome.node.keeper;

import java.time.Duration;

/**
 * What the running keeper process knows that is neither in the store nor on disk.
 *
 * @param storeUnreachableFor how long the keeper has been without a successful read or write of the
 *     store (the older of the two, {@link StoreContact}); ZERO when it answers
 * @param fenced PostgreSQL was self-fenced and must stay so until the store confirms this master
 * @param restartGateClosed a synchronous master restarted and its sync standbys are not back in sync
 */
record KeeperRuntime(Duration storeUnreachableFor, boolean fenced, boolean restartGateClosed) {

  static final KeeperRuntime NORMAL = new KeeperRuntime(Duration.ZERO, false, false);
}
