package io.rhizome.chaos.linearizability;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Generates histories of a correct (atomic) store for testing the checker: each operation takes
 * effect at one instant strictly between its invocation and completion, so every generated history
 * is linearizable. Some writes end unknown, having taken effect or not.
 */
final class SimulatedRegisters {
  private enum Phase { IDLE, INVOKED, APPLIED }

  private static final class Client {
    Phase phase = Phase.IDLE;
    Operation.Kind kind;
    String key;
    String expected;
    String value;
    String observed;
    boolean refused;
    long invoke;
    final Map<String, String> lastSeen = new HashMap<>();
  }

  private final Random random;
  private final int keys;
  private final double unknownRate;

  SimulatedRegisters(long seed, int keys, double unknownRate) {
    this.random = new Random(seed);
    this.keys = keys;
    this.unknownRate = unknownRate;
  }

  /**
   * {@code operations} completed or abandoned operations by {@code clients} concurrent clients;
   * when {@code corruptRead >= 0}, the first read recorded from that position on reports a value
   * nobody wrote.
   */
  History generate(int clients, int operations, int corruptRead) {
    History h = new History();
    Map<String, String> registers = new HashMap<>();
    Client[] cs = new Client[clients];
    Arrays.setAll(cs, i -> new Client());
    long now = 0;
    int written = 0;
    while (h.size() < operations) {
      now++;
      int p = random.nextInt(clients);
      Client c = cs[p];
      switch (c.phase) {
        case IDLE -> {
          invoke(c, written++);
          c.invoke = now;
          c.phase = Phase.INVOKED;
        }
        case INVOKED -> {
          if (c.kind != Operation.Kind.READ && random.nextDouble() < unknownRate) {
            record(h, p, c, now, true); // timed out and never took effect
            c.phase = Phase.IDLE;
          } else {
            apply(c, registers);
            c.phase = Phase.APPLIED;
          }
        }
        case APPLIED -> {
          boolean lost = c.kind != Operation.Kind.READ && random.nextDouble() < unknownRate;
          if (c.kind == Operation.Kind.READ && corruptRead >= 0 && h.size() >= corruptRead) {
            c.observed = "nobody wrote this";
            corruptRead = -1;
          }
          record(h, p, c, now, lost); // took effect, the reply may be lost
          c.phase = Phase.IDLE;
        }
      }
    }
    for (int p = 0; p < clients; p++) {
      if (cs[p].phase != Phase.IDLE && cs[p].kind != Operation.Kind.READ) {
        record(h, p, cs[p], now, true); // still running when the history ends
      }
    }
    return h;
  }

  private void invoke(Client c, int serial) {
    c.key = "k" + random.nextInt(keys);
    int dice = random.nextInt(3);
    c.kind = dice == 0 ? Operation.Kind.READ : dice == 1 ? Operation.Kind.WRITE : Operation.Kind.CAS;
    c.value = "v" + serial;
    c.expected = c.lastSeen.get(c.key);
  }

  private static void apply(Client c, Map<String, String> registers) {
    String current = registers.get(c.key);
    switch (c.kind) {
      case READ -> c.observed = current;
      case WRITE -> registers.put(c.key, c.value);
      case CAS -> {
        c.refused = !java.util.Objects.equals(current, c.expected);
        if (c.refused) {
          c.observed = current;
        } else {
          registers.put(c.key, c.value);
        }
      }
    }
    c.lastSeen.put(c.key, c.refused && c.kind == Operation.Kind.CAS ? current
        : c.kind == Operation.Kind.READ ? current : c.value);
  }

  private static void record(History h, int p, Client c, long now, boolean unknown) {
    switch (c.kind) {
      case READ -> h.read(p, c.key, c.observed, c.invoke, now);
      case WRITE -> {
        if (unknown) {
          h.writeUnknown(p, c.key, c.value, c.invoke);
        } else {
          h.write(p, c.key, c.value, c.invoke, now);
        }
      }
      case CAS -> {
        if (unknown) {
          h.casUnknown(p, c.key, c.expected, c.value, c.invoke);
        } else if (c.refused) {
          h.casRefused(p, c.key, c.expected, c.value, c.observed, c.invoke, now);
        } else {
          h.cas(p, c.key, c.expected, c.value, c.invoke, now);
        }
      }
    }
    c.refused = false;
  }
}
