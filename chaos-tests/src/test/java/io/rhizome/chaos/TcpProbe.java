package io.rhizome.chaos;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A client for {@link HostBedTest}, run in a host of the bed: connects to {@code ADDRESS PORT}
 * within {@code TIMEOUT_MS} and reads one line, then prints one word for the test to judge:
 * {@code greeted} (connected and answered), {@code refused} (a RST: the host is up, nobody
 * listens), {@code timeout} (silence: dropped packets, or a server that does not answer),
 * {@code unreachable} (ICMP). A silent fault must give {@code timeout}, never {@code refused}.
 */
final class TcpProbe {
  private TcpProbe() {}

  public static void main(String[] args) {
    if (args.length != 3) {
      System.err.println("usage: TcpProbe ADDRESS PORT TIMEOUT_MS");
      System.exit(2);
    }
    int timeoutMillis = Integer.parseInt(args[2]);
    long start = System.nanoTime();
    String outcome;
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(args[0], Integer.parseInt(args[1])), timeoutMillis);
      s.setSoTimeout(timeoutMillis);
      String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
      outcome = line == null ? "closed" : "greeted " + line;
    } catch (SocketTimeoutException e) {
      outcome = "timeout";
    } catch (ConnectException e) {
      outcome = e.getMessage() != null && e.getMessage().contains("refused") ? "refused" : "unreachable " + e.getMessage();
    } catch (IOException e) {
      outcome = "unreachable " + e;
    }
    System.out.println(outcome + " after " + (System.nanoTime() - start) / 1_000_000 + " ms");
  }
}
