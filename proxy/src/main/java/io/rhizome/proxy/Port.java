package io.rhizome.proxy;

/** Which listening port a client came in on: it decides where the client may go. */
public enum Port {
  /** {@code --port}: the master only. */
  MASTER,
  /** {@code --read-only-port}: a healthy standby, else the master unless strict. */
  READ_ONLY
}
