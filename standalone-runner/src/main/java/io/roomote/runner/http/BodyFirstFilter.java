package io.roomote.runner.http;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.http.BadMessageException;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads a request's body before any thread handles the request. Jetty dispatches a request as soon as its headers
 * have arrived, and a handler that reads the body then blocks its thread until the client sends it: a few hundred
 * clients that declare a body and send five bytes of it hold every thread, and {@code /api/health} cannot answer.
 * Here the body is read with a {@link ReadListener} (no thread waits for it), up to one byte more than the
 * application accepts; then the request is dispatched again with the bytes in memory. Jetty's idle timeout (set in
 * {@link HttpServers}) fails a read that stalls, and this filter's minimum data rate one that trickles; the client
 * then gets a 408. The rate is this filter's, not Jetty's: Jetty starts its clock when it first sees the body, which
 * for a small body sent with the headers is before the read listener even runs, so a busy server (a listener run
 * 50 ms late) refused 49 bytes that had all arrived at once. Here the clock starts at the first read. (Jetty 12 has this built in
 * as {@code DelayedHandler}; Jetty 11, which Javalin 6 runs on, does not.) A request without a body gets an empty
 * one in memory as well, so no handler reads Jetty's input for it (see {@code doFilter}).
 */
final class BodyFirstFilter implements Filter {

    private static final String BODY = BodyFirstFilter.class.getName() + ".body";
    private static final byte[] NO_BODY = new byte[0];

    private final int maxBodyBytes;
    private final long budget;
    private final long minBytesPerSecond;
    private final Clock clock;
    private final AtomicLong held = new AtomicLong();

    /**
     * @param maxBodyBytes largest body the application accepts. A larger declared {@code Content-Length} is refused
     *                     at once; a larger chunked body is read to one byte more, so the application refuses it
     * @param budget       bytes of bodies held in memory at once, across all requests of this port; a body that would
     *                     exceed it gets a 503, so many clients sending large bodies slowly cannot exhaust the heap
     */
    BodyFirstFilter(int maxBodyBytes, long budget) {
        this(maxBodyBytes, budget, HttpServers.MIN_REQUEST_DATA_RATE, Clock.systemUTC());
    }

    /**
     * @param minBytesPerSecond slowest body accepted, averaged from the first bytes read; checked whenever more
     *                          bytes are read, so a body that stops arriving is left to the idle timeout
     */
    BodyFirstFilter(int maxBodyBytes, long budget, long minBytesPerSecond, Clock clock) {
        this.maxBodyBytes = maxBodyBytes;
        this.budget = budget;
        this.minBytesPerSecond = minBytesPerSecond;
        this.clock = clock;
    }

    /** Bytes of bodies held in memory now (read ahead, or in a request being handled). */
    long held() {
        return held.get();
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        if (request.getAttribute(BODY) instanceof byte[] body) {
            request.removeAttribute(BODY);
            try {
                chain.doFilter(new ReadBodyRequest(request, body), res);
            } finally {
                held.addAndGet(-body.length);
            }
            return;
        }
        if (request.getDispatcherType() != DispatcherType.REQUEST) {
            chain.doFilter(req, res);
            return;
        }
        if (!hasBody(request)) {
            // Jetty's minimum-data-rate clock starts when the end of an empty body is first seen (Kotlin's
            // readBytes() under ctx.formParam() asks available() first), and a read a millisecond later throws a 408
            // BadMessageException: under load a body-less POST got a 500. An empty body in memory has no clock.
            chain.doFilter(new ReadBodyRequest(request, NO_BODY), res);
            return;
        }
        if (!request.isAsyncSupported()) {
            chain.doFilter(req, res);
            return;
        }
        if (request.getContentLengthLong() > maxBodyBytes) {
            answer((HttpServletResponse) res, 413, "payload_too_large", "the body is larger than " + maxBodyBytes + " bytes");
            return;
        }
        AsyncContext async = request.startAsync();
        // No deadline of its own: Jetty's idle timeout and the reader's minimum data rate end a read that does not progress, and
        // failing the read (rather than completing while it is pending) lets the 408 go out cleanly.
        async.setTimeout(0);
        BodyReader reader = new BodyReader(request, (HttpServletResponse) res, async);
        async.addListener(reader);
        request.getInputStream().setReadListener(reader);
    }

