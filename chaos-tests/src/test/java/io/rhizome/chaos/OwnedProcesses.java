package io.rhizome.chaos;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a test started (sentinels, keepers, proxies, PostgreSQL), stopped in the reverse order
 * when it ends — keepers before the store they report to — and then the end of every daemon log
 * printed for whoever reads a failure. One that fails to stop does not keep the rest running.
 */
final class OwnedProcesses {
  private final List<AutoCloseable> started = new ArrayList<>();

  void add(AutoCloseable process) {
    started.add(process);
  }

  /** Stops all, newest first, prints the log tails under {@code logDir}, then throws the first failure. */
  void closeAndPrintLogs(Path logDir) throws Exception {
    Exception first = null;
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    started.clear();
    DaemonLogs.printTails(logDir);
    if (first != null) {
      throw first;
    }
  }
}
