package io.github.compresskv.server;

/**
 * An error answered with an OpenAI-shaped body, {@code {"error": {"message", "type", "param", "code"}}}, and its
 * HTTP status. {@code retryAfterSeconds} (when positive) becomes a {@code Retry-After} header.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final int retryAfterSeconds;

    public ApiException(int status, String type, String param, String code, String message, int retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: a request field is missing or has a bad value; {@code param} names the field. */
    public static ApiException badRequest(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, param == null ? "invalid_request" : "invalid_value", message, 0);
    }

    public static ApiException unauthorized() {
        return new ApiException(401, "invalid_request_error", null, "invalid_api_key",
                "Incorrect or missing API key: send 'Authorization: Bearer <key>'", 0);
    }

    public static ApiException notFound(String param, String code, String message) {
        return new ApiException(404, "invalid_request_error", param, code, message, 0);
    }

    public static ApiException methodNotAllowed(String method, String path) {
        return new ApiException(405, "invalid_request_error", null, "method_not_allowed", method + " is not allowed on " + path, 0);
    }

    public static ApiException tooLarge(long limit) {
        return new ApiException(413, "invalid_request_error", null, "request_too_large",
                "request body exceeds the server's limit of " + limit + " bytes", 0);
    }

    /** 429: every decode slot is busy and the waiting queue is full. */
    public static ApiException queueFull(int retryAfterSeconds) {
        return new ApiException(429, "requests", null, "rate_limit_exceeded",
                "the server is busy (all slots and the queue are taken); retry after " + retryAfterSeconds + " s", retryAfterSeconds);
    }

    /** 503: the request's KV cache does not fit the server's KV memory limit. */
    public static ApiException kvMemory(String message, int retryAfterSeconds) {
        return new ApiException(503, "server_error", null, "kv_memory_exhausted", message, retryAfterSeconds);
    }

    public static ApiException internal(String message) {
        return new ApiException(500, "server_error", null, "internal_error", message, 0);
    }

    public int status() { return status; }

    public String type() { return type; }

    public String param() { return param; }

    public String code() { return code; }

    public int retryAfterSeconds() { return retryAfterSeconds; }
}
