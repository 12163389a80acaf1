package io.rhizome.node.keeper;

import java.net.ConnectException;
import java.sql.SQLException;
import java.time.Duration;
import org.postgresql.util.PSQLException;

/**
 * When a running PostgreSQL that did not answer the keeper's probe is reported unhealthy (pure).
 *
 * <p>A slow answer is not a dead server. On a saturated CPU the probe, or the login before it,
 * can take longer than requestTimeout while PostgreSQL goes on serving its clients: CI's calm run
 * saw one probe time out at 2 s, the next answer come 2.6 s later, and the controller fail over a
 * healthy master on that report (every client lost its connection). So a probe that got no answer
 * (a timeout, a connection that broke) is reported unhealthy only once no probe has been answered
 * for requestTimeout + failInterval, counted from the start of the last probe that was; the
 * controller then waits its own failInterval. A server that answers with an error (starting up,
 * shutting down, in recovery after a crash) or refuses the connection is no slow server: that is
 * reported at once, as is a stopped one. docs/keeper.md ("A master that does not answer").
 */
final class SilenceGrace {
  private SilenceGrace() {}

  /**
   * True while a probe that got no answer may still be reported as the last answer.
   *
   * @param now when the probe failed (nanoTime)
   * @param lastAnsweredStart when the last probe that was answered started (nanoTime); 0 = never
   */
  static boolean stillHealthy(long now, long lastAnsweredStart, boolean silence, Duration requestTimeout,
      Duration failInterval) {
    if (!silence || lastAnsweredStart == 0) {
      return false;
    }
    return now - lastAnsweredStart < requestTimeout.plus(failInterval).toNanos();
  }

  /**
   * True when the failure is silence (no answer in time, or the connection broke), false when
   * PostgreSQL said something: an error message of its own, or a refused connection.
   */
  static boolean isSilence(Throwable failure) {
    for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (e instanceof PSQLException p && p.getServerErrorMessage() != null || e instanceof ConnectException) {
        return false;
      }
    }
    return failure instanceof SQLException;
  }
}
