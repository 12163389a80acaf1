package io.rhizome.node.keeper;

import java.util.List;

/**
 * The keeper's decision for one round: the actions to run in order (the executor stops at the
 * first failure and the next round plans again from what it then sees), or why there are none.
 */
record Plan(List<Action> actions, String idleReason) {

  static Plan idle(String reason) {
    return new Plan(List.of(), reason);
  }

  static Plan of(List<Action> actions) {
    return actions.isEmpty() ? idle("nothing to do") : new Plan(List.copyOf(actions), "");
  }

  /** The sentence that describes this round: the first action's reason, else why it is idle. */
  String summary() {
    return actions.isEmpty() ? idleReason : actions.get(0).reason();
  }
}
