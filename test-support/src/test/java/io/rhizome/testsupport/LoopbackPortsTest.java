package io.rhizome.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {

  @Test
  void portsComeFromBelowTheEphemeralRangeAndAreNeverHandedOutTwice() throws Exception {
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 500; i++) {
      int port = LoopbackPorts.freePort();
      assertTrue(port >= LoopbackPorts.pool().first() && port <= LoopbackPorts.pool().last(), "port " + port);
      assertTrue(seen.add(port), "port " + port + " handed out twice");
    }
    int ephemeralStart = LoopbackPorts.ephemeralStart();
    assertTrue(ephemeralStart > 20_000, "read the range's start: " + ephemeralStart);
    assertTrue(LoopbackPorts.pool().last() < ephemeralStart, LoopbackPorts.pool() + " vs " + ephemeralStart);
  }

  @Test
  void aPortSomeoneListensOnIsNotHandedOut() throws Exception {
    int p = LoopbackPorts.freePort();
    LoopbackPorts.Allocator onlyP = new LoopbackPorts.Allocator(new LoopbackPorts.Pool(p, p), 0);
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 1);
      IllegalStateException e = assertThrows(IllegalStateException.class, onlyP::next);
      assertTrue(e.getMessage().contains(p + "-" + p), e.getMessage());
    }
    assertEquals(p, onlyP.next(), "free again once its listener closed");
  }

  @Test
  void aRangeThatLeavesNoRoomBelowItIsRefusedWithTheFix() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> LoopbackPorts.Pool.below(10_500));
    assertTrue(e.getMessage().contains("ip_local_port_range") && e.getMessage().contains("20000"), e.getMessage());
  }

  @Test
  void theNthPortWrapsAround() {
    LoopbackPorts.Pool pool = new LoopbackPorts.Pool(20_000, 20_009);
    assertEquals(20_000, pool.port(0));
    assertEquals(20_009, pool.port(9));
    assertEquals(20_000, pool.port(10));
    assertEquals(20_009, pool.port(-1));
  }
}
