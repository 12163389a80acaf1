package io.rhizome.node.sentinel;

import io.rhizome.node.controller.LeaderPlacement;
import io.rhizome.node.controller.LeaderPlacement.Peer;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreServer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the store's leadership off the PostgreSQL master's host ({@link LeaderPlacement}): after
 * a round of the controller on this leader, if the cluster is steady and its master runs on this
 * sentinel's host, hands the leadership to a member on another host. The hand-over runs on a
 * thread of its own (it waits for the target to catch up, up to 2 s), at most once per
 * {@link #RETRY_AFTER}.
 */
final class LeaderMover implements Consumer<ClusterData>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderMover.class);
  static final Duration RETRY_AFTER = Duration.ofSeconds(30);

  private final StoreServer store;
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "leader-mover");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean busy = new AtomicBoolean();
  /** Resolved addresses by host string: sentinels' and keepers' addresses do not change while they run. */
  private final Map<String, String> resolved = new ConcurrentHashMap<>();
  private volatile long lastAttempt = System.nanoTime() - RETRY_AFTER.toNanos();

  LeaderMover(StoreServer store) {
    this.store = store;
  }

  @Override
  public void accept(ClusterData cd) {
    Optional<String> masterHost = LeaderPlacement.steadyMasterHost(cd);
    if (masterHost.isEmpty() || busy.get() || System.nanoTime() - lastAttempt < RETRY_AFTER.toNanos()
        || !store.isLeaderReady()) {
      return;
    }
    PeerAddress self = store.address();
    List<Peer> peers = store.votingPeers().stream().map(p -> new Peer(p.id(), p.host())).toList();
    Optional<String> target = LeaderPlacement.handOverTo(new Peer(self.id(), self.host()), peers, masterHost,
        this::sameHost);
    if (target.isEmpty() || !busy.compareAndSet(false, true)) {
      return;
    }
    lastAttempt = System.nanoTime();
    String to = target.get();
    worker.execute(() -> {
      try {
        LOG.info("the master runs on this sentinel's host ({}): handing the store's leadership to {}, so that"
            + " losing this host does not also cost an election before the failover", masterHost.get(), to);
        if (!store.transferLeadership(to)) {
          LOG.info("{} did not take the leadership; trying again in {} s at the earliest", to, RETRY_AFTER.toSeconds());
        }
      } finally {
        busy.set(false);
      }
    });
  }

  private boolean sameHost(String a, String b) {
    return a.equals(b) || address(a).equals(address(b));
  }

  private String address(String host) {
    return resolved.computeIfAbsent(host, h -> {
      try {
        return InetAddress.getByName(h).getHostAddress();
      } catch (UnknownHostException e) {
        return h; // unresolvable: only the same string is the same host
      }
    });
  }

  @Override
  public void close() {
    worker.shutdownNow();
    try {
      worker.awaitTermination(3, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
