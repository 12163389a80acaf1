package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;
import org.postgresql.util.ServerErrorMessage;

/** When a running PostgreSQL that did not answer is reported unhealthy: the rule as a table. */
class SilenceGraceTest {
  static final Duration REQUEST = Duration.ofSeconds(2);
  static final Duration FAIL = Duration.ofSeconds(2);
  static final long S = 1_000_000_000L;
  static final long ANSWERED = 100 * S;

  static Stream<Arguments> grace() {
    return Stream.of(
        // failed at (s after the last answer started), silence?, answered before?, still healthy?
        Arguments.of("one probe timed out (2 s): still healthy", 2.0, true, true, true),
        Arguments.of("the next timed out too, 3.9 s after the last answer", 3.9, true, true, true),
        Arguments.of("requestTimeout + failInterval without an answer: unhealthy", 4.0, true, true, false),
        Arguments.of("long silence: unhealthy", 30.0, true, true, false),
        Arguments.of("PostgreSQL said something (an error): unhealthy at once", 0.1, false, true, false),
        Arguments.of("never answered since the keeper started: no grace", 0.1, true, false, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("grace")
  void grace(String why, double failedAfterSeconds, boolean silence, boolean answeredBefore, boolean healthy) {
    long now = ANSWERED + (long) (failedAfterSeconds * S);
    assertEquals(healthy, SilenceGrace.stillHealthy(now, answeredBefore ? ANSWERED : 0, silence, REQUEST, FAIL), why);
  }

  static Stream<Arguments> silence() {
    return Stream.of(
        Arguments.of("a socket timeout (pgjdbc: I/O error)", io("An I/O error occurred while sending to the backend.",
            new SocketTimeoutException("Read timed out")), true),
        Arguments.of("a connection reset", io("An I/O error occurred while sending to the backend.",
            new IOException("Connection reset")), true),
        Arguments.of("a login that timed out", new PSQLException("Connection attempt timed out.",
            PSQLState.CONNECTION_UNABLE_TO_CONNECT), true),
        Arguments.of("a refused connection", io("Connection to 127.0.0.1:5432 refused.",
            new ConnectException("Connection refused")), false),
        Arguments.of("FATAL from the server (starting up)", new PSQLException(new ServerErrorMessage(
            "SFATAL\0C57P03\0Mthe database system is starting up\0")), false),
        Arguments.of("FATAL from the server (recovery after a crash)", new PSQLException(new ServerErrorMessage(
            "SFATAL\0C57P03\0Mthe database system is in recovery mode\0")), false),
        Arguments.of("a bug of ours is no silence", new IllegalStateException("unexpected row"), false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("silence")
  void silence(String why, Throwable failure, boolean silence) {
    assertEquals(silence, SilenceGrace.isSilence(failure), why);
  }

  private static PSQLException io(String message, Throwable cause) {
    return new PSQLException(message, PSQLState.CONNECTION_FAILURE, cause);
  }
}
