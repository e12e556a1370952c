package io.roomote.core.testing;

import io.roomote.core.store.Database;
import org.flywaydb.core.Flyway;

/**
 * Core's schema as Roomote built it before a module took over V3 and V4 (github_deliveries and
 * cloud_jobs.github_comment_id): core's migrations of today plus unchanged copies of those two files (test
 * resources, {@code io/roomote/core/store/retired}), under core's history table, so checksums are the old ones.
 * Test fixture only.
 */
public final class OldCoreSchema {

    private OldCoreSchema() {
    }

    /** Migrates {@code database} as the code before the hand-over did; plus {@code extraLocations}. */
    public static int migrate(Database database, String... extraLocations) {
        String[] locations = new String[2 + extraLocations.length];
        locations[0] = "classpath:db/migration";
        locations[1] = "classpath:io/roomote/core/store/retired";
        System.arraycopy(extraLocations, 0, locations, 2, extraLocations.length);
        return Flyway.configure(OldCoreSchema.class.getClassLoader())
                .dataSource(database.dataSource())
                .locations(locations)
                .table("roomote_schema_history")
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate().migrationsExecuted;
    }
}
