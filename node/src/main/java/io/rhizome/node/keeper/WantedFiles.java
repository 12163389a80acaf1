package io.rhizome.node.keeper;

/**
 * The configuration files as they should be, rendered from the assignment.
 *
 * @param hbaGated pg_hba.conf while the restart gate is closed: only the keeper's own entries
 */
record WantedFiles(String conf, String hba, String hbaGated) {}
