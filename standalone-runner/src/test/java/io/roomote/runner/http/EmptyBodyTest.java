package io.roomote.runner.http;

import io.javalin.Javalin;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import org.eclipse.jetty.servlet.FilterHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bodies that arrived whole but are read late; first, a request without a body, on a port set up by {@link HttpServers#configure} (real Jetty, real Javalin, real JDK
 * client; nothing stood in). Jetty's minimum-data-rate check starts its clock when the body's first "content" is
 * produced, and for an empty body that is the end-of-body marker with no bytes in it: any read after that, a
 * millisecond or more later, is "less than 1024 B/s" and throws a 408 {@code BadMessageException}. Javalin's
 * {@code ctx.formParam} reads the body with Kotlin's {@code readBytes()}, which calls {@code available()} (producing
 * the marker) and then {@code read()}: a thread descheduled for a millisecond between the two (a loaded CI machine)
 * got the exception, and the dashboard answered 500 to a POST without a CSRF token instead of 403.
 */
class EmptyBodyTest {

    private Javalin app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.stop();
        }
    }

    @Test
    void aBodylessPostReadsAsEmptyFormHoweverLongTheHandlerTakesBetweenItsReads() throws Exception {
        app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            HttpServers.configure(config, HttpSettings.DEFAULTS, 64 * 1024);
        });
        app.post("/form", ctx -> {
            // What readBytes() does first; then the pause a descheduled thread takes (a sleep lasts at least
            // its time, so the millisecond Jetty's check needs has surely passed).
            int available = ctx.req().getInputStream().available();
            Thread.sleep(20);
            String csrf = ctx.formParam("_csrf");
            ctx.result("available=" + available + " csrf=" + csrf);
        });
        HttpServers.start(app, "127.0.0.1", 0);

        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + app.port() + "/form"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).as("answer %s %s", r.headers().map(), r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("available=0 csrf=null");
    }

    /**
     * A small body sent with its headers: Jetty produces it (starting its data-rate clock) when the filter sets its
     * read listener, and calls the listener only after the request's first dispatch has returned. A filter in front
     * that takes 200 ms after that stands in for a busy thread pool: Jetty's check then saw 49 bytes in 200 ms,
     * "less than 1024 B/s", and the client got a 408 for a body it had sent at once.
     */
    @Test
    void aSmallBodyReadLateIsNotTooSlow() throws Exception {
        Filter late = (req, res, chain) -> {
            chain.doFilter(req, res);
            if (req.getDispatcherType() == DispatcherType.REQUEST) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.jetty.modifyServletContextHandler(context -> {
                FilterHolder holder = new FilterHolder(late);
                holder.setAsyncSupported(true);
                context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST));
            });
            HttpServers.configure(config, HttpSettings.DEFAULTS, 64 * 1024);
        });
        app.post("/form", ctx -> ctx.result("csrf=" + ctx.formParam("_csrf")));
        HttpServers.start(app, "127.0.0.1", 0);
        String token = "x".repeat(43);

        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + app.port() + "/form"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("_csrf=" + token)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).as("answer %s %s", r.headers().map(), r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("csrf=" + token);
    }
}
