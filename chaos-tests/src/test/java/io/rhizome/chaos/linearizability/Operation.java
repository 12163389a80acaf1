package io.rhizome.chaos.linearizability;

/**
 * One client operation on one key of the store, as the client saw it.
 *
 * <p>Register values are strings; {@code null} stands for "the key is absent". Every value written
 * to a key must be unique within a history: the model identifies a write by its value, which is
 * what makes a compare-and-set on the mod revision read together with a value equivalent to a
 * compare-and-set on that value.
 *
 * @param id position in the history, for messages
 * @param process the client (thread) that issued it, for messages
 * @param kind read, write or compare-and-set
 * @param expected CAS only: the value the client expects the key to hold
 * @param value WRITE and CAS: the value written
 * @param observed READ: the value read; refused CAS: the value the store compared against
 * @param outcome what the client learned
 * @param invokeNanos {@link System#nanoTime()} before the call
 * @param completeNanos {@link System#nanoTime()} after the reply; {@link Long#MAX_VALUE} when the
 *     outcome is unknown (the operation may take effect at any time after its invocation)
 */
public record Operation(
    int id,
    int process,
    String key,
    Kind kind,
    String expected,
    String value,
    String observed,
    Outcome outcome,
    long invokeNanos,
    long completeNanos) {

  public enum Kind { READ, WRITE, CAS }

  public enum Outcome {
    /** Took effect, with the recorded result. */
    OK,
    /** Definitely did not take effect; a refused CAS also says what it compared against. */
    FAIL,
    /** The call threw: it may have taken effect at any time after its invocation, or never. */
    UNKNOWN
  }

  public Operation {
    if (outcome == Outcome.UNKNOWN) {
      completeNanos = Long.MAX_VALUE;
    } else if (completeNanos < invokeNanos) {
      throw new IllegalArgumentException("operation " + id + " completes before it is invoked");
    }
  }

  /** Whether this operation writes a value when it takes effect. */
  public boolean mutates() {
    return kind != Kind.READ;
  }

  /** One line for a person: who did what, what came back, when (relative to {@code origin}). */
  public String describe(long originNanos) {
    String call = switch (kind) {
      case READ -> "read -> " + show(observed);
      case WRITE -> "write " + show(value);
      case CAS -> "cas " + show(expected) + " -> " + show(value)
          + (outcome == Outcome.FAIL ? " refused, current " + show(observed) : "");
    };
    String end = completeNanos == Long.MAX_VALUE ? "..." : millis(completeNanos - originNanos);
    return "#" + id + " p" + process + " " + call + " " + outcome.name().toLowerCase()
        + " [" + millis(invokeNanos - originNanos) + " .. " + end + " ms]";
  }

  static String show(String registerValue) {
    return registerValue == null ? "absent" : "\"" + registerValue + "\"";
  }

  private static String millis(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.3f", nanos / 1e6);
  }
}
