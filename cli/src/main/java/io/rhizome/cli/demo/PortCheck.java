package io.rhizome.cli.demo;

import io.rhizome.node.common.RefusedException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;

/** Every demo port must be free before anything starts: one clear error instead of a daemon's log line. */
final class PortCheck {
  private PortCheck() {}

  static void requireFree(String host, DemoPorts ports, Path dir) {
    for (Map.Entry<Integer, String> e : ports.owners().entrySet()) {
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getByName(host), e.getKey()));
      } catch (IOException ex) {
        throw new RefusedException("port " + e.getKey() + " on " + host + " (for the " + e.getValue()
            + ") is in use: is a demo already running (its processes are in " + dir.resolve("demo.pids")
            + ")? Stop it, or move every port with --base-port N (the demo uses N+1 to N+33; now "
            + ports.base() + ")");
      }
    }
  }
}
