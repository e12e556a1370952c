package io.roomote.jobs.github.revise;

import io.roomote.jobs.github.GitHubApi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one review round gives the agent: the reviews, review comments and conversation comments written since
 * Roomote's last round reply (all of them on the first round) that mention Roomote or sit in a thread that does,
 * the item that asked for the round, and for a check trigger the failing check's output — never Roomote's own
 * comments, never what an earlier round's reply lists as addressed. Pure: the lists come from GitHub.
 */
final class ReviewFeedback {

    /** Bounds, so that a huge comment or log cannot fill the agent's context (or the prompt file). */
    static final int MAX_ITEMS = 30;
    static final int MAX_BODY = 4_000;
    static final int MAX_HUNK = 1_500;
    static final int MAX_CHECK_TEXT = 6_000;

    /** Carried by each round reply: what the round addressed, so a later round does not take it up again. */
    static final String ADDRESSED_PREFIX = "<!-- roomote:revise-addressed ";
    private static final Pattern ADDRESSED = Pattern.compile("<!-- roomote:revise-addressed ([a-z_:0-9,]*) -->");
    private static final Pattern ROUND = Pattern.compile("<!-- roomote:revise job=\\d{1,19} round=\\d{1,9} -->");
    private static final Set<String> FAILING = Set.of("failure", "timed_out", "startup_failure", "action_required");

    /**
     * One thing to address. {@code path}/{@code line}/{@code diffHunk} for review comments; {@code thread} the
     * earlier comments of a review comment's thread ("author: text"), for context.
     */
    record Item(String kind, long id, String author, String body, String path, Integer line, String diffHunk,
                List<String> thread, String url) {
    }

    private ReviewFeedback() {
    }

    /** {@code <!-- roomote:revise-addressed review_comment:12,comment:34 -->}. */
    static String addressedMarker(List<Item> items) {
        return ADDRESSED_PREFIX + String.join(",", items.stream().map(i -> i.kind() + ":" + i.id()).toList()) + " -->";
    }

    /** The mention that counts: the first word of {@code ROOMOTE_TRIGGER_MENTION} ({@code @roomote}). */
    static Pattern mentionPattern(String triggerMention) {
        String first = triggerMention == null || triggerMention.isBlank() ? "@roomote"
                : triggerMention.strip().split("\\s+")[0];
        return Pattern.compile("(?<![\\w@])" + Pattern.quote(first) + "(?![\\w-])", Pattern.CASE_INSENSITIVE);
    }

