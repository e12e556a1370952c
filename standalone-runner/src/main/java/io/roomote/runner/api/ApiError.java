package io.roomote.runner.api;

import java.util.LinkedHashMap;
import java.util.Map;

/** A 4xx answer: thrown by handlers, written as JSON by the server's exception mapper. */
final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient Map<String, Object> body;

    ApiError(int status, Map<String, Object> body) {
        super(String.valueOf(body.get("error")), null, false, false);
        this.status = status;
        this.body = body;
    }

    static ApiError of(int status, String error, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        if (message != null) {
            body.put("message", message);
        }
        return new ApiError(status, body);
    }

    int status() {
        return status;
    }

    Map<String, Object> body() {
        return body;
    }
}
