package io.rhizome.node.controller;

import io.rhizome.cluster.Durations;
import io.rhizome.cluster.EffectiveSpec;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.HbaLines;

/** The parts of every db's spec that come from the cluster spec (stolon copies them the same way). */
final class DbSpecs {
  private DbSpecs() {}

  static DbSpec.Builder fromCluster(DbSpec.Builder db, ClusterSpec cluster) {
    EffectiveSpec s = EffectiveSpec.of(cluster);
    db.setMaxStandbys(s.maxStandbys())
        .setAdditionalWalSenders(s.additionalWalSenders())
        .clearAdditionalReplicationSlots().addAllAdditionalReplicationSlots(s.additionalMasterReplicationSlots())
        .setSynchronousReplication(s.synchronousReplication())
        .setUsePgrewind(s.usePgrewind())
        .setAutomaticPgRestart(s.automaticPgRestart())
        .setRequestTimeout(Durations.toProto(s.requestTimeout()))
        .clearPgParameters().putAllPgParameters(s.pgParameters())
        .setNewConfig(cluster.getNewConfig());
    if (s.pgHba().isPresent()) {
      db.setPgHba(HbaLines.newBuilder().addAllLines(s.pgHba().get()));
    } else {
      db.clearPgHba();
    }
    if (!s.synchronousReplication()) {
      db.clearSynchronousStandbys().clearExternalSynchronousStandbys();
    }
    return db;
  }
}
