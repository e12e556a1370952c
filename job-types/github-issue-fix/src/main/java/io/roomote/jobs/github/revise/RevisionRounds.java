package io.roomote.jobs.github.revise;

import io.roomote.jobs.github.webhook.WebhookEvents;
import io.roomote.spi.Configuration;

import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many review rounds a pull request has had, read from Roomote's own replies on it: each round ends with a
 * reply that carries {@link #roundMarker}; the limit's hand-back comment carries {@link #LIMIT_MARKER}. Only
 * comments by Roomote's own GitHub account count, so nobody can use up (or reset) the rounds by quoting a marker.
 * Used both by the webhook (no job past the limit) and by the job itself (the authority: it recounts on start).
 */
public final class RevisionRounds {

    /** Roomote setting: review rounds per pull request; after them, the PR is handed back to people. */
    public static final String SETTING = "ROOMOTE_MAX_REVISIONS";
    public static final int DEFAULT_MAX = 3;
    /** Carried by the comment that hands a PR back to people once the rounds are used up. */
    public static final String LIMIT_MARKER = "<!-- roomote:revise-limit -->";
    private static final Pattern ROUND = Pattern.compile("<!-- roomote:revise job=(\\d{1,19}) round=(\\d{1,9}) -->");

    /** A comment on the pull request's conversation: who wrote it and what it says. */
    public record Comment(String author, String body) {
    }

    private RevisionRounds() {
    }

    /** {@code ROOMOTE_MAX_REVISIONS}, default 3; 0 turns review rounds off. */
    public static int max(Configuration config) {
        String raw = config.get(SETTING, String.valueOf(DEFAULT_MAX)).trim();
        try {
            int max = Integer.parseInt(raw);
            if (max >= 0) {
                return max;
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new io.roomote.core.config.ConfigurationException(SETTING + " must be a whole number of rounds (0 or more), got \""
                + raw + "\"");
    }

    /** The hidden line that ends each round's reply (with Roomote's own-comment marker, so it triggers nothing). */
    public static String roundMarker(long jobId, int round) {
        return WebhookEvents.OWN_COMMENT_MARKER + "\n<!-- roomote:revise job=" + jobId + " round=" + round + " -->";
    }

    /** The highest round number among Roomote's own replies ({@code roomoteLogin}); 0 when none. */
    public static int roundsDone(List<Comment> comments, String roomoteLogin) {
        int done = 0;
        for (Comment c : comments) {
            if (!own(c, roomoteLogin)) {
                continue;
            }
            Matcher m = ROUND.matcher(c.body() == null ? "" : c.body());
            while (m.find()) {
                done = Math.max(done, Integer.parseInt(m.group(2)));
            }
        }
        return done;
    }

    /** Whether Roomote ({@code roomoteLogin}) already handed this pull request back to people. */
    public static boolean handedBack(List<Comment> comments, String roomoteLogin) {
        return comments.stream().anyMatch(c -> own(c, roomoteLogin) && c.body() != null && c.body().contains(LIMIT_MARKER));
    }

    private static boolean own(Comment c, String roomoteLogin) {
        return roomoteLogin != null && Objects.equals(c.author(), roomoteLogin);
    }
}