    /**
     * @param trigger      the payload's trigger ({@code review}, {@code review_comment}, {@code comment}, …)
     * @param triggerId    the id of the item that asked, or null
     * @param checks       for {@code check_run}/{@code check_suite}: the check runs named by the trigger
     * @param headSha      the PR's head now: a failing check of an older head is already out of date
     */
    static List<Item> collect(String roomoteLogin, Pattern mention, String trigger, Long triggerId,
                              List<GitHubApi.IssueComment> conversation, List<GitHubApi.Review> reviews,
                              List<GitHubApi.ReviewComment> reviewComments, List<GitHubApi.CheckRun> checks,
                              String headSha) {
        Set<String> addressed = new HashSet<>();
        Instant cutoff = null;
        for (GitHubApi.IssueComment c : conversation) {
            if (!isRoomote(c.author(), roomoteLogin) || c.body() == null) {
                continue;
            }
            Matcher m = ADDRESSED.matcher(c.body());
            while (m.find()) {
                addressed.addAll(List.of(m.group(1).split(",")));
            }
            if (ROUND.matcher(c.body()).find() && c.createdAt() != null
                    && (cutoff == null || c.createdAt().isAfter(cutoff))) {
                cutoff = c.createdAt();
            }
        }
        final Instant since = cutoff;
        String kind = trigger == null ? "" : trigger;
        List<Item> items = new ArrayList<>();

        for (GitHubApi.CheckRun run : checks) {
            if (FAILING.contains(String.valueOf(run.conclusion())) && !addressed.contains("check_run:" + run.id())
                    && (headSha == null || run.headSha() == null || headSha.equals(run.headSha()))) {
                StringBuilder body = new StringBuilder("Check \"" + run.name() + "\" concluded " + run.conclusion() + ".");
                Optional.ofNullable(run.title()).ifPresent(t -> body.append("\nTitle: ").append(t));
                Optional.ofNullable(run.summary()).ifPresent(t -> body.append("\nSummary:\n").append(bound(t, MAX_BODY)));
                Optional.ofNullable(run.text()).ifPresent(t -> body.append("\nDetails (end of the output):\n")
                        .append(tail(t, MAX_CHECK_TEXT)));
                items.add(new Item("check_run", run.id(), null, body.toString(), null, null, null, List.of(), run.url()));
            }
        }

        Set<Long> reviewsTaken = new HashSet<>();
        for (GitHubApi.Review r : reviews) {
            boolean isTrigger = kind.equals("review") && Long.valueOf(r.id()).equals(triggerId);
            boolean news = since == null || r.submittedAt() == null || r.submittedAt().isAfter(since);
            boolean mentions = r.body() != null && mention.matcher(r.body()).find();
            if (isRoomote(r.author(), roomoteLogin) || addressed.contains("review:" + r.id())) {
                continue;
            }
            if (isTrigger || news && mentions) {
                reviewsTaken.add(r.id());
                items.add(new Item("review", r.id(), r.author(), bound(r.body() == null ? "" : r.body(), MAX_BODY)
                        + (r.state() == null ? "" : "\n(review state: " + r.state() + ")"), null, null, null, List.of(),
                        r.url()));
            }
        }

        Map<Long, List<GitHubApi.ReviewComment>> threads = new LinkedHashMap<>();
        for (GitHubApi.ReviewComment c : reviewComments) {
            threads.computeIfAbsent(c.inReplyTo() != null ? c.inReplyTo() : c.id(), k -> new ArrayList<>()).add(c);
        }
        for (List<GitHubApi.ReviewComment> thread : threads.values()) {
            boolean threadMentions = thread.stream().anyMatch(c -> !isRoomote(c.author(), roomoteLogin)
                    && c.body() != null && mention.matcher(c.body()).find());
            List<String> earlier = new ArrayList<>();
            for (GitHubApi.ReviewComment c : thread) {
                boolean isTrigger = kind.equals("review_comment") && Long.valueOf(c.id()).equals(triggerId);
                boolean ofTakenReview = c.reviewId() != null && reviewsTaken.contains(c.reviewId());
                boolean news = since == null || c.createdAt() == null || c.createdAt().isAfter(since);
                boolean mine = isRoomote(c.author(), roomoteLogin);
                if (!mine && !addressed.contains("review_comment:" + c.id())
                        && (isTrigger || ofTakenReview || news && threadMentions)) {
                    items.add(new Item("review_comment", c.id(), c.author(), bound(c.body() == null ? "" : c.body(), MAX_BODY),
                            c.path(), c.line(), c.diffHunk() == null ? null : tail(c.diffHunk(), MAX_HUNK),
                            List.copyOf(earlier), c.url()));
                }
                earlier.add((mine ? "Roomote" : c.author()) + ": " + bound(c.body() == null ? "" : c.body(), 500));
            }
        }

        for (GitHubApi.IssueComment c : conversation) {
            boolean isTrigger = kind.equals("comment") && Long.valueOf(c.id()).equals(triggerId);
            boolean news = since == null || c.createdAt() == null || c.createdAt().isAfter(since);
            boolean mentions = c.body() != null && mention.matcher(c.body()).find();
            if (isRoomote(c.author(), roomoteLogin) || addressed.contains("comment:" + c.id())) {
                continue;
            }
            if (isTrigger || news && mentions) {
                items.add(new Item("comment", c.id(), c.author(), bound(c.body() == null ? "" : c.body(), MAX_BODY),
                        null, null, null, List.of(), c.url()));
            }
        }
        return items.size() <= MAX_ITEMS ? items : List.copyOf(items.subList(0, MAX_ITEMS));
    }

    /** Roomote's own: written by its login (a marker anyone can type proves nothing). */
    private static boolean isRoomote(String author, String roomoteLogin) {
        return author != null && author.equalsIgnoreCase(roomoteLogin);
    }

    private static String bound(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "\n[… cut at " + max + " characters]";
    }

    /** The end of a log: where the error usually is. */
    private static String tail(String s, int max) {
        return s.length() <= max ? s : "[… " + (s.length() - max) + " characters before]\n" + s.substring(s.length() - max);
    }

    static String describe(Item i) {
        return i.kind().replace('_', ' ') + " " + i.id() + (i.author() == null ? "" : " by " + i.author())
                + (i.path() == null ? "" : " on " + i.path() + (i.line() == null ? "" : ":" + i.line()));
    }
}
