package io.roomote.jobs.github.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A STAND-IN for the GitHub REST API (not GitHub): the handful of endpoints Roomote calls, answering with the
 * shapes GitHub documents (repos, issues with {@code locked} and {@code assignees}, pulls: list with
 * {@code state}/{@code head} filters, get, create with 201 — {@code draft} as asked, a {@code node_id} — or 422
 * "Validation Failed" when the head branch is not on the remote, requested reviewers, users, organizations and
 * teams by slug). Of GitHub's GraphQL API it answers one mutation only, as documented: {@code POST /graphql}
 * with {@code markPullRequestReadyForReview(input: {pullRequestId})}, the pull request's {@code node_id}; any
 * other query gets a GraphQL error. It keeps state, so a pull request opened by an agent's {@code curl} is found
 * by Roomote afterwards, and it checks branches in the real bare repositories that serve as remotes. Every
 * request is recorded for assertions, with its {@code Authorization} header. Test fixture only.
 *
 * <p>GitHub Apps, as GitHub documents them (after {@link #installApp}): {@code GET /app},
 * {@code GET /repos/{owner}/{repo}/installation}, {@code GET /app/installations/{id}} and
 * {@code POST /app/installations/{id}/access_tokens} take only {@code Authorization: Bearer <JWT>}, a JWT whose
 * RS256 signature verifies with the App's public key, {@code iss} the App's id, {@code iat} not in the future and
 * {@code exp} at most 10 minutes ahead (checked with jjwt); the access-token call answers 201
 * {@code {"token":"ghs_…","expires_at":…,"permissions":…,"repository_selection":"selected","repositories":[…]}}.
 * A {@code ghs_} token is then accepted on the repository endpoints of the repositories it was minted for,
 * until it expires by {@link #tokenClock} ("Bad credentials", 401, otherwise).
 *
 * <p>Review rounds, as GitHub documents them: {@code GET /user} (the token's user; 403 "Resource not accessible by
 * integration" for an installation token), a pull request's {@code head.sha} (read live from the bare remote),
 * {@code head.repo}/{@code base.repo}, {@code GET /pulls/N/reviews}, {@code GET /pulls/N/comments} (review comments
 * with {@code path}, {@code line}, {@code diff_hunk}, {@code in_reply_to_id}, {@code pull_request_review_id}),
 * conversation comments on pull requests ({@code /issues/N/comments}, written by {@code roomote-bot} with a
 * personal token and {@code roomote[bot]} with an App's), {@code GET /check-runs/{id}} and
 * {@code GET /check-suites/{id}/check-runs}.
 */
public final class GitHubStandIn implements AutoCloseable {

    /** One request as received. */
    public record Request(String method, String path, String query, String authorization, String body) {
    }

    /** An installation token as minted: its value, its installation, the repositories and permissions asked for. */
    public record MintedToken(String token, long installationId, List<String> repositories, Map<String, String> permissions,
                              java.time.Instant expiresAt) {
    }

    private record Installation(String appId, java.security.PublicKey publicKey, long id, List<String> repos) {
    }

    private final List<Installation> installations = new CopyOnWriteArrayList<>();
    private final List<MintedToken> minted = new CopyOnWriteArrayList<>();
    private volatile java.time.Duration tokenLifetime = java.time.Duration.ofHours(1);
    /** When installation tokens expire and whether one has; App JWTs are checked against real time (github-api signs them so). */
    private volatile java.time.Clock tokenClock = java.time.Clock.systemUTC();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern REPO = Pattern.compile("/repos/([^/]+)/([^/]+)(/.*)?");
    private static final Pattern USER = Pattern.compile("/users/([^/]+)");
    private static final Pattern ORG = Pattern.compile("/orgs/([^/]+)(?:/teams/([^/]+))?");

    private final HttpServer server;
    private final Path remotes;
    private final Map<String, ObjectNode> issues = new LinkedHashMap<>();
    private final List<ObjectNode> pulls = new CopyOnWriteArrayList<>();
    private final Map<Long, ObjectNode> comments = new LinkedHashMap<>();
    private final List<ObjectNode> reviews = new CopyOnWriteArrayList<>();
    private final List<ObjectNode> reviewComments = new CopyOnWriteArrayList<>();
    private final List<ObjectNode> checkRuns = new CopyOnWriteArrayList<>();
    private long nextReviewId = 700_000;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile int failCreatePullsWith;
    /** How many more "create pull request" calls fail; negative: all of them. */
    private volatile int failCreatePullsTimes = -1;
    private int nextPull = 100;
    /** Whether this "repository" refuses draft pull requests, as GitHub does on plans without them. */
    private volatile boolean refuseDrafts;

    /** @param remotes the folder whose {@code owner/repo.git} bare repositories stand for GitHub's git server */
    public GitHubStandIn(Path remotes) throws IOException {
        this.remotes = remotes;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String apiUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public synchronized void addIssue(String repo, int number, String title, String body, List<String> labels, String state) {
        ObjectNode issue = JSON.createObjectNode();
        issue.put("id", 1000 + number);
        issue.put("number", number);
        issue.put("title", title);
        issue.put("body", body);
        issue.put("state", state);
        issue.put("html_url", "https://github.example/" + repo + "/issues/" + number);
        issue.put("url", apiUrl() + "/repos/" + repo + "/issues/" + number);
        issue.putObject("user").put("login", "alice").put("id", 11).put("type", "User");
        issue.put("author_association", "MEMBER");
        issue.put("locked", false);
        issue.putNull("active_lock_reason");
        issue.putNull("assignee");
        issue.putArray("assignees");
        ArrayNode ls = issue.putArray("labels");
        for (int i = 0; i < labels.size(); i++) {
            ls.addObject().put("id", i + 1).put("name", labels.get(i));
        }
        issues.put(repo + "#" + number, issue);
    }

    /** Makes {@code login} the author ({@code user}) of an issue. */
    public synchronized void setIssueAuthor(String repo, int number, String login) {
        issues.get(repo + "#" + number).set("user", user(login));
    }

    /** Locks the conversation of an issue, as GitHub shows it: {@code locked: true} and the reason. */
    public synchronized void lockIssue(String repo, int number, String reason) {
        issues.get(repo + "#" + number).put("locked", true).put("active_lock_reason", reason);
    }

    /** Assigns an issue to these logins: {@code assignees}, and {@code assignee} the first of them. */
    public synchronized void assignIssue(String repo, int number, String... logins) {
        ObjectNode issue = issues.get(repo + "#" + number);
        ArrayNode list = issue.putArray("assignees");
        for (String login : logins) {
            list.add(user(login));
        }
        issue.set("assignee", logins.length == 0 ? JSON.nullNode() : user(logins[0]));
    }

    /** Pretends someone already opened a pull request (for pre-flight tests). */
    public synchronized ObjectNode addPull(String repo, String head, String title, String body) {
        return addPull(repo, head, title, body, "roomote-bot");
    }

    /** Pretends {@code author} (a GitHub login) already opened a pull request. */
    public synchronized ObjectNode addPull(String repo, String head, String title, String body, String author) {
        ObjectNode pr = newPull(repo, head, "main", title, body);
        pr.putObject("user").put("login", author);
        return pr;
    }

    /** Makes "create pull request" with {@code draft: true} fail with GitHub's 422 for plans without drafts. */
    public void refuseDraftPulls() {
        this.refuseDrafts = true;
    }

    /** Makes every later "create pull request" call fail with this HTTP status (0: succeed). */
    public void failCreatingPullsWith(int status) {
        failCreatingPullsWith(status, -1);
    }

    /** Makes the next {@code times} "create pull request" calls fail with this HTTP status, then succeed. */
    public void failCreatingPullsWith(int status, int times) {
        this.failCreatePullsTimes = times;
        this.failCreatePullsWith = status;
    }

    /** Comments on issues, oldest first, as they are now (edits applied). */
    public synchronized List<ObjectNode> comments() {
        return comments.values().stream().map(ObjectNode::deepCopy).toList();
    }

    public List<ObjectNode> pulls() {
        return List.copyOf(pulls);
    }

    /** The GraphQL ids sent to {@code markPullRequestReadyForReview}, in order. */
    public List<String> markedReadyForReview() {
        return requests(r -> r.method().equals("POST") && r.path().equals("/graphql")).stream()
                .map(r -> {
                    try {
                        JsonNode q = JSON.readTree(r.body());
                        return q.path("query").asText().contains("markPullRequestReadyForReview")
                                ? q.path("variables").path("id").asText() : null;
                    } catch (IOException e) {
                        return null;
                    }
                }).filter(java.util.Objects::nonNull).toList();
    }

    /** Installs the App {@code appId} (whose JWTs verify with {@code publicKey}) on these repositories. */
    public void installApp(String appId, java.security.PublicKey publicKey, long installationId, String... repos) {
        installations.add(new Installation(appId, publicKey, installationId, List.of(repos)));
    }

    /** How long the installation tokens minted from now on last (GitHub: one hour). */
    public void tokenLifetime(java.time.Duration lifetime) {
        this.tokenLifetime = lifetime;
    }

    /** The clock installation tokens live by: a test moves it past a token's {@code expires_at} to expire it. */
    public void tokenClock(java.time.Clock clock) {
        this.tokenClock = clock;
    }

    /** Every installation token minted, in order. */
    public List<MintedToken> mintedTokens() {
        return List.copyOf(minted);
    }

    public List<Request> requests(Predicate<Request> filter) {
        return requests.stream().filter(filter).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = ex.getRequestURI().getPath();
        String query = ex.getRequestURI().getRawQuery();
        requests.add(new Request(ex.getRequestMethod(), path, query, ex.getRequestHeaders().getFirst("Authorization"), body));
        try {
            if (path.startsWith("/app") || path.matches("/repos/[^/]+/[^/]+/installation")) {
                app(ex, path, body);
                return;
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth != null && auth.matches("(?i)(token|bearer) ghs_.*")) {
                Matcher scoped = REPO.matcher(path);
                MintedToken t = minted.stream().filter(m -> m.token().equals(auth.substring(auth.indexOf(' ') + 1)))
                        .findFirst().orElse(null);
                if (t == null || !t.expiresAt().isAfter(tokenClock.instant())) {
                    send(ex, 401, JSON.createObjectNode().put("message", "Bad credentials")
                            .put("documentation_url", "https://docs.github.com/rest"));
                    return;
                }
                if (scoped.matches() && !t.repositories().contains(scoped.group(2))) {
                    send(ex, 404, notFound());
                    return;
                }
            }
            if (path.equals("/graphql") && ex.getRequestMethod().equals("POST")) {
                synchronized (this) {
                    graphql(ex, body);
                }
                return;
            }
            if (path.equals("/user") && ex.getRequestMethod().equals("GET")) {
                String authorization = ex.getRequestHeaders().getFirst("Authorization");
                if (authorization != null && authorization.matches("(?i)(token|bearer) ghs_.*")) {
                    send(ex, 403, JSON.createObjectNode().put("message", "Resource not accessible by integration")
                            .put("documentation_url", "https://docs.github.com/rest/users/users#get-the-authenticated-user"));
                } else {
                    send(ex, 200, user("roomote-bot"));
                }
                return;
            }
            Matcher u = USER.matcher(path);
            if (u.matches() && ex.getRequestMethod().equals("GET")) {
                send(ex, 200, user(u.group(1)));
                return;
            }
            Matcher o = ORG.matcher(path);
            if (o.matches() && ex.getRequestMethod().equals("GET")) {
                ObjectNode org = JSON.createObjectNode().put("login", o.group(1)).put("id", 77)
                        .put("url", apiUrl() + "/orgs/" + o.group(1)).put("type", "Organization");
                send(ex, 200, o.group(2) == null ? org : JSON.createObjectNode().put("id", 88)
                        .put("slug", o.group(2)).put("name", o.group(2)).put("privacy", "closed")
                        .put("url", apiUrl() + "/orgs/" + o.group(1) + "/teams/" + o.group(2)));
                return;
            }
            Matcher m = REPO.matcher(path);
            if (!m.matches()) {
                send(ex, 404, notFound());
                return;
            }
            String repo = m.group(1) + "/" + m.group(2);
            String rest = m.group(3) == null ? "" : m.group(3);
            if (!Files.isDirectory(remotes.resolve(repo + ".git"))) {
                send(ex, 404, notFound());
                return;
            }
            synchronized (this) {
                route(ex, repo, rest, query, body, ex.getRequestHeaders().getFirst("Authorization"));
            }
        } catch (RuntimeException e) {
            send(ex, 500, JSON.createObjectNode().put("message", e.toString()));
        }
    }

    /** The App endpoints: a valid App JWT or 401, as GitHub answers. */
    private void app(HttpExchange ex, String path, String body) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        Installation app = null;
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String jwt = auth.substring(7).strip();
            for (Installation i : installations) {
                if (validJwt(jwt, i)) {
                    app = i;
                    break;
                }
            }
        }
        if (app == null) {
            send(ex, 401, JSON.createObjectNode().put("message", "A JSON web token could not be decoded")
                    .put("documentation_url", "https://docs.github.com/rest"));
            return;
        }
        String appId = app.appId();
        String method = ex.getRequestMethod();
        Matcher byRepo = Pattern.compile("/repos/([^/]+)/([^/]+)/installation").matcher(path);
        Matcher byId = Pattern.compile("/app/installations/(\\d+)(/access_tokens)?").matcher(path);
        if (method.equals("GET") && path.equals("/app")) {
            ObjectNode a = JSON.createObjectNode().put("id", Long.parseLong(appId)).put("slug", "roomote")
                    .put("name", "Roomote").put("html_url", "https://github.example/apps/roomote");
            a.putObject("owner").put("login", "acme").put("id", 1).put("type", "Organization");
            send(ex, 200, a);
        } else if (method.equals("GET") && byRepo.matches()) {
            String name = byRepo.group(2);
            Installation found = installations.stream().filter(i -> i.appId().equals(appId)
                    && i.repos().contains(byRepo.group(1) + "/" + name)).findFirst().orElse(null);
            send(ex, found == null ? 404 : 200, found == null ? notFound() : installation(found));
        } else if (byId.matches()) {
            long id = Long.parseLong(byId.group(1));
            Installation found = installations.stream().filter(i -> i.appId().equals(appId) && i.id() == id)
                    .findFirst().orElse(null);
            if (found == null) {
                send(ex, 404, notFound());
            } else if (method.equals("GET") && byId.group(2) == null) {
                send(ex, 200, installation(found));
            } else if (method.equals("POST") && byId.group(2) != null) {
                accessToken(ex, found, body);
            } else {
                send(ex, 404, notFound());
            }
        } else {
            send(ex, 404, notFound());
        }
    }

    private static boolean validJwt(String jwt, Installation app) {
        try {
            io.jsonwebtoken.Claims claims = io.jsonwebtoken.Jwts.parser().verifyWith(app.publicKey()).build()
                    .parseSignedClaims(jwt).getPayload();
            java.time.Instant now = java.time.Instant.now();
            return app.appId().equals(claims.getIssuer()) && claims.getIssuedAt() != null && claims.getExpiration() != null
                    && !claims.getIssuedAt().toInstant().isAfter(now.plusSeconds(5))
                    && !claims.getExpiration().toInstant().isAfter(now.plus(java.time.Duration.ofMinutes(10)));
        } catch (io.jsonwebtoken.JwtException | IllegalArgumentException e) {
            return false;
        }
    }

    private ObjectNode installation(Installation i) {
        ObjectNode n = JSON.createObjectNode().put("id", i.id()).put("app_id", Long.parseLong(i.appId()))
                .put("target_id", 1).put("target_type", "Organization").put("repository_selection", "selected")
                .put("access_tokens_url", apiUrl() + "/app/installations/" + i.id() + "/access_tokens")
                .put("repositories_url", apiUrl() + "/installation/repositories")
                .put("html_url", "https://github.example/organizations/acme/settings/installations/" + i.id())
                .put("created_at", "2026-11-01T10:00:00Z").put("updated_at", "2026-11-01T10:00:00Z");
        n.putObject("account").put("login", "acme").put("id", 1).put("type", "Organization");
        n.putObject("permissions").put("contents", "write").put("pull_requests", "write").put("issues", "write")
                .put("metadata", "read");
        n.putArray("events");
        return n;
    }

    /** {@code repositories} (names) must all be the installation's; {@code permissions} are granted as asked. */
    private void accessToken(HttpExchange ex, Installation i, String body) throws IOException {
        JsonNode request = body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        List<String> names = new java.util.ArrayList<>();
        request.path("repositories").forEach(r -> names.add(r.asText()));
        List<String> installed = i.repos().stream().map(r -> r.substring(r.indexOf('/') + 1)).toList();
        if (!installed.containsAll(names)) {
            send(ex, 422, JSON.createObjectNode().put("message", "There is at least one repository that does not"
                    + " exist or is not accessible to the parent installation."));
            return;
        }
        List<String> scope = names.isEmpty() ? installed : names;
        Map<String, String> permissions = new LinkedHashMap<>();
        request.path("permissions").fields().forEachRemaining(e -> permissions.put(e.getKey(), e.getValue().asText()));
        String token = "ghs_" + java.util.UUID.randomUUID().toString().replace("-", "");
        java.time.Instant expires = tokenClock.instant().plus(tokenLifetime).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        minted.add(new MintedToken(token, i.id(), List.copyOf(names), Map.copyOf(permissions), expires));
        ObjectNode answer = JSON.createObjectNode().put("token", token).put("expires_at", expires.toString())
                .put("repository_selection", "selected");
        ObjectNode granted = answer.putObject("permissions");
        permissions.forEach(granted::put);
        ArrayNode repos = answer.putArray("repositories");
        for (String r : i.repos()) {
            if (scope.contains(r.substring(r.indexOf('/') + 1))) {
                repos.addObject().put("id", 1).put("name", r.substring(r.indexOf('/') + 1)).put("full_name", r)
                        .put("private", false).put("url", apiUrl() + "/repos/" + r);
            }
        }
        send(ex, 201, answer);
    }

    private void route(HttpExchange ex, String repo, String rest, String query, String body, String authorization)
            throws IOException {
        String method = ex.getRequestMethod();
        if (method.equals("GET") && rest.isEmpty()) {
            ObjectNode r = JSON.createObjectNode();
            r.put("id", 1).put("name", repo.substring(repo.indexOf('/') + 1)).put("full_name", repo)
                    .put("default_branch", "main").put("private", false)
                    .put("html_url", "https://github.example/" + repo).put("url", apiUrl() + "/repos/" + repo);
            r.putObject("owner").put("login", repo.substring(0, repo.indexOf('/'))).put("id", 1).put("type", "Organization");
            send(ex, 200, r);
        } else if (method.equals("GET") && rest.matches("/issues/\\d+")) {
            ObjectNode issue = issues.get(repo + "#" + rest.substring("/issues/".length()));
            send(ex, issue == null ? 404 : 200, issue == null ? notFound() : issue);
        } else if (method.equals("GET") && rest.matches("/issues/\\d+/comments")) {
            String issueUrl = apiUrl() + "/repos/" + repo + "/issues/" + rest.split("/")[2];
            ArrayNode list = JSON.createArrayNode();
            comments.values().stream().filter(c -> c.get("issue_url").asText().equals(issueUrl)).forEach(list::add);
            send(ex, 200, list);
        } else if (method.equals("POST") && rest.matches("/issues/\\d+/comments")) {
            String number = rest.split("/")[2];
            // Pull requests are issues too: their conversation comments go through the issues API.
            if (!issues.containsKey(repo + "#" + number) && pull(repo, Integer.parseInt(number)) == null) {
                send(ex, 404, notFound());
                return;
            }
            boolean app = authorization != null && authorization.matches("(?i)(token|bearer) ghs_.*");
            ObjectNode c = newComment(repo, Integer.parseInt(number), app ? "roomote[bot]" : "roomote-bot",
                    JSON.readTree(body).path("body").asText(), java.time.Instant.now());
            send(ex, 201, c);
        } else if (rest.matches("/issues/comments/\\d+") && (method.equals("GET") || method.equals("PATCH"))) {
            ObjectNode c = comments.get(Long.parseLong(rest.substring("/issues/comments/".length())));
            if (c == null) {
                send(ex, 404, notFound());
                return;
            }
            if (method.equals("PATCH")) {
                c.put("body", JSON.readTree(body).path("body").asText()).put("updated_at", "2026-11-24T10:05:00Z");
            }
            send(ex, 200, c);
        } else if (method.equals("GET") && rest.equals("/pulls")) {
            Map<String, String> params = params(query);
            ArrayNode list = JSON.createArrayNode();
            for (ObjectNode pr : pulls) {
                boolean stateOk = !"open".equals(params.getOrDefault("state", "open")) || "open".equals(pr.get("state").asText());
                boolean headOk = !params.containsKey("head") || params.get("head").equals(pr.at("/head/label").asText());
                if (pr.get("_repo").asText().equals(repo) && stateOk && headOk) {
                    list.add(pr.deepCopy().without("_repo"));
                }
            }
            send(ex, 200, list);
        } else if (method.equals("GET") && rest.matches("/pulls/\\d+")) {
            ObjectNode pr = pull(repo, Integer.parseInt(rest.substring("/pulls/".length())));
            if (pr != null && "open".equals(pr.path("state").asText())) {
                // GitHub keeps head.sha at the branch's tip while the pull request is open.
                String sha = tip(repo, pr.at("/head/ref").asText());
                if (sha != null) {
                    ((ObjectNode) pr.get("head")).put("sha", sha);
                }
            }
            send(ex, pr == null ? 404 : 200, pr == null ? notFound() : pr.deepCopy().without("_repo"));
        } else if (method.equals("GET") && rest.matches("/pulls/\\d+/(reviews|comments)")) {
            int number = Integer.parseInt(rest.split("/")[2]);
            if (pull(repo, number) == null) {
                send(ex, 404, notFound());
                return;
            }
            ArrayNode list = JSON.createArrayNode();
            String prUrl = apiUrl() + "/repos/" + repo + "/pulls/" + number;
            (rest.endsWith("/reviews") ? reviews : reviewComments).stream()
                    .filter(r -> r.path("pull_request_url").asText().equals(prUrl)).forEach(list::add);
            send(ex, 200, list);
        } else if (method.equals("GET") && rest.matches("/check-runs/\\d+")) {
            long id = Long.parseLong(rest.substring("/check-runs/".length()));
            ObjectNode run = checkRuns.stream().filter(r -> r.path("id").asLong() == id
                    && r.path("_repo").asText().equals(repo)).findFirst().orElse(null);
            send(ex, run == null ? 404 : 200, run == null ? notFound() : run.deepCopy().without("_repo"));
        } else if (method.equals("GET") && rest.matches("/check-suites/\\d+/check-runs")) {
            long suite = Long.parseLong(rest.split("/")[2]);
            ObjectNode answer = JSON.createObjectNode();
            ArrayNode runs = answer.putArray("check_runs");
            checkRuns.stream().filter(r -> r.at("/check_suite/id").asLong() == suite && r.path("_repo").asText().equals(repo))
                    .forEach(r -> runs.add(r.deepCopy().without("_repo")));
            answer.put("total_count", runs.size());
            send(ex, 200, answer);
        } else if (method.equals("POST") && rest.matches("/pulls/\\d+/requested_reviewers")) {
            ObjectNode pr = pull(repo, Integer.parseInt(rest.split("/")[2]));
            if (pr == null) {
                send(ex, 404, notFound());
                return;
            }
            JsonNode req = JSON.readTree(body);
            for (JsonNode login : req.path("reviewers")) {
                if (login.asText().equals(pr.at("/user/login").asText())) {
                    ObjectNode err = JSON.createObjectNode().put("message",
                            "Review cannot be requested from pull request author.");
                    send(ex, 422, err);
                    return;
                }
                ((ArrayNode) pr.get("requested_reviewers")).add(user(login.asText()));
            }
            for (JsonNode slug : req.path("team_reviewers")) {
                ((ArrayNode) pr.get("requested_teams")).addObject().put("id", 88).put("slug", slug.asText())
                        .put("name", slug.asText());
            }
            send(ex, 201, pr.deepCopy().without("_repo"));
        } else if (method.equals("POST") && rest.equals("/pulls")) {
            if (failCreatePullsWith != 0 && failCreatePullsTimes != 0) {
                if (failCreatePullsTimes > 0) {
                    failCreatePullsTimes--;
                }
                send(ex, failCreatePullsWith, JSON.createObjectNode().put("message", "Server Error"));
                return;
            }
            JsonNode req = JSON.readTree(body);
            if (refuseDrafts && req.path("draft").asBoolean(false)) {
                ObjectNode err = JSON.createObjectNode().put("message", "Validation Failed");
                err.putArray("errors").addObject().put("resource", "PullRequest").put("code", "custom")
                        .put("message", "Draft pull requests are not supported in this repository.");
                send(ex, 422, err);
                return;
            }
            String head = req.path("head").asText();
            String ref = head.contains(":") ? head.substring(head.indexOf(':') + 1) : head;
            if (req.path("title").asText().isBlank() || !branchExists(repo, ref)) {
                ObjectNode err = JSON.createObjectNode().put("message", "Validation Failed");
                err.putArray("errors").addObject().put("resource", "PullRequest").put("field", "head").put("code", "invalid");
                send(ex, 422, err);
                return;
            }
            ObjectNode pr = newPull(repo, ref, req.path("base").asText("main"), req.path("title").asText(), req.path("body").asText(null));
            pr.put("draft", req.path("draft").asBoolean(false));
            send(ex, 201, pr.deepCopy().without("_repo"));
        } else {
            send(ex, 404, notFound());
        }
    }

    /**
     * GitHub's GraphQL API, one mutation of it: {@code markPullRequestReadyForReview} with the pull request's
     * node id in {@code variables.id} (or inline). Errors come back with 200 and an {@code errors} list, as GitHub does.
     */
    private void graphql(HttpExchange ex, String body) throws IOException {
        JsonNode req = JSON.readTree(body);
        String query = req.path("query").asText();
        if (!query.contains("markPullRequestReadyForReview")) {
            ObjectNode err = JSON.createObjectNode();
            err.putArray("errors").addObject().put("message", "the GitHub stand-in answers only markPullRequestReadyForReview");
            send(ex, 200, err);
            return;
        }
        String id = req.path("variables").path("id").asText(req.path("variables").path("pullRequestId").asText(""));
        for (ObjectNode pr : pulls) {
            if (pr.path("node_id").asText().equals(id)) {
                pr.put("draft", false);
                ObjectNode answer = JSON.createObjectNode();
                answer.putObject("data").putObject("markPullRequestReadyForReview").putObject("pullRequest")
                        .put("isDraft", false);
                send(ex, 200, answer);
                return;
            }
        }
        ObjectNode err = JSON.createObjectNode();
        err.putObject("data").putNull("markPullRequestReadyForReview");
        err.putArray("errors").addObject().put("type", "NOT_FOUND")
                .put("message", "Could not resolve to a node with the global id of '" + id + "'");
        send(ex, 200, err);
    }

    private ObjectNode pull(String repo, int number) {
        return pulls.stream().filter(p -> p.get("_repo").asText().equals(repo) && p.get("number").asInt() == number)
                .findFirst().orElse(null);
    }

    private static ObjectNode user(String login) {
        ObjectNode u = JSON.createObjectNode().put("login", login).put("id", Math.abs(login.hashCode()) % 100_000)
                .put("type", login.endsWith("[bot]") ? "Bot" : "User");
        u.put("url", "https://api.github.example/users/" + login);
        return u;
    }

    private ObjectNode newPull(String repo, String ref, String base, String title, String body) {
        int number = ++nextPull;
        String owner = repo.substring(0, repo.indexOf('/'));
        ObjectNode pr = JSON.createObjectNode();
        pr.put("_repo", repo);
        pr.put("id", 5000 + number).put("number", number).put("state", "open").put("title", title).put("body", body);
        // GitHub's node ids are opaque strings; this one is recognisably this pull request's.
        pr.put("node_id", "PR_standIn" + number).put("draft", false);
        pr.putArray("requested_reviewers");
        pr.putArray("requested_teams");
        pr.put("html_url", "https://github.example/" + repo + "/pull/" + number);
        pr.put("url", apiUrl() + "/repos/" + repo + "/pulls/" + number);
        pr.putObject("head").put("ref", ref).put("label", owner + ":" + ref).put("sha", "0".repeat(40))
                .putObject("repo").put("full_name", repo).put("name", repo.substring(repo.indexOf('/') + 1));
        pr.putObject("base").put("ref", base).put("label", owner + ":" + base)
                .putObject("repo").put("full_name", repo).put("name", repo.substring(repo.indexOf('/') + 1));
        pr.put("merged", false);
        pr.putObject("user").put("login", "roomote-bot");
        pulls.add(pr);
        return pr;
    }

    // ---- Review rounds: test set-up as GitHub would record it.

    /** A conversation comment by {@code author} on issue or pull request {@code number}; returns its id. */
    public synchronized long addComment(String repo, int number, String author, String body, java.time.Instant createdAt) {
        return newComment(repo, number, author, body, createdAt).get("id").asLong();
    }

    private ObjectNode newComment(String repo, int number, String author, String body, java.time.Instant createdAt) {
        long id = 900_000 + comments.size() + 1;
        String at = createdAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        ObjectNode c = JSON.createObjectNode();
        c.put("id", id).put("body", body)
                .put("url", apiUrl() + "/repos/" + repo + "/issues/comments/" + id)
                .put("html_url", "https://github.example/" + repo + "/issues/" + number + "#issuecomment-" + id)
                .put("issue_url", apiUrl() + "/repos/" + repo + "/issues/" + number)
                .put("author_association", author.startsWith("roomote") ? "NONE" : "MEMBER")
                .put("created_at", at).put("updated_at", at);
        c.set("user", user(author));
        comments.put(id, c);
        return c;
    }

    /** A submitted review ({@code state} APPROVED, CHANGES_REQUESTED or COMMENTED); returns its id. */
    public synchronized long addReview(String repo, int pr, String author, String state, String body,
                                       java.time.Instant submittedAt) {
        long id = ++nextReviewId;
        ObjectNode r = JSON.createObjectNode();
        r.put("id", id).put("node_id", "PRR_standIn" + id).put("body", body).put("state", state)
                .put("html_url", "https://github.example/" + repo + "/pull/" + pr + "#pullrequestreview-" + id)
                .put("pull_request_url", apiUrl() + "/repos/" + repo + "/pulls/" + pr)
                .put("author_association", "MEMBER")
                .put("submitted_at", submittedAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString())
                .put("commit_id", "0".repeat(40));
        r.set("user", user(author));
        reviews.add(r);
        return id;
    }

    /**
     * A review comment on {@code path} at {@code line} of the diff; {@code inReplyTo} the first comment of its
     * thread (null: it starts one), {@code reviewId} the review it belongs to (null: a single comment's own review).
     */
    public synchronized long addReviewComment(String repo, int pr, String author, String body, String path, int line,
                                              Long inReplyTo, Long reviewId, java.time.Instant createdAt) {
        long id = ++nextReviewId;
        String at = createdAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        ObjectNode c = JSON.createObjectNode();
        c.put("id", id).put("node_id", "PRRC_standIn" + id).put("body", body).put("path", path)
                .put("line", line).put("original_line", line).put("side", "RIGHT")
                .put("diff_hunk", "@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b")
                .put("pull_request_review_id", reviewId == null ? id + 1_000_000 : reviewId)
                .put("html_url", "https://github.example/" + repo + "/pull/" + pr + "#discussion_r" + id)
                .put("pull_request_url", apiUrl() + "/repos/" + repo + "/pulls/" + pr)
                .put("author_association", "MEMBER").put("created_at", at).put("updated_at", at)
                .put("commit_id", "0".repeat(40));
        if (inReplyTo != null) {
            c.put("in_reply_to_id", inReplyTo);
        }
        c.set("user", user(author));
        reviewComments.add(c);
        return id;
    }

    /** A completed check run of suite {@code suiteId} on {@code headSha} with its output. */
    public synchronized void addCheckRun(String repo, long id, long suiteId, String name, String conclusion,
                                         String headSha, String title, String summary, String text) {
        ObjectNode r = JSON.createObjectNode();
        r.put("_repo", repo).put("id", id).put("name", name).put("head_sha", headSha).put("status", "completed")
                .put("conclusion", conclusion)
                .put("html_url", "https://github.example/" + repo + "/runs/" + id)
                .put("details_url", "https://ci.example/" + id);
        r.putObject("output").put("title", title).put("summary", summary).put("text", text);
        r.putObject("check_suite").put("id", suiteId);
        checkRuns.add(r);
    }

    /** Closes a pull request ({@code merged}: as GitHub shows a merged one). */
    public synchronized void closePull(String repo, int number, boolean merged) {
        pull(repo, number).put("state", "closed").put("merged", merged);
    }

    /** Makes a pull request's head branch live in another repository (a fork). */
    public synchronized void setPullHeadRepo(String repo, int number, String headRepo) {
        ((ObjectNode) pull(repo, number).at("/head/repo")).put("full_name", headRepo);
    }

    /** The commit {@code ref} points at in the bare remote, or null. */
    private String tip(String repo, String ref) {
        try {
            Process p = new ProcessBuilder("git", "--git-dir", remotes.resolve(repo + ".git").toString(),
                    "rev-parse", "--verify", "--quiet", "refs/heads/" + ref).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private boolean branchExists(String repo, String ref) {
        try {
            Process p = new ProcessBuilder("git", "--git-dir", remotes.resolve(repo + ".git").toString(),
                    "rev-parse", "--verify", "--quiet", "refs/heads/" + ref).start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Map<String, String> params(String query) {
        Map<String, String> out = new LinkedHashMap<>();
        if (query == null) {
            return out;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static ObjectNode notFound() {
        return JSON.createObjectNode().put("message", "Not Found")
                .put("documentation_url", "https://docs.github.com/rest");
    }

    private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }

}
