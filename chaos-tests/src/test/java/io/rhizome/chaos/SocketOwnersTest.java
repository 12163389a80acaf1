package io.rhizome.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rhizome.testsupport.FaultRelay;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SocketOwnersTest {
  @Test
  void theOwnerOfAConnectionIsFoundInProc() throws Exception {
    long me = ProcessHandle.current().pid();
    // The relay needs a live target: with none it resets the client's connection as soon as its
    // own connect is refused, and that reset can beat the client's connect() to its return
    // ("Connection reset by peer" in CI).
    try (ServerSocket target = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
         FaultRelay relay = FaultRelay.to("target", target.getLocalPort());
         Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), relay.port()), 2_000);
      assertEquals("me", SocketOwners.owner(s.getLocalPort(), relay.port(),
          Map.of("other", () -> List.of(1L), "me", () -> List.of(me))));
      assertEquals("", SocketOwners.owner(s.getLocalPort(), relay.port(), Map.of("other", () -> List.of(1L))));
    }
  }
}
