package io.rhizome.chaos;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A TCP server for {@link HostBedTest}, started in a host of the bed: listens on
 * {@code ADDRESS PORT} and writes one line ({@code hello from ADDRESS}) to every connection, so
 * a {@link TcpProbe} tells a server that answers from a handshake the kernel completed alone (a
 * frozen server's backlog).
 */
final class GreetingServer {
  private GreetingServer() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: GreetingServer ADDRESS PORT");
      System.exit(2);
    }
    InetAddress address = InetAddress.getByName(args[0]);
    try (ServerSocket server = new ServerSocket(Integer.parseInt(args[1]), 50, address)) {
      System.out.println("listening on " + args[0] + ":" + args[1]);
      while (true) {
        try (Socket client = server.accept(); OutputStream out = client.getOutputStream()) {
          out.write(("hello from " + args[0] + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
          System.out.println("connection failed: " + e.getMessage()); // the next one may do better
        }
      }
    }
  }
}
