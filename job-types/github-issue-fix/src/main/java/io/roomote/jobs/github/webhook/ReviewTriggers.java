package io.roomote.jobs.github.webhook;

import io.roomote.core.config.ConfigurationException;
import io.roomote.spi.Configuration;

import java.util.Locale;
import java.util.Optional;

/**
 * What starts a review round ({@code github.pr.revise}) on a pull request Roomote opened.
 *
 * @param mention   a review, review comment or PR conversation comment containing this asks for a round
 *                  ({@code ROOMOTE_REVIEW_MENTION}, default {@code @roomote}); empty only in {@link #OFF}: review
 *                  rounds are turned off with {@code ROOMOTE_MAX_REVISIONS=0}
 * @param fixChecks whether a failed check run or check suite on Roomote's pull request asks for a round
 *                  ({@code ROOMOTE_FIX_CHECKS}, default false)
 */
public record ReviewTriggers(Optional<String> mention, boolean fixChecks) {

    public static final String MENTION_SETTING = "ROOMOTE_REVIEW_MENTION";
    public static final String FIX_CHECKS_SETTING = "ROOMOTE_FIX_CHECKS";
    public static final String DEFAULT_MENTION = "@roomote";

    /** Nothing on a pull request starts a round (what callers that know nothing of review rounds get). */
    public static final ReviewTriggers OFF = new ReviewTriggers(Optional.empty(), false);

    public static ReviewTriggers from(Configuration c) {
        Optional<String> mention = Optional.of(c.get(MENTION_SETTING, DEFAULT_MENTION).strip()).filter(m -> !m.isEmpty());
        String checks = c.get(FIX_CHECKS_SETTING, "false").strip().toLowerCase(Locale.ROOT);
        if (!checks.equals("true") && !checks.equals("false") && !checks.isEmpty()) {
            throw new ConfigurationException(FIX_CHECKS_SETTING + " must be true or false, got \"" + checks + "\"");
        }
        return new ReviewTriggers(mention, checks.equals("true"));
    }

    /**
     * Whether {@code text} mentions the configured mention, case-insensitively, as a whole word: {@code @roomote}
     * matches "@roomote please" and "@Roomote," but not "@roomote-bot" or "@roomotes".
     */
    public boolean mentionedIn(String text) {
        if (mention.isEmpty() || text == null) {
            return false;
        }
        String hay = text.toLowerCase(Locale.ROOT);
        String needle = mention.get().toLowerCase(Locale.ROOT);
        for (int i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) {
            int end = i + needle.length();
            boolean wordEnds = end == hay.length() || !(Character.isLetterOrDigit(hay.charAt(end))
                    || hay.charAt(end) == '-' || hay.charAt(end) == '_');
            if (wordEnds) {
                return true;
            }
        }
        return false;
    }
}
