package io.roomote.runner.http;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.FilterHolder;

import java.io.IOException;
import java.util.EnumSet;

/** The Jetty setup the API port and the dashboard port share. */
public final class HttpServers {

    private HttpServers() {
    }

    /** Slowest body accepted, in bytes a second averaged from its first read: 8 kbit/s, slower than any real client. */
    static final long MIN_REQUEST_DATA_RATE = 1024;

    /** Bytes of request bodies one port holds in memory at once (read ahead or being handled): 64 MiB. */
    static final long MAX_BUFFERED_BODY_BYTES = 64L << 20;

    /**
     * Limits every port applies, so that slow clients cost connections, not the server's threads: bodies of at most
     * {@code maxBodyBytes}, read in full before a thread handles the request ({@link BodyFirstFilter}), arriving at
     * {@link #MIN_REQUEST_DATA_RATE} or faster and never stalling longer than {@link HttpSettings#idleTimeout()}
     * (which also bounds how long an answer may wait for a client that does not read it), and at most
     * {@link #MAX_BUFFERED_BODY_BYTES} of bodies in memory at once (beyond, a body gets a 503).
     */
    public static void configure(JavalinConfig config, HttpSettings settings, int maxBodyBytes) {
        config.http.maxRequestSize = maxBodyBytes;
        // No Jetty minimum request data rate: BodyFirstFilter measures it from its first read (Jetty from when it
        // first saw the body, which counted the server's own delays against small bodies).
        config.jetty.modifyHttpConfiguration(http -> http.setIdleTimeout(settings.idleTimeout().toMillis()));
        BodyFirstFilter bodyFirst = new BodyFirstFilter(maxBodyBytes, MAX_BUFFERED_BODY_BYTES);
        config.jetty.modifyServletContextHandler(context -> {
            FilterHolder holder = new FilterHolder(bodyFirst);
            holder.setAsyncSupported(true);
            context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        });
    }

    /**
     * Starts {@code app} on {@code host:port}. The port is bound before Jetty starts, so a port in use is one
     * {@link PortUnavailableException} for the caller to word, not Jetty's and Javalin's error logs.
     */
    public static void start(Javalin app, String host, int port) {
        // Connectors are read when the server starts; until then the configuration may still be added to.
        app.unsafeConfig().jetty.addConnector((server, http) -> {
            ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
            connector.setHost(host);
            connector.setPort(port);
            try {
                connector.open();
            } catch (IOException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new PortUnavailableException(host, port, String.valueOf(cause.getMessage()), e);
            }
            return connector;
        });
        app.start();
    }

    /** The port could not be bound: another process (often a second Roomote) listens on it. */
    public static final class PortUnavailableException extends RuntimeException {
        private final String reason;

        PortUnavailableException(String host, int port, String reason, Throwable cause) {
            super("port " + port + " on " + host + " is not available (" + reason + ")", cause);
            this.reason = reason;
        }

        /** What the operating system said, e.g. "Address already in use". */
        public String reason() {
            return reason;
        }
    }
}
