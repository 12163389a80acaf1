package io.rhizome.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Which of the test's own processes opened a loopback connection, from Linux's /proc: the
 * socket's inode in /proc/net/tcp{,6}, then the process among the candidates that holds it as a
 * file descriptor. Lets a relay shared by many clients fault one of them. Only the candidates'
 * /proc entries are read, never anyone else's.
 */
final class SocketOwners {
  private SocketOwners() {}

  /**
   * The name of the candidate owning the client end of a connection from {@code clientPort} to
   * {@code serverPort}; "" when none does (or it closed meanwhile).
   *
   * @param candidates name to the PIDs that count as it (a daemon and its children)
   */
  static String owner(int clientPort, int serverPort, Map<String, Supplier<List<Long>>> candidates) {
    Optional<String> inode = inode(clientPort, serverPort);
    if (inode.isEmpty()) {
      return "";
    }
    String link = "socket:[" + inode.get() + "]";
    for (Map.Entry<String, Supplier<List<Long>>> e : candidates.entrySet()) {
      for (long pid : e.getValue().get()) {
        if (holds(pid, link)) {
          return e.getKey();
        }
      }
    }
    return "";
  }

  /** The inode of the socket whose local port is {@code local} and remote port {@code remote}. */
  static Optional<String> inode(int local, int remote) {
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      try (Stream<String> lines = Files.lines(Path.of(table))) {
        Optional<String> found = lines.skip(1).map(String::trim).map(l -> l.split("\\s+"))
            .filter(f -> f.length > 9 && port(f[1]) == local && port(f[2]) == remote)
            .map(f -> f[9]).filter(i -> !i.equals("0")).findFirst();
        if (found.isPresent()) {
          return found;
        }
      } catch (IOException | RuntimeException e) {
        // no such table (no IPv6): try the other
      }
    }
    return Optional.empty();
  }

  /** "0100007F:1F90" (address:port in hex) to 8080. */
  static int port(String addressAndPort) {
    return Integer.parseInt(addressAndPort.substring(addressAndPort.lastIndexOf(':') + 1), 16);
  }

  private static boolean holds(long pid, String link) {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return fds.anyMatch(fd -> {
        try {
          return Files.readSymbolicLink(fd).toString().equals(link);
        } catch (IOException e) {
          return false; // closed meanwhile
        }
      });
    } catch (IOException e) {
      return false; // gone, or not ours
    }
  }

  /** A process and every descendant it has now. */
  static List<Long> withDescendants(long pid) {
    if (pid <= 0) {
      return List.of();
    }
    return Stream.concat(Stream.of(pid), ProcessHandle.of(pid).stream().flatMap(ProcessHandle::descendants)
        .map(ProcessHandle::pid)).distinct().toList();
  }
}
