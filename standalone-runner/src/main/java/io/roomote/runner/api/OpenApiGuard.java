package io.roomote.runner.api;

import io.javalin.http.Context;
import io.javalin.http.Handler;

/**
 * Before-handler of {@code /api/*} that keeps web pages from driving the API (see README, "Without a token, on
 * localhost only"). Always: a request with a body must say {@code Content-Type: application/json} — a page can
 * send a {@code Blob} or {@code text/plain} body to any address without a CORS preflight, but not JSON.
 * Without a token (the API is open) also: no request from another origin ({@code Origin}, {@code Sec-Fetch-Site}),
 * and, when listening on loopback, only requests addressed to a loopback name ({@code Host}), so DNS rebinding
 * cannot read it. {@code /api/health} is public; the GitHub webhook is server to server, sent to your public
 * name, and authenticated by its signature (so are the other runner extensions' webhooks): none is checked here.
 */
final class OpenApiGuard implements Handler {

    private final boolean open;
    private final boolean loopbackOnly;
    private final java.util.Set<String> webhookPaths;

    /**
     * @param open         no API token: nothing else authenticates callers
     * @param loopbackOnly open and bound to a loopback interface ({@code ROOMOTE_ALLOW_UNAUTHENTICATED} on another
     *                     interface means a proxy in front names the host)
     */
    OpenApiGuard(boolean open, boolean loopbackOnly, java.util.Set<String> webhookPaths) {
        this.open = open;
        this.loopbackOnly = loopbackOnly;
        this.webhookPaths = java.util.Set.copyOf(webhookPaths);
    }

    @Override
    public void handle(Context ctx) {
        // Javalin matches routes with or without a trailing slash; so does this.
        String path = ctx.path().endsWith("/") ? ctx.path().substring(0, ctx.path().length() - 1) : ctx.path();
        if (path.equals("/api/health") || webhookPaths.contains(path)) {
            return;
        }
        if (open && loopbackOnly && !BrowserChecks.loopbackHost(ctx.header("Host"))) {
            throw ApiError.of(403, "forbidden_host", "without ROOMOTE_API_TOKEN the API answers only requests addressed to"
                    + " localhost, 127.0.0.1 or [::1]; set ROOMOTE_API_TOKEN to serve it under another name");
        }
        if (open && BrowserChecks.crossOrigin(ctx)) {
            throw ApiError.of(403, "cross_origin_request", "without ROOMOTE_API_TOKEN the API refuses requests from web"
                    + " pages of other origins (Origin, Sec-Fetch-Site); call it from scripts, or set ROOMOTE_API_TOKEN");
        }
        if (BrowserChecks.hasBody(ctx) && !BrowserChecks.isJson(ctx.contentType())) {
            throw ApiError.of(415, "unsupported_media_type", "send the body as JSON with 'Content-Type: application/json'");
        }
    }
}
