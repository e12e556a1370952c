package io.roomote.core.store;

import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A set of Flyway migrations with its own schema-history table: core's ({@link #CORE}), or a module's that owns
 * tables of its own (a runner extension's {@code schema()}). Each history is versioned on its own, so a module
 * numbers its migrations from 1 and never collides with core's. A module's migrations run after core's.
 *
 * @param historyTable    the module's Flyway history table, e.g. {@code roomote_github_schema_history}
 * @param location        where its migrations are, e.g. {@code classpath:io/roomote/jobs/github/db}; a path of the
 *                        module's own (a plugin's class loader sees core's {@code db/migration} too)
 * @param classLoader     the loader that sees them: a plugin jar's own one when the module is a plugin
 * @param retiredVersions versions this history once applied whose migrations now live in another module's history:
 *                        a database migrated by older code may have them, and only these may be missing locally
 */
public record Schema(String historyTable, String location, ClassLoader classLoader, Set<String> retiredVersions) {

    private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /** Core's own: {@code cloud_jobs} and the other platform tables. */
    public static final Schema CORE = new Schema("roomote_schema_history", "classpath:db/migration",
            Database.class.getClassLoader(),
            // V3 and V4 created a module's tables (a webhook's deliveries, a column of issue-comment ids); that
            // module's own migrations now create them (IF NOT EXISTS, so databases that ran V3/V4 keep their data).
            // Flyway can only ignore every missing migration, so Database.migrate checks that nothing else is missing.
            Set.of("3", "4"));

    public Schema {
        Objects.requireNonNull(classLoader, "classLoader");
        retiredVersions = Set.copyOf(retiredVersions);
        if (historyTable == null || !TABLE.matcher(historyTable).matches()) {
            throw new IllegalArgumentException("schema history table must be a lower-case SQL name, e.g."
                    + " roomote_mymodule_schema_history; it is " + historyTable);
        }
        if (location == null || !location.startsWith("classpath:") || location.length() == "classpath:".length()) {
            throw new IllegalArgumentException("migration location must be classpath:<folder>, e.g."
                    + " classpath:com/example/db; it is " + location);
        }
    }

    /** A module's schema without retired versions. */
    public static Schema of(String historyTable, String location, ClassLoader classLoader) {
        return new Schema(historyTable, location, classLoader, Set.of());
    }
}
