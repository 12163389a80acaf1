package io.rhizome.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP backend for tests: greets each connection with its name and a newline, then echoes
 * every byte back. Counts its open connections.
 */
final class EchoServer implements AutoCloseable {
  final String name;
  private final ServerSocket server;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;

  EchoServer(String name) throws IOException {
    this.name = name;
    this.server = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::acceptLoop, "echo-" + name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  Backend backend(String dbUid) {
    return new Backend(dbUid, "127.0.0.1", port());
  }

  int openConnections() {
    return open.size();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        open.add(s);
        Thread t = new Thread(() -> serve(s), "echo-" + name + "-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
      out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] buf = new byte[16 * 1024];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
    } catch (IOException ignored) {
      // the proxy reset the connection: that is what fencing does
    } finally {
      open.remove(s);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
  }
}
