package io.rhizome.node.keeper;

/**
 * Names of the replication slots the keeper manages. The prefix marks them as ours: slots made
 * by anyone else (logical decoding, backup tools) are never dropped.
 */
final class SlotNames {
  static final String PREFIX = "rhizome_";

  private SlotNames() {}

  static String forDb(String dbUid) {
    return PREFIX + dbUid.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
  }

  static boolean isManaged(String slot) {
    return slot.startsWith(PREFIX);
  }
}
