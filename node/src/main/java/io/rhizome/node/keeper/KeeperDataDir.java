package io.rhizome.node.keeper;

import io.rhizome.node.common.DataDirLock;
import io.rhizome.node.common.PropertiesFiles;
import io.rhizome.node.common.RefusedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A keeper's data dir: {@code keeper.lock}, {@code keeper.properties} (which cluster and keeper it
 * belongs to), {@code dbstate.properties} (the db PGDATA holds), {@code postgres/} (PGDATA),
 * {@code postgresql.log} (the server's log) and {@code run/} (its unix socket).
 */
final class KeeperDataDir {
  static final String IDENTITY_FILE = "keeper.properties";
  static final String DB_STATE_FILE = "dbstate.properties";
  private final Path dir;

  KeeperDataDir(Path dir) {
    this.dir = dir.toAbsolutePath();
  }

  Path dir() {
    return dir;
  }

  Path pgData() {
    return dir.resolve("postgres");
  }

  Path serverLog() {
    return dir.resolve("postgresql.log");
  }

  /** Passwords for primary_conninfo, pg_basebackup and pg_rewind (mode 0600). */
  Path passFile() {
    return dir.resolve("pgpass");
  }

  Path socketDir() {
    return dir.resolve("run");
  }

  /**
   * Locks the dir and checks it belongs to this keeper, if it exists; null when it does not.
   * Nothing is created, so a start refused after this leaves no trace.
   */
  DataDirLock lockIfExists(String clusterName, String keeperId) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new RefusedException("--data-dir " + dir + " is a file, not a directory");
    }
    if (!Files.isDirectory(dir)) {
      return null;
    }
    DataDirLock lock = DataDirLock.acquire(dir.resolve("keeper.lock"), "keeper");
    try {
      Path identity = dir.resolve(IDENTITY_FILE);
      if (Files.exists(identity)) {
        checkIdentity(clusterName, keeperId);
      }
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
    return lock;
  }

  /** Creates the dir and locks it; refuses one that belongs to another keeper or cluster. */
  DataDirLock open(String clusterName, String keeperId) {
    return open(clusterName, keeperId, null);
  }

  /** As {@link #open(String, String)}, keeping {@code held} (from {@link #lockIfExists}) when given. */
  DataDirLock open(String clusterName, String keeperId, DataDirLock held) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new RefusedException("--data-dir " + dir + " is a file, not a directory");
    }
    try {
      Files.createDirectories(dir);
      Files.createDirectories(socketDir());
    } catch (IOException e) {
      throw new RefusedException("cannot create --data-dir " + dir + ": " + e.getMessage(), e);
    }
    DataDirLock lock = held != null ? held : DataDirLock.acquire(dir.resolve("keeper.lock"), "keeper");
    try {
      checkIdentity(clusterName, keeperId);
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
    return lock;
  }

  private void checkIdentity(String clusterName, String keeperId) {
    Path identity = dir.resolve(IDENTITY_FILE);
    if (Files.exists(identity)) {
      Properties p = PropertiesFiles.read(identity);
      String theirCluster = p.getProperty("cluster-name");
      String theirId = p.getProperty("id");
      if (!clusterName.equals(theirCluster)) {
        throw new RefusedException("data dir " + dir + " belongs to cluster '" + theirCluster
            + "', not '" + clusterName + "'; use the right --cluster-name or another --data-dir");
      }
      if (!keeperId.equals(theirId)) {
        throw new RefusedException("data dir " + dir + " belongs to keeper '" + theirId
            + "', not '" + keeperId + "'; use --id " + theirId + " or another --data-dir");
      }
      return;
    }
    Properties p = new Properties();
    p.setProperty("cluster-name", clusterName);
    p.setProperty("id", keeperId);
    PropertiesFiles.write(identity, p, "Rhizome keeper identity: do not edit");
  }

  LocalDbState readDbState() {
    Path file = dir.resolve(DB_STATE_FILE);
    if (!Files.exists(file)) {
      return LocalDbState.EMPTY;
    }
    Properties p = PropertiesFiles.read(file);
    return new LocalDbState(
        p.getProperty("cluster-uid", ""),
        p.getProperty("db-uid", ""),
        Long.parseLong(p.getProperty("generation", "0")),
        Boolean.parseBoolean(p.getProperty("initializing", "false")),
        Long.parseLong(p.getProperty("restart-done", "0")),
        Long.parseLong(p.getProperty("fail-interval-ms", "0")));
  }

  void writeDbState(LocalDbState s) {
    Properties p = new Properties();
    p.setProperty("cluster-uid", s.clusterUid());
    p.setProperty("db-uid", s.dbUid());
    p.setProperty("generation", Long.toString(s.generation()));
    p.setProperty("initializing", Boolean.toString(s.initializing()));
    p.setProperty("restart-done", Long.toString(s.restartDone()));
    p.setProperty("fail-interval-ms", Long.toString(s.failIntervalMillis()));
    PropertiesFiles.write(dir.resolve(DB_STATE_FILE), p, "The db this keeper's PGDATA holds: do not edit");
  }
}
