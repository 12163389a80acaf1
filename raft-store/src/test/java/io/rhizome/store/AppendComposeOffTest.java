package io.rhizome.store;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.List;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;

/**
 * Ratis 3.3.0's composed appends stay off: a follower that skips a resent batch because one with
 * the same first index is still in flight answers as if it held the resent batch's entries, and
 * the leader counts it so. That let replicas diverge after a leader kill (docs/store.md, "Known
 * problems"). StoreLinearizabilityUnderLeaderKillTest compares the replicas; this guards the setting.
 */
class AppendComposeOffTest {

  @Test
  void followersCheckAppendsAgainstTheirLogOnly() {
    PeerAddress self = new PeerAddress("s1", "127.0.0.1", 1);
    StoreServerConfig config = StoreServerConfig.of(self, List.of(self), Path.of("unused"));
    assertFalse(RaftServerConfigKeys.Log.appendEntriesComposeEnabled(StoreServer.properties(config)));
  }
}
