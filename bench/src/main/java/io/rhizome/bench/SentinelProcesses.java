package io.rhizome.bench;

import static io.rhizome.testsupport.LoopbackPorts.freePort;

import io.rhizome.store.PeerAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Three (or N) sentinel JVMs started from the runnable jar, as a user would run them. */
final class SentinelProcesses implements AutoCloseable {
  private final Path jar;
  private final Path dir;
  private final List<String> jvmOptions;
  /** Flags every sentinel gets besides its identity (e.g. --election-timeout). */
  private final List<String> extraArgs;
  private final List<PeerAddress> peers = new ArrayList<>();
  private final Map<String, Process> running = new LinkedHashMap<>();

  SentinelProcesses(Path jar, Path dir, int count, List<String> jvmOptions) throws IOException {
    this(jar, dir, count, jvmOptions, List.of());
  }

  SentinelProcesses(Path jar, Path dir, int count, List<String> jvmOptions, List<String> extraArgs) throws IOException {
    this.jar = jar;
    this.dir = dir;
    this.jvmOptions = jvmOptions;
    this.extraArgs = List.copyOf(extraArgs);
    for (int i = 1; i <= count; i++) {
      peers.add(new PeerAddress("s" + i, "127.0.0.1", freePort()));
    }
  }

  List<PeerAddress> peers() {
    return peers;
  }

  void startAll() throws IOException {
    for (PeerAddress p : peers) {
      start(p.id());
    }
  }

  void start(String id) throws IOException {
    String peerList = peers.stream().map(PeerAddress::toString).collect(Collectors.joining(","));
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-jar", jar.toString(), "sentinel", "--cluster-name", "bench", "--id", id,
        "--data-dir", dir.resolve(id).toString(), "--peers", peerList));
    cmd.addAll(extraArgs);
    Files.createDirectories(dir);
    Process p = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(id + ".log").toFile()))
        .start();
    running.put(id, p);
  }

  /** SIGKILL: the JVM gets no chance to clean up, as when a host dies. */
  void kill(String id) throws InterruptedException {
    Process p = running.remove(id);
    if (p != null) {
      p.destroyForcibly();
      p.waitFor();
    }
  }

  /** Resident memory of a running sentinel, from /proc (Linux). */
  long rssKib(String id) throws IOException {
    Process p = running.get(id);
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  /** The sentinel's JVM, while it runs. */
  java.util.Optional<ProcessHandle> process(String id) {
    Process p = running.get(id);
    return p == null || !p.isAlive() ? java.util.Optional.empty() : java.util.Optional.of(p.toHandle());
  }

  List<String> runningIds() {
    return new ArrayList<>(running.keySet());
  }

  @Override
  public void close() {
    for (Process p : running.values()) {
      p.destroy();
    }
    for (Process p : running.values()) {
      try {
        if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    running.clear();
  }
}
