package io.roomote.spi;

import java.util.Optional;

/** Read-only settings: environment variables, then {@code .env} entries. */
public interface Configuration {

    Optional<String> get(String name);

    default String get(String name, String defaultValue) {
        return get(name).orElse(defaultValue);
    }
}
