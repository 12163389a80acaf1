package io.rhizome.store;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running peer of the store: a Ratis server with the store's state machine. */
public final class StoreServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreServer.class);

  private static final java.time.Duration HANDOVER_TIMEOUT = java.time.Duration.ofSeconds(2);

  private final StoreServerConfig config;
  private final RaftServer server;
  private final StoreStateMachine stateMachine;

  private StoreServer(StoreServerConfig config, RaftServer server, StoreStateMachine sm) {
    this.config = config;
    this.server = server;
    this.stateMachine = sm;
  }

  public static StoreServer start(StoreServerConfig config) throws IOException {
    Files.createDirectories(config.storageDir());
    StoreStateMachine sm = new StoreStateMachine(config.tuning());
    RaftGroup group = config.join() && isEmpty(config)
        ? RaftGroup.valueOf(StoreGroup.ID) // a joining peer learns its group from the leader
        : StoreGroup.of(config.peers());
    RaftServer server = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(config.self().id()))
        .setGroup(group)
        .setProperties(properties(config))
        .setParameters(TlsFiles.parameters(config.tls()))
        .setStateMachine(sm)
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      closeQuietly(server);
      throw e;
    }
    LOG.info("store peer started id={} address={} join={}", config.self().id(),
        config.self().address(), config.join());
    return new StoreServer(config, server, sm);
  }

  private static boolean isEmpty(StoreServerConfig config) throws IOException {
    try (var entries = Files.list(config.storageDir())) {
      return entries.findAny().isEmpty();
    }
  }

  static RaftProperties properties(StoreServerConfig config) {
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(config.storageDir().toFile()));
    GrpcConfigKeys.Server.setHost(p, config.listenHost());
    GrpcConfigKeys.Server.setPort(p, config.listenPort());

    long min = config.electionTimeoutMin().toMillis();
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(min, java.util.concurrent.TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * min, java.util.concurrent.TimeUnit.MILLISECONDS));
    // server-to-server requests must wait well beyond an election timeout
    RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(Math.max(3000, 10 * min), java.util.concurrent.TimeUnit.MILLISECONDS));

    RaftServerConfigKeys.Log.Appender.setRetryPolicy(p, appenderRetryPolicy(config.electionTimeoutMin()));
    // A follower checks each append against its log, not against appends still in flight. With
    // Ratis 3.3.0's default (compose on) a restarted sentinel under a steady write load was
    // counted by the leader as holding an entry it did not have: once it then never caught up
    // (the leader's nextIndex stuck at its wrong matchIndex + 1), once the replicas' states
    // diverged and acknowledged writes were gone after the next failover (docs/store.md).
    RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(p, false);

    // every read is linearizable (ReadIndex), on the leader and on followers
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);

    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.tuning().snapshotThreshold());
    // the default keeps every snapshot ever taken
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
    // a long-dead peer must not stop log purging on the others; it catches up by snapshot
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.max(1, Math.min(1024, config.tuning().snapshotThreshold() / 2)));
    // a kill -9 mid-write may leave a torn tail; those entries were never acknowledged
    RaftServerConfigKeys.Log.setCorruptionPolicy(p, RaftServerConfigKeys.Log.CorruptionPolicy.WARN_AND_RETURN);

    // the store is small: keep the log's memory to a few MiB
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(config.tuning().logSegmentBytes()));
    RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 2);
    RaftServerConfigKeys.Log.setSegmentCacheSizeMax(p, SizeInBytes.valueOf("16MB"));
    RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf("1MB"));
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf("1MB"));
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf("2MB"));
    return p;
  }

  /**
   * How long the leader waits before sending to a follower again after an error. A follower whose
   * log does not match (a sentinel restarted after a kill, behind the others) answers
   * "inconsistent", and Ratis counts that as an error: its default waits 1 s after ten of them and
   * 5 s after thirty, far beyond the election timeout. The follower then lost its leader between
   * two sends, again and again, and under a steady write load did not catch up in 30 s. Here the
   * wait stays at half the shortest election timeout, so a follower hears from the leader before
   * it gives up on it; a dead follower costs a failed connect that often.
   */
  static String appenderRetryPolicy(Duration electionTimeoutMin) {
    return "1ms,10," + Math.max(1, electionTimeoutMin.toMillis() / 2) + "ms,1000000000";
  }

  public String id() {
    return config.self().id();
  }

  public PeerAddress address() {
    return config.self();
  }

  public boolean isLeaderReady() {
    DivisionInfo info = info();
    return info != null && info.isLeader() && info.isLeaderReady();
  }

  /** The leader this peer knows of, if any (none while it is cut off, restarting or electing). */
  public java.util.Optional<String> leaderId() {
    DivisionInfo info = info();
    return info == null || info.getLeaderId() == null ? java.util.Optional.empty()
        : java.util.Optional.of(info.getLeaderId().toString());
  }

  public long currentTerm() {
    DivisionInfo info = info();
    return info == null ? -1 : info.getCurrentTerm();
  }

  /** True while the Ratis server and this group's division are running. */
  public boolean isRunning() {
    DivisionInfo info = info();
    return info != null && info.isAlive();
  }

  /** The last log index known committed on this peer; -1 when it is not running. */
  public long commitIndex() {
    try {
      return server.getDivision(StoreGroup.ID).getRaftLog().getLastCommittedIndex();
    } catch (IOException e) {
      return -1;
    }
  }

  /** The last log index applied to the state machine on this peer; -1 when it is not running. */
  public long appliedIndex() {
    DivisionInfo info = info();
    return info == null ? -1 : info.getLastAppliedIndex();
  }

  private DivisionInfo info() {
    try {
      return server.getDivision(StoreGroup.ID).getInfo();
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * System.nanoTime() at which this peer, on becoming leader, restarted every TTL (0 if it never
   * led): no key may expire on its clock before this plus the key's TTL.
   */
  public long ttlRestartedAtNanos() {
    return stateMachine.ttlRestartedAtNanos();
  }

  /** Parked watches on this peer (for tests and metrics). */
  public int parkedWatches() {
    return stateMachine.parkedWatches();
  }

  /**
   * A planned stop of the leader first hands leadership to a caught-up follower. Otherwise the
   * group waits for an election timeout after the leader is gone, and meanwhile followers forward
   * reads to a leader that is shutting down and wait on it for seconds: long enough for a proxy
   * to give up on the store and drop its clients.
   */
  private void handOverLeadership() {
    if (!isLeaderReady()) {
      return;
    }
    try {
      RaftServer.Division division = server.getDivision(StoreGroup.ID);
      for (org.apache.ratis.protocol.RaftPeer peer : division.getRaftConf().getCurrentPeers()) {
        if (peer.getId().equals(server.getId())) {
          continue;
        }
        if (transferLeadership(peer.getId().toString())) {
          LOG.info("handed leadership to {} before stopping", peer.getId());
          return;
        }
      }
      LOG.warn("could not hand leadership over before stopping; the others will elect a leader");
    } catch (IOException e) {
      LOG.warn("could not hand leadership over before stopping: {}", e.toString());
    }
  }

  /**
   * Asks Ratis to hand this leader's leadership to {@code peerId} (which it brings up to date
   * first); true once that peer leads. Waits at most 2 s.
   */
  public boolean transferLeadership(String peerId) {
    var request = new org.apache.ratis.protocol.TransferLeadershipRequest(
        org.apache.ratis.protocol.ClientId.randomId(), server.getId(), StoreGroup.ID, 0,
        org.apache.ratis.protocol.RaftPeerId.valueOf(peerId), HANDOVER_TIMEOUT.toMillis());
    try {
      var reply = server.transferLeadership(request);
      if (!reply.isSuccess()) {
        LOG.info("leadership transfer to {} refused: {}", peerId, reply.getException());
      }
      return reply.isSuccess();
    } catch (IOException e) {
      LOG.debug("leadership transfer to {} failed: {}", peerId, e.toString());
      return false;
    }
  }

  /** The voting members as this peer's configuration has them (id and the address the others use). */
  public java.util.List<PeerAddress> votingPeers() {
    try {
      java.util.List<PeerAddress> out = new java.util.ArrayList<>();
      for (org.apache.ratis.protocol.RaftPeer p : server.getDivision(StoreGroup.ID).getRaftConf().getCurrentPeers()) {
        out.add(PeerAddress.parsePeer(p.getId() + "=" + p.getAddress(), "store member"));
      }
      return out;
    } catch (IOException e) {
      return java.util.List.of();
    }
  }

  @Override
  public void close() throws IOException {
    handOverLeadership();
    server.close();
    LOG.info("store peer stopped id={}", config.self().id());
  }

  private static void closeQuietly(RaftServer server) {
    try {
      server.close();
    } catch (Exception ignored) {
      // the start failure is what the caller needs to see
    }
  }
}
