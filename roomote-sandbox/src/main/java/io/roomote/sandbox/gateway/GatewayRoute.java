package io.roomote.sandbox.gateway;

import io.roomote.core.config.ConfigurationException;
import io.roomote.spi.Configuration;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One provider behind the gateway: a request to {@code /<name>/<rest>} goes to {@code upstream + "/" + rest}
 * with the real key added.
 *
 * @param name     the path prefix, e.g. {@code openrouter}
 * @param upstream the provider's base URL, e.g. {@code https://openrouter.ai/api/v1}
 * @param apiKey   the real key; never printed ({@link #toString()} hides it)
 * @param auth     how the key is presented upstream
 */
public record GatewayRoute(String name, URI upstream, String apiKey, AuthStyle auth) {

    public static final String OPENROUTER = "openrouter";
    public static final String OPENAI = "openai";
    public static final String ANTHROPIC = "anthropic";

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

    public GatewayRoute {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(auth, "auth");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("route name must be lower-case letters, digits, '-' or '_': " + name);
        }
        if (!isHttpUrl(upstream)) {
            throw new IllegalArgumentException("upstream of route " + name + " must be an http(s) URL: " + upstream);
        }
        if (apiKey == null || apiKey.isBlank()) {
            throw new IllegalArgumentException("route " + name + " has no API key");
        }
    }

    /**
     * The routes whose key is configured: {@code openrouter} ({@code OPENROUTER_API_KEY}, upstream
     * {@code ROOMOTE_AGENT_BASE_URL} if set, any OpenAI-compatible server, else OpenRouter), {@code openai}
     * ({@code OPENAI_API_KEY}, {@code OPENAI_BASE_URL}) and {@code anthropic} ({@code ANTHROPIC_API_KEY},
     * {@code ANTHROPIC_BASE_URL}).
     */
    public static List<GatewayRoute> fromConfig(Configuration config) {
        List<GatewayRoute> routes = new ArrayList<>();
        add(routes, config, OPENROUTER, "OPENROUTER_API_KEY", "ROOMOTE_AGENT_BASE_URL", "https://openrouter.ai/api/v1",
                AuthStyle.BEARER);
        add(routes, config, OPENAI, "OPENAI_API_KEY", "OPENAI_BASE_URL", "https://api.openai.com/v1", AuthStyle.BEARER);
        add(routes, config, ANTHROPIC, "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "https://api.anthropic.com",
                AuthStyle.X_API_KEY);
        return List.copyOf(routes);
    }

    private static void add(List<GatewayRoute> routes, Configuration config, String name, String keyVar,
                            String urlVar, String defaultUrl, AuthStyle auth) {
        Optional<String> key = config.get(keyVar).map(String::strip).filter(k -> !k.isEmpty());
        if (key.isEmpty()) {
            return;
        }
        String raw = config.get(urlVar).map(String::strip).filter(u -> !u.isEmpty()).orElse(defaultUrl);
        URI upstream;
        try {
            upstream = new URI(raw);
        } catch (URISyntaxException e) {
            throw new ConfigurationException(urlVar + " is not a URL ('" + raw + "'); use e.g. " + defaultUrl);
        }
        if (!isHttpUrl(upstream)) {
            throw new ConfigurationException(urlVar + " must be an http(s) URL with a host, e.g. " + defaultUrl
                    + ", got '" + raw + "'");
        }
        routes.add(new GatewayRoute(name, upstream, key.get(), auth));
    }

    private static boolean isHttpUrl(URI uri) {
        return uri.isAbsolute() && uri.getHost() != null
                && ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()));
    }

    /** The upstream URL for {@code rest} (the path after the route name, without a leading slash) and a raw query. */
    URI target(String rawRest, String rawQuery) {
        String base = upstream.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        String url = rawRest.isEmpty() ? base : base + "/" + rawRest;
        return URI.create(rawQuery == null || rawQuery.isEmpty() ? url : url + "?" + rawQuery);
    }

    @Override
    public String toString() {
        return "GatewayRoute[name=" + name + ", upstream=" + upstream + ", apiKey=***, auth=" + auth + "]";
    }
}
