package io.rhizome.proxy;

import io.rhizome.node.common.HttpEndpoint.Answer;

/**
 * The proxy's /health: 200 while it forwards to a known master, 503 while it refuses or holds
 * connections, so a load balancer in front of several proxies skips one that cannot route.
 */
final class ProxyHealth {
  private ProxyHealth() {}

  static Answer answer(Route route) {
    return route.mode() == Route.Mode.FORWARD
        ? Answer.text(200, "ok: " + route.reason())
        : Answer.text(503, route.reason());
  }
}
