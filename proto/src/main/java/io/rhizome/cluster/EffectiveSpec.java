package io.rhizome.cluster;

import io.rhizome.proto.cluster.ClusterRole;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.InitMode;
import io.rhizome.proto.cluster.SelfFenceMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A cluster spec with every absent field replaced by its default (design §7). The stored spec
 * keeps only what the user set, so a default can improve in a later release without a migration.
 */
public record EffectiveSpec(
        Duration sleepInterval,
        Duration requestTimeout,
        Duration failInterval,
        Duration convergenceTimeout,
        Duration initTimeout,
        Duration syncTimeout,
        Duration dbWaitReadyTimeout,
        Duration deadKeeperRemovalInterval,
        Duration proxyCheckInterval,
        Duration proxyTimeout,
        int maxStandbys,
        int maxStandbysPerSender,
        long maxStandbyLag,
        boolean synchronousReplication,
        int minSynchronousStandbys,
        int maxSynchronousStandbys,
        int additionalWalSenders,
        List<String> additionalMasterReplicationSlots,
        boolean usePgrewind,
        InitMode initMode,
        ClusterRole role,
        Map<String, String> pgParameters,
        Optional<List<String>> pgHba,
        boolean automaticPgRestart,
        SelfFenceMode selfFenceMode,
        boolean commitLease) {

    public static final Duration DEFAULT_SLEEP_INTERVAL = Duration.ofMillis(500);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_FAIL_INTERVAL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_CONVERGENCE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_INIT_TIMEOUT = Duration.ofMinutes(5);
    /** 0 = wait for ever: a pg_basebackup of a large database takes as long as it takes. */
    public static final Duration DEFAULT_SYNC_TIMEOUT = Duration.ZERO;
    public static final Duration DEFAULT_DB_WAIT_READY_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_DEAD_KEEPER_REMOVAL_INTERVAL = Duration.ofHours(48);
    public static final Duration DEFAULT_PROXY_CHECK_INTERVAL = Duration.ofSeconds(1);
    /**
     * 3 s: a proxy fences itself this long (less 200 ms) after its last successful write, and a
     * sentinel election on a saturated host kept the store from answering for up to about 1.6 s
     * (docs/benchmarks.md, "Calm under load"); at 2 s a 0.5 s pause of the sentinel leader could
     * make a proxy drop every connection. A live proxy acknowledges a fence at once, so this
     * delays a failover only when a proxy died or was cut off together with the master.
     */
    public static final Duration DEFAULT_PROXY_TIMEOUT = Duration.ofSeconds(3);
    public static final int DEFAULT_MAX_STANDBYS = 20;
    public static final int DEFAULT_MAX_STANDBYS_PER_SENDER = 3;
    public static final long DEFAULT_MAX_STANDBY_LAG = 1024L * 1024L;
    public static final int DEFAULT_MIN_SYNCHRONOUS_STANDBYS = 1;
    public static final int DEFAULT_MAX_SYNCHRONOUS_STANDBYS = 1;
    public static final int DEFAULT_ADDITIONAL_WAL_SENDERS = 5;
    /**
     * On, unlike stolon: every data dir is initialised with checksums and the keeper has the
     * superuser password, so a returning old primary can nearly always be rewound in seconds
     * instead of copied again.
     */
    public static final boolean DEFAULT_USE_PG_REWIND = true;
    /**
     * On: without it, a master whose keeper is frozen, hung or dead can acknowledge a commit from
     * a client connected to it directly after another master was promoted (docs/keeper.md).
     */
    public static final boolean DEFAULT_COMMIT_LEASE = true;

    public static EffectiveSpec of(ClusterSpec s) {
        return new EffectiveSpec(
                duration(s.hasSleepInterval(), s.getSleepInterval(), DEFAULT_SLEEP_INTERVAL),
                duration(s.hasRequestTimeout(), s.getRequestTimeout(), DEFAULT_REQUEST_TIMEOUT),
                duration(s.hasFailInterval(), s.getFailInterval(), DEFAULT_FAIL_INTERVAL),
                duration(s.hasConvergenceTimeout(), s.getConvergenceTimeout(), DEFAULT_CONVERGENCE_TIMEOUT),
                duration(s.hasInitTimeout(), s.getInitTimeout(), DEFAULT_INIT_TIMEOUT),
                duration(s.hasSyncTimeout(), s.getSyncTimeout(), DEFAULT_SYNC_TIMEOUT),
                duration(s.hasDbWaitReadyTimeout(), s.getDbWaitReadyTimeout(), DEFAULT_DB_WAIT_READY_TIMEOUT),
                duration(s.hasDeadKeeperRemovalInterval(), s.getDeadKeeperRemovalInterval(),
                        DEFAULT_DEAD_KEEPER_REMOVAL_INTERVAL),
                duration(s.hasProxyCheckInterval(), s.getProxyCheckInterval(), DEFAULT_PROXY_CHECK_INTERVAL),
                duration(s.hasProxyTimeout(), s.getProxyTimeout(), DEFAULT_PROXY_TIMEOUT),
                s.hasMaxStandbys() ? s.getMaxStandbys() : DEFAULT_MAX_STANDBYS,
                s.hasMaxStandbysPerSender() ? s.getMaxStandbysPerSender() : DEFAULT_MAX_STANDBYS_PER_SENDER,
                s.hasMaxStandbyLag() ? s.getMaxStandbyLag() : DEFAULT_MAX_STANDBY_LAG,
                s.hasSynchronousReplication() && s.getSynchronousReplication(),
                s.hasMinSynchronousStandbys() ? s.getMinSynchronousStandbys() : DEFAULT_MIN_SYNCHRONOUS_STANDBYS,
                s.hasMaxSynchronousStandbys() ? s.getMaxSynchronousStandbys() : DEFAULT_MAX_SYNCHRONOUS_STANDBYS,
                s.hasAdditionalWalSenders() ? s.getAdditionalWalSenders() : DEFAULT_ADDITIONAL_WAL_SENDERS,
                List.copyOf(s.getAdditionalMasterReplicationSlotsList()),
                s.hasUsePgrewind() ? s.getUsePgrewind() : DEFAULT_USE_PG_REWIND,
                s.getInitMode(),
                s.getRole() == ClusterRole.CLUSTER_ROLE_UNSPECIFIED ? ClusterRole.CLUSTER_MASTER : s.getRole(),
                Map.copyOf(s.getPgParametersMap()),
                s.hasPgHba() ? Optional.of(List.copyOf(s.getPgHba().getLinesList())) : Optional.empty(),
                s.hasAutomaticPgRestart() && s.getAutomaticPgRestart(),
                s.getSelfFenceMode() == SelfFenceMode.SELF_FENCE_MODE_UNSPECIFIED
                        ? SelfFenceMode.STOP : s.getSelfFenceMode(),
                s.hasCommitLease() ? s.getCommitLease() : DEFAULT_COMMIT_LEASE);
    }

    /**
     * How long a master may go without the store before it acknowledges no more commits: less than
     * failInterval by a margin, so that it has stopped before its keeper's info key can expire and
     * the controller may promote another. This is the commit lease's term; without the lease,
     * PostgreSQL is stopped (or made read-only) at this point instead.
     */
    public Duration selfFenceAfter() {
        Duration margin = failInterval.dividedBy(4);
        if (margin.compareTo(sleepInterval) < 0) {
            margin = sleepInterval;
        }
        Duration d = failInterval.minus(margin);
        return d.isNegative() ? Duration.ZERO : d;
    }

    /**
     * How long a master's keeper may be cut off from the store before it stops PostgreSQL (or makes
     * it read-only, {@code selfFenceMode}), ending every session. Without the commit lease the stop
     * is the only fence for clients connected directly, and comes at {@link #selfFenceAfter()},
     * before the keeper's info key can expire. With the lease, commits already wait from
     * {@link #selfFenceAfter()} on, so no commit is acknowledged once another master may be
     * promoted; the stop then only ends reads and sessions, and waits half a failInterval beyond
     * the moment the key may expire: a sentinel election on a saturated host kept the store from
     * answering for up to about 1.6 s, and a stop there cost every session of a master nobody
     * replaced. A master cut off for real is stopped within about a second of the earliest
     * promotion (which itself takes a controller round and PostgreSQL's promotion).
     */
    public Duration selfFenceStopAfter() {
        return commitLease ? failInterval.plus(failInterval.dividedBy(2)) : selfFenceAfter();
    }

    private static Duration duration(boolean present, com.google.protobuf.Duration value, Duration fallback) {
        return present ? Durations.fromProto(value) : fallback;
    }
}
