package io.roomote.runner.http;

import io.javalin.Javalin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request without a body, on a port set up by {@link HttpServers#configure} (real Jetty, real Javalin, real JDK
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
}
