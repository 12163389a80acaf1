package io.rhizome.proxy;

/** A PostgreSQL instance (one db incarnation) the proxy can send clients to. */
public record Backend(String dbUid, String host, int port) {

  /** host:port, for logs and errors. */
  public String address() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public String toString() {
    return "db " + dbUid + " at " + address();
  }
}
