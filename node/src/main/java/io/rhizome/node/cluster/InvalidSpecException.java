package io.rhizome.node.cluster;

import java.util.List;

/** A cluster spec that cannot be used: one sentence per problem, each naming the field and the fix. */
public final class InvalidSpecException extends IllegalArgumentException {
  private final List<String> problems;

  public InvalidSpecException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public InvalidSpecException(String problem) {
    this(List.of(problem));
  }

  public List<String> problems() {
    return problems;
  }
}
