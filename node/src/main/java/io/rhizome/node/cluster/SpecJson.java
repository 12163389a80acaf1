package io.rhizome.node.cluster;

import com.google.gson.JsonObject;
import io.rhizome.proto.cluster.ClusterSpec;
import java.util.List;

/**
 * The cluster spec as JSON in stolon's format (field names, Go duration strings), so a stolon
 * spec file works unchanged where the feature exists. Pure: text in, text or protobuf out.
 */
public final class SpecJson {
  private SpecJson() {}

  /**
   * Parses and validates a spec document.
   *
   * @throws InvalidSpecException with one sentence per problem: bad JSON, an unknown or
   *     unsupported field, a value of the wrong kind, or a rule of {@link #validate} broken
   */
  public static ClusterSpec parse(String json) {
    ClusterSpec spec = read(JsonText.parseObject(json, "the spec"));
    List<String> problems = validate(spec);
    if (!problems.isEmpty()) {
      throw new InvalidSpecException(problems);
    }
    return spec;
  }

  private static ClusterSpec read(JsonObject document) {
    SpecReader reader = new SpecReader();
    ClusterSpec spec = reader.read(document);
    // rules over the whole spec would only repeat these problems in other words
    if (!reader.problems().isEmpty()) {
      throw new InvalidSpecException(reader.problems());
    }
    return spec;
  }

  /** The problems of a spec (empty when it is valid), judged with its defaults filled in, as stolon does. */
  public static List<String> validate(ClusterSpec spec) {
    return SpecRules.validate(spec);
  }

  /**
   * What forbids replacing {@code old} with {@code next} in a running cluster (empty when nothing
   * does): initMode cannot change, and the role cannot go from master to standby.
   */
  public static List<String> validateUpdate(ClusterSpec old, ClusterSpec next) {
    return SpecRules.validateUpdate(old, next);
  }

  /** The fields that are set, as indented JSON with stolon's names. */
  public static String print(ClusterSpec spec) {
    return JsonText.pretty(SpecWriter.setFields(spec));
  }

  /** Every field, the defaults filled in (what the cluster actually runs with). */
  public static String printWithDefaults(ClusterSpec spec) {
    return JsonText.pretty(SpecWriter.withDefaults(spec));
  }

  /**
   * RFC 7386 JSON merge patch of one JSON object document by another: keys merge, null removes.
   *
   * @throws InvalidSpecException when either is not a JSON object
   */
  public static String mergePatch(String document, String patch) {
    return JsonText.pretty(JsonText.mergePatch(
        JsonText.parseObject(document, "the spec"), JsonText.parseObject(patch, "the patch")));
  }

  /**
   * {@code current} with a merge patch applied, parsed and validated ({@link #validateUpdate}
   * is the caller's: it depends on what is running).
   */
  public static ClusterSpec patch(ClusterSpec current, String patch) {
    JsonObject patchObject = JsonText.parseObject(patch, "the patch");
    return parse(JsonText.pretty(JsonText.mergePatch(SpecWriter.setFields(current), patchObject)));
  }
}
