package io.rhizome.chaos;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code rhizome demo} in its own JVM, owned by a test: its output collected line by line, the
 * processes it reports (demo.pids) readable, and everything it started killed at close if it did
 * not stop them itself.
 */
final class DemoProcess implements AutoCloseable {
  private final Path dir;
  private final Process process;
  private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Long> seenPids = new LinkedHashMap<>();

  private DemoProcess(Path dir, Process process) {
    this.dir = dir;
    this.process = process;
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
          System.out.println("[demo] " + line);
        }
      } catch (IOException e) {
        // the demo is gone
      }
    }, "demo-output");
    reader.setDaemon(true);
    reader.start();
  }

  static DemoProcess start(Path dir, int basePort, String... more) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    // the demo hands its JVM options to its six daemons: those of bin/rhizome, as a user runs it
    command.addAll(io.rhizome.testsupport.DaemonJvmOptions.get());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), DaemonProcess.MAIN_CLASS,
        "demo", "--dir", dir.toString(), "--base-port", Integer.toString(basePort)));
    command.addAll(List.of(more));
    return new DemoProcess(dir, new ProcessBuilder(command).redirectErrorStream(true).start());
  }

  String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** demo.pids: {@code NAME PID} per line; every pid ever read is remembered for {@link #close()}. */
  synchronized Map<String, Long> pids() throws IOException {
    Map<String, Long> pids = new LinkedHashMap<>();
    for (String line : Files.readAllLines(dir.resolve("demo.pids"))) {
      String[] f = line.trim().split(" ");
      if (f.length == 2) {
        pids.put(f[0], Long.parseLong(f[1]));
      }
    }
    seenPids.putAll(pids);
    return pids;
  }

  /** Sends a signal (TERM, INT) and returns the exit code, or -1 if it is still running after the wait. */
  int signalAndWait(String signal, long seconds) throws Exception {
    new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
    return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
  }

  @Override
  public synchronized void close() throws Exception {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
    if (Files.exists(dir.resolve("demo.pids"))) {
      pids();
    }
    // the demo's daemons run in their own sessions: if it could not stop them, the test does
    for (long pid : seenPids.values()) {
      ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(ProcessHandle::destroyForcibly);
    }
  }
}
