package io.rhizome.store;

/** No majority of sentinels answered within the request timeout. */
public final class NoQuorumException extends StoreException {
  public NoQuorumException(String message, Throwable cause) {
    super(message, cause);
  }
}
