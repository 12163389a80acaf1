package io.rhizome.store;

import com.google.protobuf.ByteString;
import io.rhizome.proto.store.DeleteRequest;
import io.rhizome.proto.store.GetReply;
import io.rhizome.proto.store.GetRequest;
import io.rhizome.proto.store.KeyValue;
import io.rhizome.proto.store.ListReply;
import io.rhizome.proto.store.ListRequest;
import io.rhizome.proto.store.PutRequest;
import io.rhizome.proto.store.QueryReply;
import io.rhizome.proto.store.QueryRequest;
import io.rhizome.proto.store.StatusReply;
import io.rhizome.proto.store.StatusRequest;
import io.rhizome.proto.store.WatchReply;
import io.rhizome.proto.store.WatchRequest;
import io.rhizome.proto.store.WriteReply;
import io.rhizome.proto.store.WriteRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto.TypeCase;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.ReadException;
import org.apache.ratis.protocol.exceptions.ReadIndexException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.ExceptionDependentRetry;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;

/**
 * The store's client: what keepers, proxies, the controller and rhizomectl use.
 *
 * <p>Writes go to the leader; reads are linearizable (ReadIndex on the server). Every call
 * retries with a short sleep inside {@code requestTimeout} and then fails with
 * {@link NoQuorumException} naming the endpoints it tried. Watches use a second Ratis client,
 * because a parked read on the ordered stream would hold up every later call (head-of-line).
 * Thread-safe.
 */
public final class StoreClient implements AutoCloseable {
  private static final TimeDuration RETRY_SLEEP = TimeDuration.valueOf(50, TimeUnit.MILLISECONDS);
  private static final Duration READ_RETRY_SLEEP = Duration.ofMillis(100);
  private static final Duration WATCH_ANSWER_MARGIN = Duration.ofMillis(1500);
  private static final Duration WRITE_RETRY_SLEEP = Duration.ofMillis(50);
  /** The pause before asking another peer, after one said it cannot serve reads now. */
  private static final Duration ELSEWHERE_SLEEP = Duration.ofMillis(10);
  /** How long a read sent to a chosen peer may take: one that does not answer is given up on. */
  private static final Duration ELSEWHERE_ATTEMPT = Duration.ofMillis(1000);

