package io.rhizome.node.cluster;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Strict JSON text in and out, on Gson's streaming reader (already on the classpath through
 * protobuf's JsonFormat). Strict because a spec is an operator's intent: a duplicate key or a
 * trailing comma is a mistake to point at, not to guess around.
 */
final class JsonText {
  private JsonText() {}

  /**
   * Parses one JSON object; numbers keep their exact text (as BigDecimal).
   *
   * @throws InvalidSpecException naming {@code what} when the text is not one JSON object
   */
  static JsonObject parseObject(String text, String what) {
    JsonReader r = new JsonReader(new StringReader(text == null ? "" : text));
    r.setLenient(false);
    try {
      if (r.peek() != JsonToken.BEGIN_OBJECT) {
        throw new InvalidSpecException(what + " must be a JSON object, e.g. {\"initMode\": \"new\"}");
      }
      // paths in messages read as the spec's own: spec.pgParameters.x, patch.failInterval
      JsonObject o = (JsonObject) read(r, what.replaceFirst("^the ", ""));
      if (!atEnd(r)) {
        throw new InvalidSpecException(what + " is not valid JSON: more text after the closing }");
      }
      return o;
    } catch (java.io.EOFException e) {
      throw new InvalidSpecException(what + " is not valid JSON: it ends too early"
          + (text == null || text.isBlank() ? " (it is empty)" : ""));
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      throw new InvalidSpecException(what + " is not valid JSON: " + tidy(e.getMessage()));
    }
  }

  private static boolean atEnd(JsonReader r) {
    try {
      return r.peek() == JsonToken.END_DOCUMENT;
    } catch (IOException e) {
      return false; // a strict reader refuses a second value outright
    }
  }

  private static JsonElement read(JsonReader r, String path) throws IOException {
    switch (r.peek()) {
      case BEGIN_OBJECT: {
        JsonObject o = new JsonObject();
        r.beginObject();
        while (r.hasNext()) {
          String name = r.nextName();
          if (o.has(name)) {
            throw new InvalidSpecException(path + "." + name + " is given twice");
          }
          o.add(name, read(r, path + "." + name));
        }
        r.endObject();
        return o;
      }
      case BEGIN_ARRAY: {
        JsonArray a = new JsonArray();
        r.beginArray();
        while (r.hasNext()) {
          a.add(read(r, path + "[" + a.size() + "]"));
        }
        r.endArray();
        return a;
      }
      case STRING:
        return new JsonPrimitive(r.nextString());
      case NUMBER:
        return new JsonPrimitive(new BigDecimal(r.nextString()));
      case BOOLEAN:
        return new JsonPrimitive(r.nextBoolean());
      case NULL:
        r.nextNull();
        return JsonNull.INSTANCE;
      default:
        throw new IOException("unexpected " + r.peek() + " at " + r.getPath());
    }
  }

  /** Gson suggests its lenient mode, which we never want; keep only the position. */
  private static String tidy(String message) {
    String m = message == null ? "syntax error" : message;
    return m.replace("Use JsonReader.setLenient(true) to accept malformed JSON at", "at")
        .replace("Use JsonReader.setLenient(true) to accept malformed JSON", "").trim();
  }

  /** Two-space indented JSON, keys in insertion order, no HTML escaping. */
  static String pretty(JsonElement e) {
    return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(e);
  }

  /**
   * RFC 7386 JSON merge patch: an object patch merges key by key, null removes a key, any other
   * value (arrays included) replaces. Returns a new element; the inputs are not changed.
   */
  static JsonElement mergePatch(JsonElement target, JsonElement patch) {
    if (!patch.isJsonObject()) {
      return patch.deepCopy();
    }
    JsonObject result = target != null && target.isJsonObject()
        ? target.getAsJsonObject().deepCopy() : new JsonObject();
    for (Map.Entry<String, JsonElement> e : patch.getAsJsonObject().entrySet()) {
      if (e.getValue().isJsonNull()) {
        result.remove(e.getKey());
      } else {
        result.add(e.getKey(), mergePatch(result.get(e.getKey()), e.getValue()));
      }
    }
    return result;
  }
}
