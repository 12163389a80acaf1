package io.rhizome.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Keeper and proxy JVMs started from the runnable jar, owned by a benchmark: only their PIDs are signalled. */
final class DaemonSet implements AutoCloseable {
  private final Path jar;
  private final Path dir;
  private final List<String> jvmOptions;
  private final Map<String, List<String>> args = new LinkedHashMap<>();
  private final Map<String, Process> running = new LinkedHashMap<>();

  DaemonSet(Path jar, Path dir, List<String> jvmOptions) {
    this.jar = jar;
    this.dir = dir;
    this.jvmOptions = jvmOptions;
  }

  void keeper(String id, String endpoints, int pgPort, Path su, Path repl) throws IOException {
    start(id, List.of("keeper", "--cluster-name", FailoverBench.CLUSTER, "--id", id,
        "--data-dir", dir.resolve(id).toString(), "--store-endpoints", endpoints,
        "--pg-listen-address", "127.0.0.1", "--pg-port", Integer.toString(pgPort),
        "--pg-su-username", "postgres", "--pg-su-passwordfile", su.toString(),
        "--pg-repl-passwordfile", repl.toString()));
  }

  void proxy(String endpoints, int port) throws IOException {
    start("proxy", List.of("proxy", "--cluster-name", FailoverBench.CLUSTER, "--id", "p1",
        "--store-endpoints", endpoints, "--listen-address", "127.0.0.1", "--port", Integer.toString(port)));
  }

  private void start(String name, List<String> programArgs) throws IOException {
    args.put(name, programArgs);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(programArgs);
    Files.createDirectories(dir);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile())).start();
    running.put(name, p);
  }

  /** kill -9 of the keeper JVM and of its PostgreSQL postmaster: a host dying. */
  void killKeeperAndPostgres(String id) throws InterruptedException {
    long pg = postmasterPid(id);
    Process keeper = running.remove(id);
    if (keeper != null) {
      keeper.destroyForcibly();
    }
    if (pg != 0) {
      ProcessHandle.of(pg).ifPresent(ProcessHandle::destroyForcibly);
    }
    if (keeper != null) {
      keeper.waitFor();
    }
  }

  /** The daemon's JVM, while it runs. */
  java.util.Optional<ProcessHandle> process(String name) {
    Process p = running.get(name);
    return p == null || !p.isAlive() ? java.util.Optional.empty() : java.util.Optional.of(p.toHandle());
  }

  void restartKeeper(String id) throws IOException {
    start(id, args.get(id));
  }

  long postmasterPid(String keeperId) {
    try {
      Path pidFile = dir.resolve(keeperId).resolve("postgres").resolve("postmaster.pid");
      long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? pid : 0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : running.values()) {
      p.destroy();
    }
    for (Process p : running.values()) {
      if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    // a keeper killed last leaves its PostgreSQL running: stop it
    for (String id : args.keySet()) {
      long pg = postmasterPid(id);
      if (pg != 0) {
        ProcessHandle.of(pg).ifPresent(ProcessHandle::destroy);
      }
    }
  }
}
