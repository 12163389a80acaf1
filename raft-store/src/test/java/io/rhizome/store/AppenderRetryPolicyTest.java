package io.rhizome.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.ratis.retry.MultipleLinearRandomRetry;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The leader's wait after errors sending to a follower stays under the election timeout. */
class AppenderRetryPolicyTest {

  @ParameterizedTest
  @ValueSource(longs = {100, 150, 1000})
  void everyWaitIsShorterThanTheShortestElectionTimeout(long electionMillis) {
    Duration election = Duration.ofMillis(electionMillis);
    MultipleLinearRandomRetry policy =
        MultipleLinearRandomRetry.parseCommaSeparated(StoreServer.appenderRetryPolicy(election));
    for (int errors : new int[] {1, 10, 11, 30, 31, 1_000, 100_000}) {
      long waitMillis = policy.handleAttemptFailure(() -> errors).getSleepTime().toLong(java.util.concurrent.TimeUnit.MILLISECONDS);
      assertTrue(waitMillis < electionMillis, errors + " errors: waits " + waitMillis + " ms");
    }
  }

  @Test
  void theServerIsConfiguredWithIt() {
    PeerAddress self = new PeerAddress("s1", "127.0.0.1", 1);
    StoreServerConfig config = StoreServerConfig.of(self, List.of(self), Path.of("unused"));
    assertEquals(StoreServer.appenderRetryPolicy(config.electionTimeoutMin()),
        RaftServerConfigKeys.Log.Appender.retryPolicy(StoreServer.properties(config)));
  }
}
