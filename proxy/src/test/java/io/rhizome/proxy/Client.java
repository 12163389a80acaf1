package io.rhizome.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A blocking test client of the proxy. */
final class Client implements AutoCloseable {
  final Socket socket;

  private Client(Socket socket) {
    this.socket = socket;
  }

  static Client connect(InetSocketAddress proxy) throws IOException {
    Socket s = new Socket();
    // options first: a refused connection may be reset right after it is accepted
    s.setSoTimeout(10_000);
    s.setTcpNoDelay(true);
    s.connect(proxy, 5000);
    return new Client(s);
  }

  /** The backend's greeting: its name. Throws if the proxy closed the connection instead. */
  String greeting() throws IOException {
    return line();
  }

  String line() throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new IOException("closed by the proxy after " + b.size() + " bytes");
      }
      b.write(c);
    }
    return b.toString(StandardCharsets.US_ASCII);
  }

  /** Sends a line and reads its echo. */
  String echo(String text) throws IOException {
    socket.getOutputStream().write((text + "\n").getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return line();
  }

  /** Sends bytes and reads back exactly as many (the echo backend returns them). */
  byte[] exchange(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return socket.getInputStream().readNBytes(bytes.length);
  }

  /**
   * True when the connection has been closed (EOF or reset) by the other end: a read does not
   * block for {@code wait}.
   */
  boolean isClosedByPeer(Duration wait) throws IOException {
    int old = socket.getSoTimeout();
    socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
    try {
      return socket.getInputStream().read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true;
    } finally {
      if (!socket.isClosed()) {
        socket.setSoTimeout(old);
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
