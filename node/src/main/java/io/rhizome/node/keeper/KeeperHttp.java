package io.rhizome.node.keeper;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rhizome.node.common.HttpEndpoint;
import io.rhizome.node.common.HttpEndpoint.Answer;
import io.rhizome.node.status.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The keeper's HTTP endpoints: /health, /primary, /replica[?lag=N], /status and /metrics. Every
 * check answers with its status code and, as Patroni does, a JSON body of the keeper's state with
 * the reason for the answer.
 */
final class KeeperHttp {
  private KeeperHttp() {}

  static void install(HttpEndpoint http, Supplier<KeeperSnapshot> snapshot, PrometheusRegistry registry) {
    http.route("/health", q -> answer(snapshot.get(), KeeperChecks::health))
        .route("/primary", q -> answer(snapshot.get(), KeeperChecks::primary))
        .route("/replica", q -> {
          OptionalLong lag;
          try {
            lag = KeeperChecks.parseLag(q.get("lag"));
          } catch (IllegalArgumentException e) {
            return Answer.text(400, e.getMessage());
          }
          return answer(snapshot.get(), s -> KeeperChecks.replica(s, lag));
        })
        .route("/status", q -> Answer.json(200, Json.write(KeeperChecks.status(snapshot.get()))))
        .metrics(registry);
  }

  private static Answer answer(KeeperSnapshot s, Function<KeeperSnapshot, KeeperChecks.Verdict> check) {
    KeeperChecks.Verdict v = check.apply(s);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ok", v.ok());
    body.put("reason", v.reason());
    body.putAll(KeeperChecks.status(s));
    return Answer.json(v.status(), Json.write(body));
  }
}
