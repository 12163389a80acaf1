package io.rhizome.node.keeper;

/**
 * Names of the replication slots the keeper manages. The prefix marks them as ours: slots made
 * by anyone else (logical decoding, backup tools) are never dropped.
 */
public final class SlotNames {
  public static final String PREFIX = "rhizome_";

  private SlotNames() {}

  public static String forDb(String dbUid) {
    return PREFIX + dbUid.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
  }

  public static boolean isManaged(String slot) {
    return slot.startsWith(PREFIX);
  }
}
