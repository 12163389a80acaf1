package io.rhizome.store;

import io.rhizome.proto.store.GetReply;
import io.rhizome.proto.store.ListReply;
import io.rhizome.proto.store.PeerInfo;
import io.rhizome.proto.store.QueryReply;
import io.rhizome.proto.store.QueryRequest;
import io.rhizome.proto.store.StatusReply;
import io.rhizome.proto.store.StoreSnapshot;
import io.rhizome.proto.store.WatchReply;
import io.rhizome.proto.store.WatchRequest;
import io.rhizome.proto.store.WriteRequest;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of the store: applies writes to a {@link KeyValueMap}, answers reads
 * and long-poll watches, takes and loads snapshots, and runs the TTL expirer while leader.
 */
final class StoreStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(StoreStateMachine.class);
  /** Largest number of events one watch reply carries; the caller continues from its revision. */
  private static final int WATCH_REPLY_LIMIT = 1000;

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final Object lock = new Object();
  private final KeyValueMap map = new KeyValueMap();
  private final EventLog events;
  private final WatchRegistry watches;
  private final TtlExpirer expirer;

  StoreStateMachine(StoreTuning tuning) {
    this.events = new EventLog(tuning.retainedEvents());
    this.watches = new WatchRegistry(this::probeWatch, tuning.maxWatches(), tuning.maxWatchTimeout());
    this.expirer = new TtlExpirer(this::ttlSnapshot, tuning.ttlTick());
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    getLifeCycle().startAndTransition(() -> {
      super.initialize(server, groupId, raftStorage);
      storage.init(raftStorage);
      loadLatestSnapshot();
      expirer.attach(server, groupId);
    });
  }

  // Ratis asserts PAUSED before installing a snapshot from the leader; the inherited no-op
  // pause() trips that assertion and the server shuts itself down.
  @Override
  public void pause() {
    getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.PAUSING);
    getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.PAUSED);
  }

  @Override
  public void reinitialize() throws IOException {
    loadLatestSnapshot();
    getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.STARTING);
    getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.RUNNING);
    watches.onReset();
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public TransactionContext startTransaction(org.apache.ratis.protocol.RaftClientRequest request)
      throws IOException {
    TransactionContext trx = super.startTransaction(request);
    try {
      WriteRequest.parseFrom(request.getMessage().getContent().asReadOnlyByteBuffer());
    } catch (IOException e) {
      // rejected before it reaches the log: a malformed entry must never be applied
      trx.setException(new IOException("malformed store write: " + e.getMessage()));
    }
    return trx;
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    WriteRequest request;
    try {
      request = WriteRequest.parseFrom(
          entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
    } catch (IOException e) {
      // never throw on the apply thread: that closes the server
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      return CompletableFuture.failedFuture(e);
    }
    KeyValueMap.Applied applied;
    synchronized (lock) {
      applied = map.apply(request, entry.getTerm());
      applied.event().ifPresent(events::append);
      events.advanceTo(map.revision());
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    }
    applied.event().ifPresent(e -> watches.onChange(e.getKv().getKey()));
    return CompletableFuture.completedFuture(Messages.of(applied.reply()));
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    QueryRequest query;
    try {
      query = QueryRequest.parseFrom(request.getContent().asReadOnlyByteBuffer());
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    return switch (query.getQueryCase()) {
      case GET -> done(QueryReply.newBuilder().setGet(get(query.getGet().getKey())).build());
      case LIST -> done(QueryReply.newBuilder().setList(list(query.getList().getPrefix())).build());
      case STATUS -> done(QueryReply.newBuilder().setStatus(status()).build());
      case WATCH -> watches.watch(query.getWatch())
          .thenApply(w -> Messages.of(QueryReply.newBuilder().setWatch(w).build()));
      case QUERY_NOT_SET -> CompletableFuture.failedFuture(new IOException("empty store query"));
    };
  }

  private static CompletableFuture<Message> done(QueryReply reply) {
    return CompletableFuture.completedFuture(Messages.of(reply));
  }

  private GetReply get(String key) {
    synchronized (lock) {
      GetReply.Builder reply = GetReply.newBuilder().setRevision(map.revision());
      map.get(key).ifPresent(reply::setKv);
      return reply.build();
    }
  }

  private ListReply list(String prefix) {
    synchronized (lock) {
      return ListReply.newBuilder().setRevision(map.revision()).addAllKvs(map.list(prefix)).build();
    }
  }

  private WatchReply probeWatch(WatchRequest request) {
    synchronized (lock) {
      return events.since(request.getPrefix(), request.getAfterRevision(), WATCH_REPLY_LIMIT);
    }
  }

  private TtlExpirer.Keys ttlSnapshot() {
    synchronized (lock) {
      return new TtlExpirer.Keys(map.keysWithTtl());
    }
  }

  private StatusReply status() {
    StatusReply.Builder reply = StatusReply.newBuilder();
    synchronized (lock) {
      reply.setRevision(map.revision()).setKeyCount(map.size());
    }
    RaftServer.Division division = division();
    if (division == null) {
      return reply.build();
    }
    RaftPeerId leader = division.getInfo().getLeaderId();
    reply.setServerId(division.getId().toString())
        .setLeaderId(leader == null ? "" : leader.toString())
        .setTerm(division.getInfo().getCurrentTerm())
        .setCommitIndex(division.getRaftLog().getLastCommittedIndex())
        .setAppliedIndex(division.getInfo().getLastAppliedIndex());
    Collection<RaftPeer> peers = division.getRaftConf().getCurrentPeers();
    peers.stream()
        .sorted(java.util.Comparator.comparing(p -> p.getId().toString()))
        .forEach(p -> reply.addPeers(PeerInfo.newBuilder()
            .setId(p.getId().toString()).setAddress(p.getAddress()).build()));
    return reply.build();
  }

  private RaftServer.Division division() {
    try {
      return getServer().getNow(null) == null ? null : getServer().get().getDivision(getGroupId());
    } catch (Exception e) {
      return null;
    }
  }

  // ---- snapshots ----

  @Override
  public long takeSnapshot() throws IOException {
    StoreSnapshot snapshot;
    TermIndex last;
    synchronized (lock) {
      snapshot = map.toSnapshot();
      last = getLastAppliedTermIndex();
    }
    if (last == null || last.getIndex() < 0) {
      return -1;
    }
    File target = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    Path tmp = target.toPath().resolveSibling(target.getName() + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      snapshot.writeTo(out);
      out.flush();
    }
    try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, target.toPath(), StandardCopyOption.ATOMIC_MOVE);
    var md5 = MD5FileUtil.computeAndSaveMd5ForFile(target);
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(
        new org.apache.ratis.server.storage.FileInfo(target.toPath(), md5), last));
    LOG.debug("snapshot taken index={} revision={}", last.getIndex(), snapshot.getRevision());
    return last.getIndex();
  }

  private void loadLatestSnapshot() throws IOException {
    SingleFileSnapshotInfo info = storage.loadLatestSnapshot();
    if (info == null) {
      synchronized (lock) {
        events.reset(map.revision());
      }
      return;
    }
    File file = info.getFile().getPath().toFile();
    if (info.getFile().getFileDigest() != null) {
      MD5FileUtil.verifySavedMD5(file, info.getFile().getFileDigest());
    }
    StoreSnapshot snapshot;
    try (InputStream in = Files.newInputStream(file.toPath())) {
      snapshot = StoreSnapshot.parseFrom(in);
    }
    synchronized (lock) {
      map.restore(snapshot);
      events.reset(snapshot.getRevision());
      setLastAppliedTermIndex(info.getTermIndex());
    }
    LOG.info("loaded snapshot index={} revision={} keys={}",
        info.getIndex(), snapshot.getRevision(), snapshot.getKvsCount());
  }

  // ---- leadership: the TTL expirer runs only on a ready leader ----

  @Override
  public void notifyLeaderReady() {
    expirer.becameLeader();
  }

  @Override
  public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
    expirer.stepDown();
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId memberId, RaftPeerId newLeaderId) {
    LOG.info("store leader is now {} (seen by {})", newLeaderId, memberId.getPeerId());
    if (!memberId.getPeerId().equals(newLeaderId)) {
      expirer.stepDown();
    }
  }

  long ttlRestartedAtNanos() {
    return expirer.restartedAtNanos();
  }

  int parkedWatches() {
    return watches.size();
  }

  @Override
  public void close() throws IOException {
    expirer.close();
    watches.close();
    super.close();
  }
}
