package io.github.compresskv.server;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Typed reads of request fields: absent or null gives the default; a value of the wrong type or out of range is
 * a 400 naming the field. Unknown fields are never looked at (ignored, as the OpenAI API does).
 */
final class Fields {
    private Fields() {}

    static boolean present(JsonNode parent, String name) {
        JsonNode n = parent.get(name);
        return n != null && !n.isNull();
    }

    static String string(JsonNode parent, String name, String path, String dflt) {
        if (!present(parent, name)) return dflt;
        JsonNode n = parent.get(name);
        if (!n.isTextual()) throw ApiException.badRequest(path, path + " must be a string");
        return n.asText();
    }

    static Integer integer(JsonNode parent, String name, String path, Integer dflt, long min, long max) {
        if (!present(parent, name)) return dflt;
        JsonNode n = parent.get(name);
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < min || n.asLong() > max) {
            throw ApiException.badRequest(path, path + " must be an integer in [" + min + ", " + max + "], got " + n);
        }
        return (int) n.asLong();
    }

    static Long longValue(JsonNode parent, String name, String path, Long dflt) {
        if (!present(parent, name)) return dflt;
        JsonNode n = parent.get(name);
        if (!n.isIntegralNumber() || !n.canConvertToLong()) throw ApiException.badRequest(path, path + " must be an integer, got " + n);
        return n.asLong();
    }

    /** A number in [min, max] (or (min, max] with {@code openMin}). */
    static Double number(JsonNode parent, String name, String path, Double dflt, double min, double max, boolean openMin) {
        if (!present(parent, name)) return dflt;
        JsonNode n = parent.get(name);
        double v = n.isNumber() ? n.asDouble() : Double.NaN;
        if (!(openMin ? v > min : v >= min) || !(v <= max)) {
            throw ApiException.badRequest(path, path + " must be a number in " + (openMin ? "(" : "[") + min + ", " + max + "], got " + n);
        }
        return v;
    }

    static boolean bool(JsonNode parent, String name, String path, boolean dflt) {
        if (!present(parent, name)) return dflt;
        JsonNode n = parent.get(name);
        if (!n.isBoolean()) throw ApiException.badRequest(path, path + " must be true or false, got " + n);
        return n.asBoolean();
    }
}
