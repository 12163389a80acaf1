package io.rhizome.chaos;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The write workload as a process ({@link WriterMain}) in one host of a {@link HostBed}: the
 * test's JVM cannot reach the bed's addresses, the writer can. It streams its records to a file
 * on the shared disk, which this class reads; both use the machine's monotonic clock, so the
 * records compare with the test's own fault times.
 */
final class HostWriter implements AutoCloseable {
  private static final Duration END_WAIT = Duration.ofSeconds(30);

  private final HostProcess process;
  private final Path records;
  private final List<WriteRecord> parsed = new ArrayList<>();
  private long offset;
  private boolean ended;

  private HostWriter(HostProcess process, Path records) {
    this.process = process;
    this.records = records;
  }

  /**
   * Starts {@code clients} clients in {@code host} writing to {@code address:port} (the proxy),
   * pausing {@code pause} between one client's transactions; ids start at {@code firstId}.
   */
  static HostWriter start(HostBed bed, int host, String address, int port, String password, int clients,
      Duration pause, long firstId, Path dir, String name) throws IOException {
    Path file = dir.resolve(name + ".records");
    List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), WriterMain.class.getName(),
        address, Integer.toString(port), password, Integer.toString(clients), Long.toString(pause.toMillis()),
        Long.toString(firstId), file.toString()));
    return new HostWriter(bed.start(host, name, command, dir.resolve(name + ".log")), file);
  }

  /** Every record streamed so far (the writer appends whole lines every 100 ms). */
  synchronized List<WriteRecord> records() {
    readMore();
    return List.copyOf(parsed);
  }

  /** Acknowledged writes that started after {@code nanos} (a {@link System#nanoTime()} instant). */
  long ackedSince(long nanos) {
    return records().stream()
        .filter(r -> r.outcome() == WriteRecord.Outcome.ACK && r.startNanos() > nanos).count();
  }

  /** Stops the clients (SIGTERM: the writer finishes its file) and returns every record. */
  List<WriteRecord> stop() throws InterruptedException {
    if (!process.isAlive()) {
      // killed with its host (a power-off): what it streamed before is all there is
      return records();
    }
    process.terminate();
    try {
      await("the writer's last records").atMost(END_WAIT).pollInterval(Duration.ofMillis(100))
          .until(this::ended);
    } catch (ConditionTimeoutException e) {
      System.out.println("chaos: the writer ended without its END line (killed?); judging what it streamed");
    }
    return records();
  }

  private synchronized boolean ended() {
    readMore();
    return ended;
  }

  /**
   * Parses the lines appended since the last read, up to the last newline: a line being
   * appended is not complete yet.
   */
  private void readMore() {
    try (FileChannel in = FileChannel.open(records, StandardOpenOption.READ)) {
      long size = in.size();
      if (size <= offset) {
        return;
      }
      ByteBuffer buf = ByteBuffer.allocate((int) (size - offset));
      while (buf.hasRemaining() && in.read(buf, offset + buf.position()) > 0) {
        // read to the size seen
      }
      String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
      int end = text.lastIndexOf('\n');
      if (end < 0) {
        return;
      }
      for (String line : text.substring(0, end).split("\n")) {
        if (line.equals("END")) {
          ended = true;
        } else if (!line.isEmpty()) {
          parsed.add(WriteRecordLine.parse(line));
        }
      }
      offset += text.substring(0, end + 1).getBytes(StandardCharsets.UTF_8).length;
    } catch (NoSuchFileException e) {
      // nothing written yet
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + records, e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.terminate();
    }
  }
}
