package io.roomote.core.store;

import io.roomote.core.config.ConfigurationException;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A PostgreSQL location as JDBC needs it. Accepts the {@code postgresql://user:pass@host:5432/db} form of
 * {@code DATABASE_URL} (also {@code postgres://}) and plain {@code jdbc:postgresql://} URLs. The password is
 * kept apart from the URL so that the URL can be logged.
 */
public record DatabaseUrl(String jdbcUrl, String user, String password) {

    public static DatabaseUrl parse(String databaseUrl) {
        String url = databaseUrl.trim();
        if (url.startsWith("jdbc:postgresql:")) {
            return new DatabaseUrl(url, null, null);
        }
        if (!url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
            throw new ConfigurationException("DATABASE_URL must look like postgresql://user:password@host:5432/dbname"
                    + " or jdbc:postgresql://host:5432/dbname");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new ConfigurationException("DATABASE_URL is not a valid URL (is a special character in the password"
                    + " not percent-encoded?)");
        }
        if (uri.getHost() == null) {
            throw new ConfigurationException("DATABASE_URL has no host; expected postgresql://user:password@host:5432/dbname");
        }
        String user = null;
        String password = null;
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
        }
        String port = uri.getPort() > 0 ? ":" + uri.getPort() : "";
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/postgres" : uri.getRawPath();
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        return new DatabaseUrl("jdbc:postgresql://" + uri.getHost() + port + path + query, user, password);
    }

    /**
     * This location as a {@code DATABASE_URL} value that {@link #parse} reads back, with the user and password
     * (percent-encoded): for handing to a worker process, as a secret.
     */
    /** The driver's {@code user} and {@code password} properties, for a connection made outside the pool. */
    public java.util.Properties credentials() {
        java.util.Properties props = new java.util.Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        return props;
    }

    public String toDatabaseUrl() {
        if (user == null && password == null) {
            return jdbcUrl;
        }
        String rest = jdbcUrl.substring("jdbc:postgresql://".length());
        String userInfo = encode(user == null ? "" : user) + (password == null ? "" : ":" + encode(password));
        return "postgresql://" + userInfo + "@" + rest;
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "DatabaseUrl[" + jdbcUrl + ", user=" + user + "]";
    }
}
