package io.rhizome.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.node.common.RefusedException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DemoPortsTest {

  @Test
  void everyPortFollowsTheBase() {
    DemoPorts p = new DemoPorts(17000);
    assertEquals(List.of(17001, 17002, 17003, 17011, 17012, 17032, 17033), List.copyOf(p.owners().keySet()));
    assertEquals("s1=127.0.0.1:17001,s2=127.0.0.1:17002,s3=127.0.0.1:17003", p.peers("127.0.0.1"));
    assertEquals("127.0.0.1:17001,127.0.0.1:17002,127.0.0.1:17003", p.endpoints("127.0.0.1"));
  }

  @ParameterizedTest
  @CsvSource({"1023, false", "1024, true", "65502, true", "65503, false", "-5, false"})
  void baseRange(int base, boolean valid) {
    if (valid) {
      new DemoPorts(base);
    } else {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DemoPorts(base));
      assertTrue(e.getMessage().startsWith("--base-port " + base + " is out of range"), e.getMessage());
    }
  }

  @Test
  void aPortInUseIsNamedWithItsOwnerAndTheWayOut() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      // the first sentinel's port is base+1, the first one checked: another port of the range
      // that some other process happens to hold on this machine cannot be reported first
      DemoPorts ports = new DemoPorts(taken.getLocalPort() - 1);
      RefusedException e = assertThrows(RefusedException.class,
          () -> PortCheck.requireFree("127.0.0.1", ports, Path.of("/tmp/d")));
      assertTrue(e.getMessage().startsWith("port " + taken.getLocalPort() + " on 127.0.0.1 (for the sentinel s1) is in use"),
          e.getMessage());
      assertTrue(e.getMessage().contains("--base-port N"), e.getMessage());
    }
  }
}
