package io.rhizome.store;

import com.google.protobuf.MessageLite;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/** Our protobuf messages to and from Ratis messages (Ratis uses its own shaded protobuf). */
final class Messages {
  private Messages() {}

  static Message of(MessageLite message) {
    // wraps without copying; the array is never touched again
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(message.toByteArray()));
  }
}