  private final StoreClientConfig config;
  private final RaftClient client;
  private final RaftClient watchClient;
  private final ReadDetour readDetour = new ReadDetour();
  private final ReadDetour watchDetour = new ReadDetour();
  private final SilentPeers silentPeers;
  private final java.util.concurrent.ExecutorService asyncWrites =
      java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "store-client-async");
        t.setDaemon(true);
        return t;
      });

  /** Told how long each get, list, status, put and delete took, retries included (watches wait on purpose). */
  @FunctionalInterface
  public interface RequestTimer {
    void record(String operation, boolean ok, long nanos);
  }

  private volatile RequestTimer timer = (operation, ok, nanos) -> { };

  /** Reports every request's duration to {@code t} (a daemon's latency histogram). */
  public void timeRequests(RequestTimer t) {
    this.timer = t;
  }

  private StoreClient(StoreClientConfig config) {
    this.config = config;
    this.silentPeers = new SilentPeers(config.endpoints().stream().map(p -> RaftPeerId.valueOf(p.id())).toList());
    Duration attempt = perAttemptTimeout(config.requestTimeout());
    this.client = build(config, attempt, config.requestTimeout());
    // a watch waits up to MAX_WATCH_TIMEOUT on the server: its client must wait longer
    Duration watchBudget = StoreTuning.MAX_WATCH_TIMEOUT.plus(config.requestTimeout());
    this.watchClient = build(config, watchBudget, watchBudget);
  }

  public static StoreClient connect(StoreClientConfig config) {
    return new StoreClient(config);
  }

  /** One attempt must leave room for a retry at another peer within the budget. */
  private static Duration perAttemptTimeout(Duration budget) {
    long ms = Math.max(500, Math.min(3000, budget.toMillis() / 2));
    return Duration.ofMillis(ms);
  }

  private static RaftClient build(StoreClientConfig config, Duration attempt, Duration budget) {
    RaftProperties p = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, ms(attempt));
    RetryPolicy retry = RetryPolicies.retryForeverWithSleep(RETRY_SLEEP);
    // A peer that cannot serve reads now says so, and Ratis would ask that same peer again until
    // the budget is spent: hand that answer back at once, and the caller asks another peer.
    RetryPolicy reads = ExceptionDependentRetry.newBuilder()
        .setExceptionToPolicy(ReadIndexException.class, RetryPolicies.noRetry())
        .setExceptionToPolicy(ReadException.class, RetryPolicies.noRetry())
        .setDefaultPolicy(retry)
        .build();
    RequestTypeDependentRetryPolicy.Builder policy = RequestTypeDependentRetryPolicy.newBuilder();
    // the default policy retries forever without sleeping: bound every request type
    for (TypeCase type : new TypeCase[] {TypeCase.WRITE, TypeCase.READ, TypeCase.STALEREAD,
        TypeCase.WATCH, TypeCase.MESSAGESTREAM, TypeCase.DATASTREAM, TypeCase.FORWARD}) {
      boolean read = type == TypeCase.READ || type == TypeCase.STALEREAD;
      policy.setRetryPolicy(type, read && config.readsMovePastLeaderlessPeers() ? reads : retry)
          .setTimeout(type, ms(budget));
    }
    return RaftClient.newBuilder()
        .setRaftGroup(StoreGroup.of(config.endpoints()))
        .setProperties(p)
        .setParameters(TlsFiles.parameters(config.tls()))
        .setRetryPolicy(policy.build())
        .build();
  }

  private static TimeDuration ms(Duration d) {
    return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
  }

  // ---- reads ----

  /** The key, or empty; linearizable. */
  public Optional<KeyValue> get(String key) {
    GetReply reply = getWithRevision(key);
    return reply.hasKv() ? Optional.of(reply.getKv()) : Optional.empty();
  }

  public GetReply getWithRevision(String key) {
    return query(QueryRequest.newBuilder().setGet(GetRequest.newBuilder().setKey(key)).build(),
        null).getGet();
  }

  /** Every key starting with {@code prefix}, in key order, and the revision they are at. */
  public ListReply list(String prefix) {
    return query(QueryRequest.newBuilder().setList(ListRequest.newBuilder().setPrefix(prefix)).build(),
        null).getList();
  }

  /**
   * Waits until something under {@code prefix} changes after {@code afterRevision}, or the
   * timeout (at most 10 s) passes. Continue with the reply's revision to see every change once;
   * when the reply says compacted, re-list the prefix.
   */
  public WatchReply watch(String prefix, long afterRevision, Duration timeout) {
    Duration wait = timeout.compareTo(StoreTuning.MAX_WATCH_TIMEOUT) > 0
        ? StoreTuning.MAX_WATCH_TIMEOUT : timeout;
    long waitEnd = System.nanoTime() + wait.toNanos();
    long deadline = waitEnd + config.requestTimeout().toNanos();
    RaftPeerId elsewhere = watchDetour.peer(System.nanoTime());
    while (true) {
      long waitLeft = Math.max(0, waitEnd - System.nanoTime());
      QueryRequest q = QueryRequest.newBuilder().setWatch(WatchRequest.newBuilder()
          .setPrefix(prefix).setAfterRevision(afterRevision)
          .setTimeoutMillis(TimeUnit.NANOSECONDS.toMillis(waitLeft))).build();
      RaftPeerId guess = watchClient.getLeaderId();
      // past a peer that left a watch unanswered: Ratis's guess would never move off it
      RaftPeerId target = elsewhere != null ? elsewhere : silentPeers.instead(guess, System.nanoTime());
      RaftPeerId asked = target != null ? target : guess;
      CompletableFuture<RaftClientReply> f = watchClient.async().sendReadOnlyUnordered(Messages.of(q), target);
      // The server answers by waitLeft; no answer well after that means the request was lost on
      // the way (seen when it reached a follower while the old leader was stopping): send it
      // again. A watch is a read, so a second copy is harmless.
      long answerBy = Math.min(waitLeft + WATCH_ANSWER_MARGIN.toNanos(), deadline - System.nanoTime());
      try {
        WatchReply reply = parseQuery(checked(await(f, Duration.ofNanos(Math.max(answerBy, 0))))).getWatch();
        if (elsewhere != null) {
          watchDetour.served(elsewhere, System.nanoTime());
        }
        silentPeers.answered(asked);
        return reply;
      } catch (NoQuorumException e) {
        if (elsewhere != null) {
          watchDetour.failed(elsewhere);
        }
        if (e.getCause() instanceof TimeoutException) {
          silentPeers.unanswered(asked, System.nanoTime());
        }
        if (deadline - System.nanoTime() < READ_RETRY_SLEEP.toNanos()) {
          throw e;
        }
        elsewhere = peerAfterOneThatCannotRead(asked, e, elsewhere != null);
        sleep(elsewhere == null ? READ_RETRY_SLEEP : ELSEWHERE_SLEEP);
      }
    }
  }

  /** The store's view from the peer that answers (the leader unless {@code peerId} is given). */
  public StatusReply status() {
    return query(QueryRequest.newBuilder().setStatus(StatusRequest.getDefaultInstance()).build(),
        null).getStatus();
  }

  /** Asks one given sentinel for its own view (its term, commit index, leader). */
  public StatusReply status(String peerId) {
    if (!knows(peerId)) {
      throw new StoreException("sentinel " + peerId + " is not among this client's endpoints "
          + config.endpoints() + "; add it to --store-endpoints");
    }
    return query(QueryRequest.newBuilder().setStatus(StatusRequest.getDefaultInstance()).build(),
        RaftPeerId.valueOf(peerId)).getStatus();
  }

  /**
   * Ratis addresses a single peer only among the peers it was built with (it throws a
   * NullPointerException otherwise), so a sentinel added later needs a client that lists it.
   */
  private boolean knows(String peerId) {
    return config.endpoints().stream().anyMatch(p -> p.id().equals(peerId));
  }

  // ---- writes ----

  public WriteReply put(String key, byte[] value) {
    return write(putRequest(key, value, Duration.ZERO, null));
  }

  /** A put whose key disappears if not rewritten within {@code ttl}. */
  public WriteReply put(String key, byte[] value, Duration ttl) {
    return write(putRequest(key, value, ttl, null));
  }

  /**
   * Compare-and-set: writes only if the key's mod revision is {@code expectedModRevision}
   * (0 = the key must not exist). On a mismatch the reply is not succeeded and carries the
   * current value.
   */
  public WriteReply compareAndPut(String key, byte[] value, long expectedModRevision, Duration ttl) {
    return write(putRequest(key, value, ttl, expectedModRevision));
  }

  /** A put on a background thread, for callers that pipeline (benchmarks, bulk loads). */
  public CompletableFuture<WriteReply> putAsync(String key, byte[] value) {
    return CompletableFuture.supplyAsync(() -> put(key, value), asyncWrites);
  }

  public WriteReply delete(String key) {
    return write(WriteRequest.newBuilder().setDelete(DeleteRequest.newBuilder().setKey(key)).build());
  }

  public WriteReply compareAndDelete(String key, long expectedModRevision) {
    return write(WriteRequest.newBuilder().setDelete(DeleteRequest.newBuilder().setKey(key)
        .setExpectedModRevision(expectedModRevision)).build());
  }

  private static WriteRequest putRequest(String key, byte[] value, Duration ttl, Long expected) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("store key must not be empty");
    }
    PutRequest.Builder put = PutRequest.newBuilder().setKey(key)
        .setValue(ByteString.copyFrom(value)).setTtlMillis(ttl.toMillis());
    if (expected != null) {
      put.setExpectedModRevision(expected);
    }
    return WriteRequest.newBuilder().setPut(put).build();
  }

  // ---- membership ----

  /** The voting members as the leader sees them. */
  public List<PeerAddress> members() {
    List<PeerAddress> out = new ArrayList<>();
    for (var p : status().getPeersList()) {
      out.add(PeerAddress.parsePeer(p.getId() + "=" + p.getAddress(), "store member"));
    }
    return out;
  }

  /**
   * Replaces the voting members (Raft joint consensus). A new member must already be running
   * with {@code --join}; a removed member shuts itself down.
   */
  public void setMembers(List<PeerAddress> members) {
    List<RaftPeer> peers = members.stream().map(StoreGroup::peer).toList();
    try {
      RaftClientReply reply = client.admin().setConfiguration(peers);
      if (!reply.isSuccess()) {
        throw new StoreException("membership change refused: " + reply.getException());
      }
    } catch (IOException e) {
      throw translate(e);
    }
  }

  // ---- plumbing ----

  /*
   * Writes and reads use the blocking API: each call is its own unary RPC. The ordered async
   * API shares one sliding window per client, and after a single request fails (say during a
   * quorum loss) that window stays failed, so every later call on the client fails too.
   */
  private WriteReply write(WriteRequest request) {
    long started = System.nanoTime();
    boolean ok = false;
    try {
      WriteReply reply = writeWithRetries(request);
      ok = true;
      return reply;
    } finally {
      timer.record(request.getOpCase().name().toLowerCase(java.util.Locale.ROOT), ok, System.nanoTime() - started);
    }
  }

  private WriteReply writeWithRetries(WriteRequest request) {
    long deadline = System.nanoTime() + config.requestTimeout().toNanos();
    while (true) {
      Throwable failure;
      try {
        RaftClientReply reply = client.io().send(Messages.of(request));
        if (reply.isSuccess()) {
          return parseWrite(reply);
        }
        failure = reply.getException();
      } catch (IOException e) {
        failure = e;
      }
      // Refused before it reached the log (a leader stepping down, as in a leadership transfer,
      // or not ready yet): sending it again cannot apply it twice. Ratis gives these up at once.
      if (!refusedBeforeLogging(failure)
          || deadline - System.nanoTime() < WRITE_RETRY_SLEEP.toNanos()) {
        throw translate(failure);
      }
      sleep(WRITE_RETRY_SLEEP);
    }
  }

  private static boolean refusedBeforeLogging(Throwable failure) {
    for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (isRefusedBeforeLogging(e)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isRefusedBeforeLogging(Throwable e) {
    return e instanceof org.apache.ratis.protocol.exceptions.LeaderSteppingDownException
        || e instanceof org.apache.ratis.protocol.exceptions.NotLeaderException
        || e instanceof org.apache.ratis.protocol.exceptions.LeaderNotReadyException
        || e instanceof org.apache.ratis.protocol.exceptions.ServerNotReadyException;
  }

  private RaftClientReply checked(RaftClientReply reply) {
    if (!reply.isSuccess()) {
      throw translate(reply.getException());
    }
    return reply;
  }

  /**
   * Reads retry here as well as inside Ratis: a read that reaches a peer with no known leader
   * (an election in progress) fails at once with ReadIndexException, which Ratis does not retry.
   * Retrying a read is always safe; writes are only retried by Ratis, with the same call id, so
   * the server's retry cache applies each at most once.
   */
  private QueryReply query(QueryRequest request, RaftPeerId server) {
    long started = System.nanoTime();
    boolean ok = false;
    try {
      QueryReply reply = queryWithRetries(request, server);
      ok = true;
      return reply;
    } finally {
      timer.record(request.getQueryCase().name().toLowerCase(java.util.Locale.ROOT), ok, System.nanoTime() - started);
    }
  }

  private QueryReply queryWithRetries(QueryRequest request, RaftPeerId server) {
    long deadline = System.nanoTime() + config.requestTimeout().toNanos();
    RaftPeerId elsewhere = server == null ? readDetour.peer(System.nanoTime()) : null;
    while (true) {
      RaftPeerId asked = server != null ? server : elsewhere != null ? elsewhere : client.getLeaderId();
      StoreException failure;
      try {
        RaftClientReply reply = elsewhere == null
            ? client.io().sendReadOnly(Messages.of(request), server)
            // bounded here: Ratis would keep asking a chosen peer that does not answer
            : await(client.async().sendReadOnlyUnordered(Messages.of(request), elsewhere), Duration.ofNanos(
                Math.max(0, Math.min(ELSEWHERE_ATTEMPT.toNanos(), deadline - System.nanoTime()))));
        QueryReply answer = parseQuery(checked(reply));
        if (elsewhere != null) {
          readDetour.served(elsewhere, System.nanoTime());
        }
        return answer;
      } catch (IOException e) {
        failure = translate(e);
      } catch (NoQuorumException e) {
        failure = e;
      }
      if (elsewhere != null) {
        readDetour.failed(elsewhere);
      }
      if (!(failure instanceof NoQuorumException) || deadline - System.nanoTime() < READ_RETRY_SLEEP.toNanos()) {
        throw failure;
      }
      elsewhere = server != null ? null : peerAfterOneThatCannotRead(asked, failure, elsewhere != null);
      sleep(elsewhere == null ? READ_RETRY_SLEEP : ELSEWHERE_SLEEP);
    }
  }

  /**
   * The peer to read from next when {@code asked} failed because it cannot serve reads now: it
   * knows no leader (it restarted, or is cut off from the others) or is installing a snapshot.
   * Ratis's client does not move on by itself, since that answer is not "not the leader": a new
   * client starts at the first endpoint and would ask it again and again until its request timed
   * out, while the others serve reads. Any peer serves a linearizable read, so the next one in the
   * endpoint list is asked, and the one after it if that fails too ({@code rotating}). Null for
   * any other failure of the peer Ratis chose: it chooses again then.
   */
  private RaftPeerId peerAfterOneThatCannotRead(RaftPeerId asked, Throwable failure, boolean rotating) {
    if (!config.readsMovePastLeaderlessPeers() || asked == null || !rotating && !cannotServeReads(failure)) {
      return null;
    }
    List<PeerAddress> peers = config.endpoints();
    for (int i = 0; i < peers.size(); i++) {
      if (peers.get(i).id().equals(asked.toString())) {
        return RaftPeerId.valueOf(peers.get((i + 1) % peers.size()).id());
      }
    }
    return null;
  }

  private static boolean cannotServeReads(Throwable failure) {
    for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (e instanceof ReadIndexException || e instanceof ReadException) {
        return true;
      }
    }
    return false;
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting for the store", e);
    }
  }

  /** The reply, successful or not, within {@code limit}; no reply in time is {@link NoQuorumException}. */
  private RaftClientReply await(CompletableFuture<RaftClientReply> f, Duration limit) {
    try {
      return f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw translate(e.getCause());
    } catch (TimeoutException e) {
      f.cancel(true);
      throw noQuorum(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting for the store", e);
    }
  }

  private static WriteReply parseWrite(RaftClientReply reply) {
    try {
      return WriteReply.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
    } catch (IOException e) {
      throw new StoreException("unreadable reply from the store: " + e.getMessage(), e);
    }
  }

  private static QueryReply parseQuery(RaftClientReply reply) {
    try {
      return QueryReply.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
    } catch (IOException e) {
      throw new StoreException("unreadable reply from the store: " + e.getMessage(), e);
    }
  }

  private StoreException translate(Throwable e) {
    if (e instanceof StoreException se) {
      return se;
    }
    if (e instanceof StateMachineException sme) {
      Throwable cause = sme.getCause() != null ? sme.getCause() : sme;
      return new StoreException("store refused the request: " + cause.getMessage(), sme);
    }
    if (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
      return translate(e.getCause());
    }
    return noQuorum(e);
  }

  private NoQuorumException noQuorum(Throwable cause) {
    String tried = config.endpoints().stream().map(PeerAddress::address)
        .collect(Collectors.joining(", "));
    String why = cause == null ? "" : rootMessage(cause);
    return new NoQuorumException("no quorum reachable (tried " + tried + ") within "
        + config.requestTimeout().toMillis() + "ms" + (why.isEmpty() ? "" : ": " + why)
        + tlsHint(why), cause);
  }

  /** A refused TLS handshake looks like a dropped connection: say what to check. */
  private String tlsHint(String why) {
    String w = why.toLowerCase(java.util.Locale.ROOT);
    boolean looksLikeTls = w.contains("network closed for unknown reason") || w.contains("ssl")
        || w.contains("tls") || w.contains("certificate") || w.contains("handshake");
    if (!looksLikeTls) {
      return "";
    }
    return config.tls().isPresent()
        ? " (TLS handshake failed? check that --tls-cert is signed by the sentinels' --tls-ca)"
        : " (do the sentinels use mutual TLS? then pass --tls-cert, --tls-key and --tls-ca)";
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    return root.getClass().getSimpleName() + (m == null ? "" : " " + firstLine(m));
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }

  public StoreClientConfig config() {
    return config;
  }

  @Override
  public void close() {
    asyncWrites.shutdownNow();
    try {
      watchClient.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    try {
      client.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
