package io.rhizome.chaos;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * The write workload as a process of its own, for clients that must run on a host of the
 * network-namespace test bed (the test JVM cannot reach those addresses). Every record goes to a
 * file as one line ({@link WriteRecordLine}) within about 100 ms of being made, so the test can
 * follow progress; SIGTERM stops the clients, writes what is left and a last line {@code END}.
 * Records carry {@link System#nanoTime()}, the machine's monotonic clock, which every process on
 * it shares: the test's fault times and these records are on one clock.
 *
 * <p>Arguments: host port password clients pauseMillis firstId recordFile
 */
public final class WriterMain {
  private WriterMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 7) {
      System.err.println("usage: WriterMain host port password clients pauseMillis firstId recordFile");
      System.exit(2);
    }
    java.util.logging.Logger.getLogger("org.postgresql").setLevel(java.util.logging.Level.OFF);
    WriteWorkload w = new WriteWorkload(args[0], Integer.parseInt(args[1]), args[2], Integer.parseInt(args[3]),
        Duration.ofMillis(Long.parseLong(args[4])), Long.parseLong(args[5]));
    RecordFile file = new RecordFile(Path.of(args[6]));
    Thread streamer = new Thread(() -> {
      try {
        while (!Thread.currentThread().isInterrupted()) {
          file.append(w);
          Thread.sleep(100);
        }
      } catch (InterruptedException e) {
        // stopping: the hook writes the rest
      }
    }, "writer-stream");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        w.stop();
        streamer.interrupt();
        streamer.join(5_000);
        file.append(w);
        file.end();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "writer-finish"));
    streamer.start();
    w.start(Duration.ofMinutes(2));
    streamer.join();
  }

  /** The record file: lines appended in order, each record once. */
  private static final class RecordFile {
    private final Path path;
    private int written;

    RecordFile(Path path) {
      this.path = path;
    }

    synchronized void append(WriteWorkload w) {
      var more = w.recordsFrom(written);
      StringBuilder text = new StringBuilder();
      for (WriteRecord r : more) {
        text.append(WriteRecordLine.format(r)).append('\n');
      }
      write(text.toString());
      written += more.size();
    }

    synchronized void end() {
      write("END\n");
    }

    private void write(String text) {
      if (text.isEmpty()) {
        return;
      }
      try (BufferedWriter out = Files.newBufferedWriter(path, StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
        out.write(text);
      } catch (IOException e) {
        System.err.println("writer: cannot write " + path + ": " + e);
      }
    }
  }
}
