package io.rhizome.chaos;

import io.rhizome.chaos.WriteRecord.Outcome;
import io.rhizome.chaos.WriteRecord.Server;

/** One {@link WriteRecord} as a line of text and back: how a writer process hands its records over. */
final class WriteRecordLine {
  private WriteRecordLine() {}

  /** {@code id client OUTCOME start end [port systemId timeline lsn]}, space-separated. */
  static String format(WriteRecord r) {
    String line = r.id() + " " + r.client() + " " + r.outcome() + " " + r.startNanos() + " " + r.endNanos();
    Server s = r.server();
    return s == null ? line : line + " " + s.port() + " " + s.systemId() + " " + s.timeline() + " " + s.lsn();
  }

  static WriteRecord parse(String line) {
    String[] f = line.trim().split(" ");
    if (f.length != 5 && f.length != 9) {
      throw new IllegalArgumentException("not a write record: '" + line + "'");
    }
    Server s = f.length == 9
        ? new Server(Integer.parseInt(f[5]), Long.parseLong(f[6]), Integer.parseInt(f[7]), Long.parseLong(f[8]))
        : null;
    return new WriteRecord(Long.parseLong(f[0]), Integer.parseInt(f[1]), Outcome.valueOf(f[2]),
        Long.parseLong(f[3]), Long.parseLong(f[4]), s);
  }
}
