package io.rhizome.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rhizome.testsupport.FaultRelay;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SocketOwnersTest {
  @Test
  void theOwnerOfAConnectionIsFoundInProc() throws Exception {
    long me = ProcessHandle.current().pid();
    try (FaultRelay relay = FaultRelay.to("target", io.rhizome.testsupport.LoopbackPorts.freePort());
         Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), relay.port()), 2_000);
      assertEquals("me", SocketOwners.owner(s.getLocalPort(), relay.port(),
          Map.of("other", () -> List.of(1L), "me", () -> List.of(me))));
      assertEquals("", SocketOwners.owner(s.getLocalPort(), relay.port(), Map.of("other", () -> List.of(1L))));
    }
  }
}
