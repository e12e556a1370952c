package io.roomote.bench.peers;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/** The peers' connection pools: HikariCP, as Roomote's, of the same size. */
public final class Pools {

    private Pools() {
    }

    public static HikariDataSource hikari(String url, String name) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(QueueUnderTest.POOL_SIZE);
        config.setPoolName(name);
        return new HikariDataSource(config);
    }
}
