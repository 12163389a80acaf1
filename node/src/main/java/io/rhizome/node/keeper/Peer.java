package io.rhizome.node.keeper;

/** Another db of the cluster, as the cluster data last reported it. */
record Peer(String dbUid, String host, int port, long systemId, int timeline, boolean healthy) {

  String address() {
    return host + ":" + port;
  }
}
