package io.roomote.runner.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.roomote.core.config.SecretNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.FileVisitResult;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployment files — Dockerfile, Dockerfile.worker, docker-compose.yml, .env.example, deploy/kubernetes/ and
 * scripts/build.sh — checked without running them. No Docker engine, no compose plugin and no Kubernetes cluster
 * exist where this runs, so nothing here builds an image, starts a container or applies a manifest: the files are
 * parsed (real YAML parsing with Jackson's YAML dataformat, the real Dockerfile text, the real README) and their
 * structure, pinning and secret handling asserted. build.sh is really run by bash, with a recording {@code docker}
 * (and {@code podman}) executable first on the PATH standing in for the engine: it records the argument lines.
 */
class DeployFilesTest {

    private static final Path ROOT = repositoryRoot();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{[A-Za-z_][A-Za-z0-9_]*(?:(?::?[-?])[^}]*)?}");
    private static final Pattern DEFAULTED = Pattern.compile("\\$\\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)}");

    /** docker-compose.yml, parsed. */
    private final JsonNode compose = read();
    private final JsonNode services = compose.path("services");
    /** The Kubernetes manifests' folder. */
    private final Path dir = ROOT.resolve("deploy/kubernetes");

    /** build.sh's tests: the recording engines' folder and log. */
    @TempDir
    Path tmp;
    private Path bin;
    private Path log;

    private static Path repositoryRoot() {
        try {
            return Path.of("..").toRealPath();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The project's version without -SNAPSHOT: the tag build.sh gives by default and the files must run. */
    private static String imageTag() throws IOException {
        Matcher m = Pattern.compile("(?m)^  <version>([^<]+)</version>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertThat(m.find()).as("the root pom's <version>").isTrue();
        return m.group(1).replace("-SNAPSHOT", "");
    }

    // ------------------------------------------------------------------------------------------------ checks

    /**
     * Why an image reference is not pinned, or empty. Third-party images need an exact version tag (digits and
     * dots, never {@code latest}, never a bare major like {@code 17}); Roomote's own images need a tag that is not
     * {@code latest}. A digest pins too.
     */
    static Optional<String> unpinned(String image) {
        String ref = resolveDefaults(image);
        if (ref.contains("@sha256:")) {
            return Optional.empty();
        }
        int slash = ref.lastIndexOf('/');
        int colon = ref.lastIndexOf(':');
        if (colon < slash + 1) {
            return Optional.of(image + ": no tag");
        }
        String tag = ref.substring(colon + 1);
        if (tag.equals("latest")) {
            return Optional.of(image + ": tag latest");
        }
        boolean ours = ref.startsWith("roomote/");
        if (!ours && !tag.matches("\\d+\\.\\d+.*")) {
            return Optional.of(image + ": tag " + tag + " is not an exact version");
        }
        return Optional.empty();
    }

    /** {@code ${NAME:-default}} → default (what compose runs when NAME is unset). */
    static String resolveDefaults(String value) {
        return DEFAULTED.matcher(value).replaceAll(r -> Matcher.quoteReplacement(r.group(1)));
    }

    /**
     * Why a secret-named setting carries a value, or empty. Only {@code ${VAR}} references may stand for a secret;
     * a URL's user and host are not secret, its password must be a reference.
     */
    static Optional<String> literalSecret(String name, String value) {
        if (!SecretNames.isSecret(name) || value == null || value.isEmpty()) {
            return Optional.empty();
        }
        if (name.equals("DATABASE_URL")) {
            Matcher m = Pattern.compile("^[a-z]+://[^:@/]+:(.*)@[^@]+$").matcher(value);
            if (m.matches() && REFERENCE.matcher(m.group(1)).matches()) {
                return Optional.empty();
            }
            return Optional.of(name + ": its password is not a ${VAR} reference");
        }
        return REFERENCE.matcher(value).replaceAll("").isBlank()
                ? Optional.empty()
                : Optional.of(name + " carries a value instead of a ${VAR} reference");
    }

    /** ENV or ARG instructions whose secret-looking name is given a value in the Dockerfile. */
    static List<String> secretsInDockerfile(String dockerfile) {
        List<String> found = new ArrayList<>();
        for (String instruction : instructions(dockerfile)) {
            Matcher m = Pattern.compile("^(ENV|ARG)\\s+(.*)$", Pattern.DOTALL).matcher(instruction);
            if (!m.matches()) {
                continue;
            }
            Matcher pair = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)(=|\\s+)(\"[^\"]*\"|\\S*)").matcher(m.group(2));
            while (pair.find()) {
                String name = pair.group(1);
                String value = pair.group(3).replace("\"", "");
                boolean named = name.toUpperCase().matches(".*(TOKEN|SECRET|KEY|PASSWORD).*");
                if (named && !value.isEmpty()) {
                    found.add(m.group(1) + " " + name);
                }
                if (m.group(1).equals("ENV") && pair.group(2).isBlank()) {
                    break; // the legacy `ENV NAME value with spaces` form: one pair only
                }
            }
        }
        return found;
    }

    /** The instructions of a Dockerfile: continuation lines joined, comments and blank lines dropped. */
    static List<String> instructions(String dockerfile) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : dockerfile.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            if (!current.isEmpty()) {
                out.add(current.toString().strip());
            }
            current.setLength(0);
        }
        if (!current.isEmpty()) {
            out.add(current.toString().strip());
        }
        return out;
    }

    /** The images of the FROM lines, ARG defaults (declared before the first FROM) substituted; stages skipped. */
    static List<String> baseImages(String dockerfile) {
        Map<String, String> args = new HashMap<>();
        Set<String> stages = new LinkedHashSet<>();
        List<String> images = new ArrayList<>();
        boolean seenFrom = false;
        for (String instruction : instructions(dockerfile)) {
            Matcher arg = Pattern.compile("^ARG\\s+([A-Za-z_][A-Za-z0-9_]*)=(\\S+)$").matcher(instruction);
            if (!seenFrom && arg.matches()) {
                args.put(arg.group(1), arg.group(2));
            }
            Matcher from = Pattern.compile("^FROM\\s+(?:--platform=\\S+\\s+)?(\\S+)(?:\\s+AS\\s+(\\S+))?$",
                    Pattern.CASE_INSENSITIVE).matcher(instruction);
            if (from.matches()) {
                seenFrom = true;
                String image = from.group(1);
                for (Map.Entry<String, String> a : args.entrySet()) {
                    image = image.replace("${" + a.getKey() + "}", a.getValue()).replace("$" + a.getKey(), a.getValue());
                }
                if (!stages.contains(image)) {
                    images.add(image);
                }
                if (from.group(2) != null) {
                    stages.add(from.group(2));
                }
            }
        }
        return images;
    }

    private static List<JsonNode> documents(Path file) throws IOException {
        try (var parser = YAML.getFactory().createParser(file.toFile())) {
            return YAML.readValues(parser, JsonNode.class).readAll().stream().filter(d -> d != null && !d.isNull()).toList();
        }
    }

    // ------------------------------------------------------------------------------------- the checks can fail

    @Test
    void theChecksRejectWhatTheyExistToReject() {
        assertThat(unpinned("postgres:latest")).isPresent();
        assertThat(unpinned("postgres")).isPresent();
        assertThat(unpinned("postgres:17")).isPresent();
        assertThat(unpinned("eclipse-temurin:17-jdk-jammy")).isPresent();
        assertThat(unpinned("roomote/runner:latest")).isPresent();
        assertThat(unpinned("roomote/runner:${ROOMOTE_IMAGE_TAG:-latest}")).isPresent();
        assertThat(unpinned("registry.example:5000/postgres")).isPresent();
        assertThat(unpinned("postgres:17.5-bookworm")).isEmpty();
        assertThat(unpinned("roomote/runner:${ROOMOTE_IMAGE_TAG:-0.1.0}")).isEmpty();
        assertThat(unpinned("postgres@sha256:0123")).isEmpty();

        assertThat(literalSecret("GH_TOKEN", "ghp_abc")).isPresent();
        assertThat(literalSecret("GH_TOKEN", "${GH_TOKEN}")).isEmpty();
        assertThat(literalSecret("POSTGRES_PASSWORD", "${POSTGRES_PASSWORD:?set it}")).isEmpty();
        assertThat(literalSecret("DATABASE_URL", "postgresql://roomote:hunter2@postgres:5432/roomote")).isPresent();
        assertThat(literalSecret("DATABASE_URL", "postgresql://roomote:${POSTGRES_PASSWORD:?x}@postgres:5432/roomote")).isEmpty();
        assertThat(literalSecret("HOST", "0.0.0.0")).isEmpty();

        assertThat(secretsInDockerfile("FROM x:1.2\nARG GH_TOKEN=ghp_abc\n")).containsExactly("ARG GH_TOKEN");
        assertThat(secretsInDockerfile("FROM x:1.2\nENV A=1 \\\n    OPENROUTER_API_KEY=sk-or-1\n")).containsExactly("ENV OPENROUTER_API_KEY");
        assertThat(secretsInDockerfile("FROM x:1.2\nENV SLACK_API_TOKEN xoxb-1\n")).containsExactly("ENV SLACK_API_TOKEN");
        assertThat(secretsInDockerfile("FROM x:1.2\nARG GH_TOKEN\nENV LANG=C.UTF-8\n")).isEmpty();

        assertThat(baseImages("ARG B=roomote/runner:1.0\nFROM node:22.1.0 AS node\nFROM ${B}\nCOPY --from=node / /\n"))
                .containsExactly("node:22.1.0", "roomote/runner:1.0");
        assertThat(baseImages("FROM maven:3.9.9 AS build\nFROM build\n")).containsExactly("maven:3.9.9");
    }

    // ------------------------------------------------------------------------------------------- Dockerfiles

    @Test
    void everyBaseImageIsPinnedToAnExactTag() throws IOException {
        for (String name : List.of("Dockerfile", "Dockerfile.worker")) {
            List<String> images = baseImages(Files.readString(ROOT.resolve(name)));
            assertThat(images).as(name).isNotEmpty();
            assertThat(images).as(name + " FROM lines").allSatisfy(i -> assertThat(unpinned(i)).as(i).isEmpty());
        }
    }

    @Test
    void theLastUserIsNotRoot() throws IOException {
        for (String name : List.of("Dockerfile", "Dockerfile.worker")) {
            List<String> users = instructions(Files.readString(ROOT.resolve(name))).stream()
                    .filter(i -> i.startsWith("USER ")).map(i -> i.substring(5).strip()).toList();
            assertThat(users).as(name + " USER lines").isNotEmpty();
            assertThat(users.get(users.size() - 1)).as(name + " runs as").isNotIn("root", "0", "0:0", "root:root");
        }
    }

    @Test
    void noLayerCarriesASecret() throws IOException {
        for (String name : List.of("Dockerfile", "Dockerfile.worker")) {
            assertThat(secretsInDockerfile(Files.readString(ROOT.resolve(name)))).as(name).isEmpty();
        }
        // .env (the secrets) never reaches the build context, so no COPY can put it in a layer.
        List<String> ignored = Files.readAllLines(ROOT.resolve(".dockerignore"));
        assertThat(ignored).contains(".env", "**/target/");
    }

    @Test
    void theRunnerImageBuildsTheJarAndRunsItAsRoomote() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        List<String> instructions = instructions(dockerfile);
        assertThat(baseImages(dockerfile)).anySatisfy(i -> assertThat(i).startsWith("maven:3.9.").contains("-eclipse-temurin-17"));
        assertThat(baseImages(dockerfile).get(baseImages(dockerfile).size() - 1)).startsWith("eclipse-temurin:17.0.").endsWith("-jre-noble");
        assertThat(instructions).anySatisfy(i -> assertThat(i).startsWith("RUN").contains("./mvnw -B -ntp -DskipTests"));
        assertThat(instructions).anySatisfy(i -> assertThat(i).startsWith("RUN apt-get")
                .contains(" git ").contains(" bubblewrap ").contains(" socat "));
        assertThat(instructions).anySatisfy(i -> assertThat(i).contains("useradd --uid 10001"));
        assertThat(instructions).contains("ENTRYPOINT [\"java\",\"-jar\",\"/opt/roomote/roomote.jar\"]", "CMD [\"serve\"]",
                "VOLUME [\"/var/lib/roomote\"]", "USER 10001:10001");
        assertThat(instructions).anySatisfy(i -> assertThat(i).startsWith("ENV").contains("ROOMOTE_HOME=/var/lib/roomote"));
    }

    @Test
    void theWorkerImageHasTheAgentsAtTheTestedVersions() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile.worker"));
        // The versions the CLI drivers were tested with (roomote-agents' lock file).
        JsonNode lock = new ObjectMapper().readTree(ROOT.resolve("roomote-agents/src/test/node/agent-clis/package-lock.json").toFile());
        String codex = lock.at("/packages/node_modules~1@openai~1codex/version").asText();
        String opencode = lock.at("/packages/node_modules~1opencode-ai/version").asText();
        assertThat(codex).isNotEmpty();
        assertThat(opencode).isNotEmpty();
        assertThat(dockerfile).contains("ARG CODEX_VERSION=" + codex, "ARG OPENCODE_VERSION=" + opencode,
                "\"@openai/codex@${CODEX_VERSION}\"", "\"opencode-ai@${OPENCODE_VERSION}\"");
        assertThat(dockerfile).contains("--install-extension RooVeterinaryInc.roo-cline", "packages.microsoft.com/repos/code",
                "install -y --no-install-recommends code", "xvfb", "cli.github.com/packages", "install -y --no-install-recommends gh");
        // Built on the runner image (git, bubblewrap, socat, roomote.jar), whose tag build.sh passes.
        assertThat(baseImages(dockerfile)).contains("roomote/runner:" + imageTag());
        assertThat(instructions(dockerfile)).contains("ENTRYPOINT [\"/usr/local/bin/roomote-entrypoint\"]");
    }

    @Test
    void thereIsOneWorkerImageDefinitionAndNothingPointsAtTheOldOne() throws IOException {
        assertThat(ROOT.resolve("docker/worker/Dockerfile")).doesNotExist();
        List<Path> mentions = new ArrayList<>();
        Files.walkFileTree(ROOT, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                return Set.of("target", ".git", "node_modules").contains(name) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String name = file.getFileName().toString();
                boolean text = name.matches(".*\\.(md|java|groovy|jelly|sh|yml|yaml)$") || name.equals("Jenkinsfile");
                if (text && !name.equals("DeployFilesTest.java") && Files.readString(file).contains("docker/worker/Dockerfile")) {
                    mentions.add(ROOT.relativize(file));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        assertThat(mentions).as("files naming docker/worker/Dockerfile").isEmpty();
    }

    @Test
    void theWorkerEntrypointSendsRoomoteCommandsToTheJarAndRunsAnythingElse(@TempDir Path scratch) throws Exception {
        // Run for real with sh; `java` is a recording stand-in first on the PATH.
        Path bin = Files.createDirectories(scratch.resolve("bin"));
        Path log = scratch.resolve("java.log");
        recorder(bin.resolve("java"), log);
        Path entrypoint = ROOT.resolve("docker/roomote-entrypoint.sh");

        assertThat(run(List.of("sh", entrypoint.toString(), "worker", "--once"), bin, Map.of()).exit).isZero();
        assertThat(Files.readAllLines(log)).containsExactly("-jar", "/opt/roomote/roomote.jar", "worker", "--once", "--");
        Files.delete(log);
        Result echo = run(List.of("sh", entrypoint.toString(), "echo", "hello from cat's place"), bin, Map.of());
        assertThat(echo.stdout.strip()).isEqualTo("hello from cat's place");
        assertThat(log).doesNotExist();
    }

    // ------------------------------------------------------------------------------------------------ compose

    private JsonNode read() {
        try {
            return YAML.readTree(ROOT.resolve("docker-compose.yml").toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, String> environment(JsonNode service) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode node = service.path("environment");
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
        } else if (node.isArray()) {
            node.forEach(e -> {
                String[] kv = e.asText().split("=", 2);
                env.put(kv[0], kv.length > 1 ? kv[1] : null);
            });
        }
        return env;
    }

    @Test
    void postgresHasAVolumeAndAHealthCheck() {
        JsonNode pg = services.path("postgres");
        assertThat(pg.path("image").asText()).startsWith("postgres:17.");
        assertThat(pg.path("healthcheck").path("test").toString()).contains("pg_isready");
        assertThat(pg.path("volumes").get(0).asText()).startsWith("postgres-data:");
        assertThat(compose.path("volumes").has("postgres-data")).isTrue();
        assertThat(pg.path("restart").asText()).isEqualTo("unless-stopped");
    }

    @Test
    void apiAndControllerRunTheRunnerImageOnAHealthyDatabase() throws IOException {
        for (String name : List.of("api", "controller")) {
            JsonNode s = services.path(name);
            assertThat(resolveDefaults(s.path("image").asText())).as(name).isEqualTo("roomote/runner:" + imageTag());
            assertThat(s.path("command").toString()).as(name).isEqualTo("[\"" + name + "\"]");
            assertThat(s.path("depends_on").path("postgres").path("condition").asText()).as(name).isEqualTo("service_healthy");
            assertThat(s.path("restart").asText()).as(name).isEqualTo("unless-stopped");
            assertThat(s.path("env_file").asText()).as(name).isEqualTo(".env");
            assertThat(environment(s).get("DATABASE_URL")).as(name).contains("@postgres:5432/");
        }
        assertThat(services.path("api").path("ports").toString()).contains("3001:3001");
        Map<String, String> controller = environment(services.path("controller"));
        assertThat(controller).containsEntry("ROOMOTE_LAUNCHER", "docker")
                .containsEntry("ROOMOTE_SANDBOX", "none")
                .containsEntry("ROOMOTE_WORKER_NETWORK", compose.path("networks").path("default").path("name").asText());
        assertThat(resolveDefaults(controller.get("ROOMOTE_WORKER_RUNNER_IMAGE"))).isEqualTo("roomote/worker:" + imageTag());
    }

    @Test
    void onlyTheControllerGetsTheDockerSocket() {
        List<String> withSocket = new ArrayList<>();
        services.fields().forEachRemaining(e -> {
            if (e.getValue().path("volumes").toString().contains("docker.sock")) {
                withSocket.add(e.getKey());
            }
        });
        assertThat(withSocket).containsExactly("controller");
    }

    @Test
    void imagesArePinnedAndSecretsAreOnlyReferences() {
        services.fields().forEachRemaining(e -> {
            assertThat(unpinned(e.getValue().path("image").asText())).as(e.getKey()).isEmpty();
            environment(e.getValue()).forEach((k, v) ->
                    assertThat(literalSecret(k, v)).as(e.getKey() + " " + k).isEmpty());
        });
    }

    // ------------------------------------------------------------------------------------------- .env.example

    /** The variables of README's configuration tables: the backticked names in each row's first cell. */
    private Set<String> readmeVariables() throws IOException {
        Set<String> names = new TreeSet<>();
        boolean inConfiguration = false;
        for (String line : Files.readAllLines(ROOT.resolve("README.md"))) {
            if (line.startsWith("## ")) {
                inConfiguration = line.equals("## Configuration");
            } else if (inConfiguration && line.startsWith("| `")) {
                String firstCell = line.substring(1, line.indexOf('|', 1));
                Matcher m = Pattern.compile("`([A-Z][A-Z0-9_]+)`").matcher(firstCell);
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }

    private Map<String, String> listed() throws IOException {
        Map<String, String> listed = new LinkedHashMap<>();
        for (String line : Files.readAllLines(ROOT.resolve(".env.example"))) {
            Matcher m = Pattern.compile("^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$").matcher(line);
            if (m.matches()) {
                listed.put(m.group(1), m.group(2));
            }
        }
        return listed;
    }

    @Test
    void namesEveryVariableOfTheReadmesTables() throws IOException {
        Set<String> readme = readmeVariables();
        assertThat(readme).as("README's configuration tables").contains("DATABASE_URL", "GH_TOKEN", "ROOMOTE_SANDBOX", "SLACK_CHANNEL");
        assertThat(listed().keySet()).containsAll(readme);
    }

    @Test
    void holdsNoSecretValueAndEverythingComposeRequires() throws IOException {
        listed().forEach((name, value) -> {
            if (SecretNames.isSecret(name)) {
                assertThat(value).as(name).isEmpty();
            }
        });
        Matcher required = Pattern.compile("\\$\\{([A-Z_][A-Z0-9_]*):\\?").matcher(Files.readString(ROOT.resolve("docker-compose.yml")));
        while (required.find()) {
            assertThat(listed()).as("compose requires " + required.group(1)).containsKey(required.group(1));
        }
    }

    // --------------------------------------------------------------------------------------------- Kubernetes

    private List<JsonNode> all() throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                docs.addAll(documents(f));
            }
        }
        return docs;
    }

    private JsonNode find(String kind, String name) throws IOException {
        return all().stream().filter(d -> d.path("kind").asText().equals(kind) && d.path("metadata").path("name").asText().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in deploy/kubernetes"));
    }

    private List<JsonNode> containers() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode d : all()) {
            d.path("spec").path("template").path("spec").path("containers").forEach(out::add);
        }
        return out;
    }

    @Test
    void everyDocumentParsesAndTheKindsArePresent() throws IOException {
        Set<String> kinds = new TreeSet<>();
        for (JsonNode d : all()) {
            assertThat(d.path("apiVersion").asText()).as(d.toString()).isNotEmpty();
            assertThat(d.path("kind").asText()).as(d.toString()).isNotEmpty();
            if (!d.path("kind").asText().equals("Kustomization")) {
                assertThat(d.path("metadata").path("name").asText()).as(d.path("kind").asText()).isNotEmpty();
            }
            kinds.add(d.path("kind").asText());
        }
        assertThat(kinds).contains("Namespace", "Deployment", "Service", "ServiceAccount", "Role", "RoleBinding",
                "Secret", "NetworkPolicy", "StatefulSet", "Kustomization");
        assertThat(kinds).doesNotContain("ClusterRole", "ClusterRoleBinding");
        find("Deployment", "roomote-api");
        find("Service", "roomote-api");
        find("Deployment", "roomote-controller");
        find("StatefulSet", "roomote-postgres");
        find("Service", "roomote-postgres");
    }

    @Test
    void theKustomizationListsExistingFilesAndNeverThePlaceholderSecret() throws IOException {
        JsonNode k = documents(dir.resolve("kustomization.yaml")).get(0);
        List<String> resources = new ArrayList<>();
        k.path("resources").forEach(r -> resources.add(r.asText()));
        assertThat(resources).contains("api.yaml", "controller.yaml", "networkpolicy.yaml").doesNotContain("secret.template.yaml");
        assertThat(resources).allSatisfy(r -> assertThat(dir.resolve(r)).exists());
    }

    @Test
    void theControllersRoleIsMinimalAndNamespaced() throws IOException {
        JsonNode role = find("Role", "roomote-controller");
        Map<String, Set<String>> rules = new LinkedHashMap<>();
        role.path("rules").forEach(r -> r.path("resources").forEach(res -> {
            String group = r.path("apiGroups").get(0).asText();
            Set<String> verbs = new TreeSet<>();
            r.path("verbs").forEach(v -> verbs.add(v.asText()));
            rules.put(res.asText() + (group.isEmpty() ? "" : "." + group), verbs);
        }));
        assertThat(rules).containsOnly(
                Map.entry("jobs.batch", Set.of("create", "delete", "get", "list", "watch")),
                Map.entry("pods", Set.of("get", "list", "watch")));
        assertThat(role.toString()).doesNotContain("\"*\"");
        JsonNode binding = find("RoleBinding", "roomote-controller");
        assertThat(binding.path("roleRef").path("kind").asText()).isEqualTo("Role");
        String account = find("Deployment", "roomote-controller").path("spec").path("template").path("spec").path("serviceAccountName").asText();
        assertThat(binding.path("subjects").get(0).path("name").asText()).isEqualTo(account);
        assertThat(find("ServiceAccount", account)).isNotNull();
    }

    @Test
    void secretsComeOnlyFromTheSecretByReference() throws IOException {
        for (JsonNode c : containers()) {
            c.path("env").forEach(e -> {
                if (SecretNames.isSecret(e.path("name").asText())) {
                    assertThat(e.has("value")).as(c.path("name").asText() + " " + e.path("name").asText() + " has a literal value").isFalse();
                    assertThat(e.path("valueFrom").has("secretKeyRef")).as(e.toString()).isTrue();
                }
            });
            c.path("envFrom").forEach(e -> assertThat(e.path("secretRef").path("name").asText()).as(e.toString()).isEqualTo("roomote"));
        }
        JsonNode template = find("Secret", "roomote");
        Map<String, String> data = new TreeMap<>();
        template.path("stringData").fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
        assertThat(data.keySet()).containsExactlyInAnyOrder("DATABASE_URL", "GH_TOKEN", "OPENROUTER_API_KEY",
                "GH_WEBHOOK_SECRET", "SLACK_API_TOKEN", "ROOMOTE_API_TOKEN");
        assertThat(data.values()).containsOnly("REPLACE_ME");
        assertThat(template.has("data")).isFalse();
    }

    @Test
    void everyContainerHasProbesResourcesAndAPinnedImage() throws IOException {
        List<JsonNode> containers = containers();
        assertThat(containers).hasSizeGreaterThanOrEqualTo(3);
        for (JsonNode c : containers) {
            String name = c.path("name").asText();
            assertThat(unpinned(c.path("image").asText())).as(name).isEmpty();
            assertThat(c.path("readinessProbe").isObject()).as(name + " readinessProbe").isTrue();
            assertThat(c.path("livenessProbe").isObject()).as(name + " livenessProbe").isTrue();
            for (String kind : List.of("requests", "limits")) {
                assertThat(c.path("resources").path(kind).has("cpu")).as(name + " " + kind + ".cpu").isTrue();
                assertThat(c.path("resources").path(kind).has("memory")).as(name + " " + kind + ".memory").isTrue();
            }
            if (!name.equals("postgres")) {
                assertThat(c.path("readinessProbe").path("httpGet").path("path").asText()).as(name).isEqualTo("/api/health");
                assertThat(c.path("livenessProbe").path("httpGet").path("path").asText()).as(name).isEqualTo("/api/health");
                assertThat(c.path("image").asText()).as(name).isEqualTo("roomote/runner:" + imageTag());
            }
        }
    }

    @Test
    void theControllerStartsWorkerJobsWithTheAgentImageAndNoSandbox() throws IOException {
        JsonNode c = find("Deployment", "roomote-controller").path("spec").path("template").path("spec").path("containers").get(0);
        Map<String, String> env = new HashMap<>();
        c.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText(null)));
        assertThat(c.path("args").toString()).isEqualTo("[\"controller\"]");
        assertThat(env).containsEntry("ROOMOTE_LAUNCHER", "kubernetes")
                .containsEntry("ROOMOTE_SANDBOX", "none")
                .containsEntry("ROOMOTE_WORKER_RUNNER_IMAGE", "roomote/worker:" + imageTag())
                .containsKey("ROOMOTE_KUBERNETES_NAMESPACE")
                .containsKey("MAX_WORKERS");
    }

    @Test
    void workersMayReachDnsPostgresAndPublicHttpsOnly() throws IOException {
        JsonNode policy = find("NetworkPolicy", "roomote-workers").path("spec");
        // The labels KubernetesWorkerLauncher puts on every worker pod.
        assertThat(policy.path("podSelector").path("matchLabels").path("app.kubernetes.io/name").asText()).isEqualTo("roomote");
        assertThat(policy.path("podSelector").path("matchLabels").path("app.kubernetes.io/component").asText()).isEqualTo("worker");
        assertThat(policy.path("policyTypes").toString()).contains("Ingress", "Egress");
        assertThat(policy.path("ingress").size()).isZero();
        Set<String> ports = new TreeSet<>();
        JsonNode internet = null;
        for (JsonNode rule : policy.path("egress")) {
            rule.path("ports").forEach(p -> ports.add(p.path("protocol").asText() + "/" + p.path("port").asText()));
            for (JsonNode to : rule.path("to")) {
                if (to.has("ipBlock")) {
                    internet = rule;
                }
            }
        }
        assertThat(ports).containsExactlyInAnyOrder("UDP/53", "TCP/53", "TCP/5432", "TCP/443");
        assertThat(internet).as("the internet rule").isNotNull();
        assertThat(internet.path("ports").toString()).contains("443").doesNotContain("80,");
        JsonNode block = internet.path("to").get(0).path("ipBlock");
        assertThat(block.path("cidr").asText()).isEqualTo("0.0.0.0/0");
        List<String> except = new ArrayList<>();
        block.path("except").forEach(e -> except.add(e.asText()));
        assertThat(except).contains("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10");
    }

    // ------------------------------------------------------------------------------------------------ build.sh

    private record Result(int exit, String stdout, String stderr) {
    }

    /** A stand-in engine: writes each argument on its own line, then a `--` line, and exits 0. */
    private static void recorder(Path program, Path log) throws IOException {
        Files.writeString(program, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '" + log + "'; done\n"
                + "printf -- '--\\n' >> '" + log + "'\n");
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static Result run(List<String> command, Path bin, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("ROOMOTE_"));
        pb.environment().put("PATH", bin + ":/usr/bin:/bin");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out, err);
    }

    private List<List<String>> build(Map<String, String> env, String... args) throws Exception {
        bin = Files.createDirectories(tmp.resolve("bin"));
        log = tmp.resolve("engine.log");
        recorder(bin.resolve("docker"), log);
        recorder(bin.resolve("podman"), tmp.resolve("podman.log"));
        List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("scripts/build.sh").toString()));
        command.addAll(List.of(args));
        Result r = run(command, bin, env);
        assertThat(r.exit).as(r.stderr).isZero();
        return calls(log);
    }

    private List<List<String>> calls(Path file) throws IOException {
        List<List<String>> calls = new ArrayList<>();
        if (!Files.exists(file)) {
            return calls;
        }
        List<String> current = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.equals("--")) {
                calls.add(current);
                current = new ArrayList<>();
            } else {
                current.add(line);
            }
        }
        return calls;
    }

    private List<String> runner(String tag) {
        return List.of("build", "-f", ROOT + "/Dockerfile", "-t", "roomote/runner:" + tag, "-t", "roomote/runner:latest", ROOT.toString());
    }

    @Test
    void baseApiAndControllerBuildTheRunnerImage() throws Exception {
        String tag = imageTag();
        assertThat(build(Map.of(), "base")).containsExactly(runner(tag));
        Files.delete(log);
        assertThat(build(Map.of(), "api")).containsExactly(runner(tag));
        Files.delete(log);
        assertThat(build(Map.of(), "controller")).containsExactly(runner(tag));
    }

    @Test
    void workerBuildsTheAgentImageOnTheRunnerOfTheSameTag() throws Exception {
        String tag = imageTag();
        assertThat(build(Map.of(), "worker")).containsExactly(List.of("build", "-f", ROOT + "/Dockerfile.worker",
                "--build-arg", "RUNNER_IMAGE=roomote/runner:" + tag, "-t", "roomote/worker:" + tag,
                "-t", "roomote/worker:latest", ROOT.toString()));
    }

    @Test
    void theTagOptionsAndPodmanAreHonoured() throws Exception {
        assertThat(build(Map.of("ROOMOTE_IMAGE_TAG", "1.2.3"), "base", "--build-arg", "X=y")).containsExactly(
                List.of("build", "-f", ROOT + "/Dockerfile", "-t", "roomote/runner:1.2.3", "-t", "roomote/runner:latest",
                        "--build-arg", "X=y", ROOT.toString()));
        Files.delete(log);
        assertThat(build(Map.of("ROOMOTE_DOCKER", "podman"), "worker")).isEmpty();
        assertThat(calls(tmp.resolve("podman.log"))).hasSize(1).allSatisfy(c -> assertThat(c).startsWith("build", "-f", ROOT + "/Dockerfile.worker"));
    }

    @Test
    void aWrongTargetPrintsTheUsageAndBuildsNothing() throws Exception {
        bin = Files.createDirectories(tmp.resolve("bin"));
        log = tmp.resolve("engine.log");
        recorder(bin.resolve("docker"), log);
        for (List<String> args : List.of(List.<String>of(), List.of("dashboard"))) {
            List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("scripts/build.sh").toString()));
            command.addAll(args);
            Result r = run(command, bin, Map.of());
            assertThat(r.exit).isEqualTo(2);
            assertThat(r.stderr).startsWith("usage: ").contains("base|api|controller|worker");
        }
        Result r = run(List.of("bash", ROOT.resolve("scripts/build.sh").toString(), "base"), bin, Map.of("ROOMOTE_DOCKER", "nerdctl"));
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.stderr).contains("ROOMOTE_DOCKER must be docker or podman");
        assertThat(log).doesNotExist();
    }
}
