package io.rhizome.chaos;

import static io.rhizome.testsupport.LoopbackPorts.freePort;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.store.PeerAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `rhizome proxy` as a process: it listens, and SIGTERM makes it stop listening and exit 0. */
class ProxyLifecycleTest {
  @TempDir Path tmp;
  private SentinelProcess sentinel;
  private ProxyProcess proxy;

  @AfterEach
  void stopAll() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    if (sentinel != null) {
      sentinel.close();
    }
    DaemonLogs.printTails(tmp);
  }

  @Test
  void sigtermClosesTheListenerAndExitsZero() throws Exception {
    PeerAddress s1 = new PeerAddress("s1", "127.0.0.1", freePort());
    sentinel = new SentinelProcess("lc", s1, List.of(s1), tmp);
    sentinel.start();
    int port = freePort();
    int httpPort = freePort();
    proxy = new ProxyProcess("lc", "p1", tmp, s1.host() + ":" + s1.port(), port, httpPort);
    proxy.start();
    // up (no cluster yet: /health says 503, and the client port accepts and closes)
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> Http.status(httpPort, "/health") == 503);
    assertTrue(listening(port), "the client port listens");
    assertEquals(0, proxy.terminate(), "exit code after SIGTERM");
    assertFalse(listening(port), "nothing listens any more");
  }

  /**
   * Whether something listens on {@code port}: a refused connect says no. A proxy with no master
   * accepts and resets at once, and that reset can reach the client before its own connect has
   * returned (a CI failure: "Connection reset by peer" from connect): that is a listener too.
   */
  private static boolean listening(int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return true;
    } catch (java.net.ConnectException refused) {
      return false;
    } catch (java.net.SocketException resetWhileConnecting) {
      return true;
    }
  }
}
