package io.rhizome.node.sentinel;

import io.rhizome.node.common.DataDirLock;
import io.rhizome.node.common.RefusedException;
import io.rhizome.store.StoreGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A sentinel's data dir: {@code sentinel.lock}, {@code sentinel.properties} (which cluster and
 * sentinel id it belongs to) and {@code raft/} (the Ratis log and snapshots).
 *
 * <p>Checks run before anything is written, so a refused start leaves the dir as it was.
 */
final class SentinelDataDir {
  static final String IDENTITY_FILE = "sentinel.properties";
  private final Path dir;

  SentinelDataDir(Path dir) {
    this.dir = dir;
  }

  Path raftDir() {
    return dir.resolve("raft");
  }

  /** Refuses a dir that belongs to another sentinel, another cluster or another Raft group. */
  void checkBelongsTo(String clusterName, String id) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new RefusedException("--data-dir " + dir + " is a file, not a directory");
    }
    Path identity = dir.resolve(IDENTITY_FILE);
    if (Files.exists(identity)) {
      Properties p = read(identity);
      String theirCluster = p.getProperty("cluster-name");
      String theirId = p.getProperty("id");
      if (!clusterName.equals(theirCluster)) {
        throw new RefusedException("data dir " + dir + " belongs to cluster '" + theirCluster
            + "', not '" + clusterName + "'; use the right --cluster-name or another --data-dir");
      }
      if (!id.equals(theirId)) {
        throw new RefusedException("data dir " + dir + " belongs to sentinel '" + theirId
            + "', not '" + id + "'; use --id " + theirId + " or another --data-dir");
      }
    }
    Path raft = raftDir();
    if (Files.isDirectory(raft)) {
      String ours = StoreGroup.ID.getUuid().toString();
      try (Stream<Path> entries = Files.list(raft)) {
        entries.filter(Files::isDirectory)
            .map(e -> e.getFileName().toString())
            .filter(name -> !name.equals(ours))
            .findFirst()
            .ifPresent(other -> {
              throw new RefusedException("data dir " + dir + " holds another Raft group (" + other
                  + "), not a Rhizome store; use an empty --data-dir");
            });
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** True when this sentinel has never stored anything (a first start or a join). */
  boolean isNew() {
    return !Files.isDirectory(raftDir());
  }

  /** Locks the dir if it exists already (without creating it); null when it does not. */
  DataDirLock lockIfExists() {
    return Files.isDirectory(dir) ? DataDirLock.acquire(dir.resolve("sentinel.lock"), "sentinel") : null;
  }

  DataDirLock lock() {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new RefusedException("cannot create --data-dir " + dir + ": " + e.getMessage(), e);
    }
    return DataDirLock.acquire(dir.resolve("sentinel.lock"), "sentinel");
  }

  void recordIdentity(String clusterName, String id) {
    Properties p = new Properties();
    p.setProperty("cluster-name", clusterName);
    p.setProperty("id", id);
    Path tmp = dir.resolve(IDENTITY_FILE + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      p.store(out, "Rhizome sentinel identity: do not edit");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Files.move(tmp, dir.resolve(IDENTITY_FILE), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Properties read(Path file) {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    } catch (IOException e) {
      throw new RefusedException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return p;
  }
}
