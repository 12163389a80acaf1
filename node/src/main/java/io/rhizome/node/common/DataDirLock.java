package io.rhizome.node.common;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive OS lock on a file in a daemon's data dir: two daemons on one data dir would
 * corrupt it. Released when closed or when the process dies (kill -9 included).
 */
public final class DataDirLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** @throws RefusedException when another process holds it */
  public static DataDirLock acquire(Path lockFile, String what) {
    try {
      FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null;
      }
      if (l == null) {
        ch.close();
        throw new RefusedException("data dir " + lockFile.getParent() + " is in use by another "
            + what + " (lock held on " + lockFile + "); stop it or use another --data-dir");
      }
      return new DataDirLock(ch, l);
    } catch (IOException e) {
      throw new RefusedException("cannot lock " + lockFile + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException ignored) {
      // the process is ending: the OS drops the lock anyway
    }
  }
}
