package io.rhizome.store;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One sentinel of the store: its id and the host:port other peers and clients reach it at.
 * Parsed from {@code --peers s1=127.0.0.1:7001,...} and {@code --store-endpoints}.
 */
public record PeerAddress(String id, String host, int port) {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
  /** A host name, IPv4 or IPv6 address (brackets removed), optionally with an IPv6 zone. */
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9_.:%-]+");
  private static final String PEERS_EXAMPLE = "s1=127.0.0.1:7001,s2=127.0.0.1:7002";
  private static final String ENDPOINTS_EXAMPLE = "127.0.0.1:7001,127.0.0.1:7002";

  public PeerAddress {
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException("sentinel id '" + id
          + "' must be letters, digits, '_', '.', '-' (e.g. s1)");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " of sentinel " + id
          + " is out of range 1-65535 (e.g. 7001)");
    }
  }

  public String address() {
    return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
  }

  @Override
  public String toString() {
    return id + "=" + address();
  }

  /** Parses {@code ID=HOST:PORT}. */
  public static PeerAddress parsePeer(String text, String flag) {
    String s = text.trim();
    int eq = s.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException(flag + ": '" + s
          + "' is not ID=HOST:PORT (e.g. s1=127.0.0.1:7001)");
    }
    return withId(s.substring(0, eq), s.substring(eq + 1), flag);
  }

  /** Parses {@code HOST:PORT} or {@code ID=HOST:PORT}; without an id the address stands in for it. */
  public static PeerAddress parseEndpoint(String text, String flag) {
    String s = text.trim();
    int eq = s.indexOf('=');
    if (eq > 0) {
      return withId(s.substring(0, eq), s.substring(eq + 1), flag);
    }
    HostPort hp = hostPort(s, flag);
    // an IPv6 host would make the derived id start with '_', which ids refuse
    String id = (hp.host + "_" + hp.port).replaceAll("[^A-Za-z0-9_.-]", "_");
    if (!Character.isLetterOrDigit(id.charAt(0))) {
      id = "ep" + id;
    }
    return withId(id, hp, flag);
  }

  /** A comma-separated list of peers: each must be ID=HOST:PORT, ids and addresses unique. */
  public static List<PeerAddress> parsePeers(String list, String flag) {
    return parseList(list, flag, true);
  }

  /** A comma-separated list of endpoints, HOST:PORT or ID=HOST:PORT. */
  public static List<PeerAddress> parseEndpoints(String list, String flag) {
    return parseList(list, flag, false);
  }

  private static List<PeerAddress> parseList(String list, String flag, boolean idsRequired) {
    String example = idsRequired ? PEERS_EXAMPLE : ENDPOINTS_EXAMPLE;
    if (list == null || list.isBlank()) {
      throw new IllegalArgumentException(flag + " is empty (e.g. " + example + ")");
    }
    List<PeerAddress> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    Set<String> addresses = new HashSet<>();
    for (String item : list.split(",")) {
      if (item.isBlank()) {
        continue;
      }
      PeerAddress p = idsRequired ? parsePeer(item, flag) : parseEndpoint(item, flag);
      if (!ids.add(p.id())) {
        throw new IllegalArgumentException(flag + ": sentinel id '" + p.id()
            + "' appears twice (e.g. " + example + ")");
      }
      if (!addresses.add(p.address())) {
        throw new IllegalArgumentException(flag + ": address " + p.address()
            + " appears twice (e.g. " + example + ")");
      }
      out.add(p);
    }
    // "," alone must not silently mean "no peers"
    if (out.isEmpty()) {
      throw new IllegalArgumentException(flag + " is empty (e.g. " + example + ")");
    }
    return List.copyOf(out);
  }

  private static PeerAddress withId(String id, String hostPort, String flag) {
    return withId(id, hostPort(hostPort, flag), flag);
  }

  private static PeerAddress withId(String id, HostPort hp, String flag) {
    try {
      return new PeerAddress(id.trim(), hp.host, hp.port);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(flag + ": " + e.getMessage());
    }
  }

  private record HostPort(String host, int port) {}

  private static HostPort hostPort(String s, String flag) {
    String t = s.trim();
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1) {
      throw new IllegalArgumentException(flag + ": '" + t + "' is not HOST:PORT (e.g. 127.0.0.1:7001)");
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (!HOST.matcher(host).matches()) {
      throw new IllegalArgumentException(flag + ": host in '" + t
          + "' is not a host name or IP address (e.g. 127.0.0.1:7001)");
    }
    int port;
    try {
      port = Integer.parseInt(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + ": port in '" + t
          + "' is not a number (e.g. 127.0.0.1:7001)");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(flag + ": port in '" + t
          + "' is out of range 1-65535 (e.g. 127.0.0.1:7001)");
    }
    return new HostPort(host, port);
  }
}