    private static boolean hasBody(HttpServletRequest request) {
        return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
    }

    /** An answer of the filter's own, in the API's error shape; the rest of the body is not read, so it closes. */
    private static void answer(HttpServletResponse response, int status, String error, String message) throws IOException {
        response.setStatus(status);
        response.setHeader("Connection", "close");
        if (status == 503) {
            response.setHeader("Retry-After", "5");
        }
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.getOutputStream().write(("{\"error\":\"" + error + "\",\"message\":\"" + message + "\"}")
                .getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Collects the body as it arrives and dispatches the request when it is complete (or one byte over the
     * limit); answers 408 when it stalls or trickles, 503 when the memory budget is spent.
     */
    private final class BodyReader implements ReadListener, AsyncListener {
        private final HttpServletRequest request;
        private final HttpServletResponse response;
        private final AsyncContext async;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final byte[] buffer = new byte[8192];
        private final AtomicBoolean done = new AtomicBoolean();
        private long reserved;
        private long firstRead = -1;

        BodyReader(HttpServletRequest request, HttpServletResponse response, AsyncContext async) {
            this.request = request;
            this.response = response;
            this.async = async;
        }

        @Override
        public void onDataAvailable() throws IOException {
            ServletInputStream in = request.getInputStream();
            while (!done.get() && in.isReady() && !in.isFinished()) {
                int n = in.read(buffer);
                if (n <= 0) {
                    continue;
                }
                if (firstRead < 0) {
                    firstRead = clock.millis();
                }
                int keep = Math.min(n, maxBodyBytes + 1 - bytes.size());
                if (held.addAndGet(keep) > budget) {
                    held.addAndGet(-keep);
                    fail(503, "server_busy", "too many request bodies are being received; try again in a few seconds");
                    return;
                }
                reserved += keep;
                bytes.write(buffer, 0, keep);
                if (bytes.size() > maxBodyBytes) {
                    dispatch(); // the application refuses it as too large; the rest is never read
                }
            }
            if (!done.get() && !in.isFinished() && tooSlow()) {
                fail(408, "request_timeout", "the request body arrived too slowly or stopped arriving");
            }
        }

        /** Fewer bytes than the minimum rate asks for the time since the first read. */
        private boolean tooSlow() {
            return firstRead >= 0 && bytes.size() < minBytesPerSecond * Math.max(0, clock.millis() - firstRead) / 1000;
        }

        @Override
        public void onAllDataRead() {
            dispatch();
        }

        @Override
        public void onError(Throwable t) {
            if (t instanceof TimeoutException || t instanceof BadMessageException bad && bad.getCode() == 408) {
                fail(408, "request_timeout", "the request body arrived too slowly or stopped arriving");
            } else {
                fail(400, "bad_request", "could not read the request body");
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            fail(408, "request_timeout", "the request body did not arrive in time");
        }

        @Override
        public void onError(AsyncEvent event) {
            onError(event.getThrowable());
        }

        @Override
        public void onComplete(AsyncEvent event) {
            // released in fail() or by the dispatched request
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // the application's own asynchronous handling; this reader is done by then
        }

        /** Hands the request on; the bytes held count against the budget until it has been handled. */
        private void dispatch() {
            if (done.compareAndSet(false, true)) {
                request.setAttribute(BODY, bytes.toByteArray());
                async.dispatch();
            }
        }

        private void fail(int status, String error, String message) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            held.addAndGet(-reserved);
            try {
                answer(response, status, error, message);
            } catch (IOException | IllegalStateException e) {
                // the client is gone, or the answer had begun: closing is all that is left
            } finally {
                async.complete();
            }
        }
    }

    /** The request with its body already in memory. */
    private static final class ReadBodyRequest extends HttpServletRequestWrapper {
        private final byte[] body;

        ReadBodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public int available() {
                    return in.available();
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    try {
                        if (!isFinished()) {
                            listener.onDataAvailable();
                        }
                        listener.onAllDataRead();
                    } catch (IOException e) {
                        listener.onError(e);
                    }
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            String encoding = getCharacterEncoding();
            Charset charset = encoding == null ? StandardCharsets.ISO_8859_1 : Charset.forName(encoding);
            return new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }
    }
}
