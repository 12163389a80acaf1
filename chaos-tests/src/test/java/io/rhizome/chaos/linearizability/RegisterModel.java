package io.rhizome.chaos.linearizability;

import java.util.Optional;

/**
 * The sequential specification of one key: a register that starts absent. Pure: a state and an
 * operation in, the next state out (or empty when the operation cannot happen in that state).
 */
final class RegisterModel {

  /** What the key holds; {@code value == null} means absent. */
  record State(String value) {
    static final State ABSENT = new State(null);

    @Override
    public String toString() {
      return Operation.show(value);
    }
  }

  private RegisterModel() {}

  static State initial() {
    return State.ABSENT;
  }

  /** The state after {@code op} takes effect in {@code s}; empty if it could not have. */
  static Optional<State> step(State s, Operation op) {
    return switch (op.kind()) {
      case READ -> equal(s.value(), op.observed()) ? Optional.of(s) : Optional.empty();
      case WRITE -> Optional.of(new State(op.value()));
      case CAS -> op.outcome() == Operation.Outcome.FAIL
          // refused: the store saw something other than the expected value, namely `observed`
          ? (equal(s.value(), op.observed()) && !equal(s.value(), op.expected())
              ? Optional.of(s) : Optional.empty())
          : (equal(s.value(), op.expected()) ? Optional.of(new State(op.value())) : Optional.empty());
    };
  }

  private static boolean equal(String a, String b) {
    return a == null ? b == null : a.equals(b);
  }
}
