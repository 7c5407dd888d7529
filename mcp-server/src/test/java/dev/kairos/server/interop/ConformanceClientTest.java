package dev.kairos.server.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.server.testing.KairosProcess;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The official conformance suite's client scenarios ({@code @modelcontextprotocol/conformance},
 * {@code conformance client --command ... --scenario ...}) with Kairos as the client: the suite
 * starts its test server and runs the command with the server's URL appended. A scenario listed in
 * {@code interop/conformance-client-expected-failures.txt} must fail (with the reason given there);
 * every other must pass. The same for the 2026-07-28 client scenarios of the suite's 0.2.0 alpha
 * ({@code conformance-2026} in interop/), listed in {@code interop/conformance-client-2026-expected-failures.txt}:
 * there Kairos finds the server's era with {@code server/discover} and speaks the stateless revision.
 */
class ConformanceClientTest {
    /** A run takes a few seconds (mostly the JVM starting); this bounds a hung one. */
    private static final long RUN_TIMEOUT_S = 120;

    /**
     * A scenario and the kairos command line that plays the client (the URL comes last). With
     * {@code callsFromContext} the command is the calls runner instead ({@link #CALLS_RUNNER}): each call
     * the scenario lists in {@code MCP_CONFORMANCE_CONTEXT} becomes one {@code kairos tools call NAME --args JSON}
     * followed by {@code kairosArgs}. {@code excluded}: tools kairos must say it left out (on stderr).
     */
    record Scenario(String name, String kairosArgs, boolean callsFromContext, List<String> excluded) {
        Scenario(String name, String kairosArgs) {
            this(name, kairosArgs, false, List.of());
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Scenario> scenarios() {
        return Stream.of(
                // the initialize scenario's server offers no tools: connecting and listing is the whole client's part
                new Scenario("initialize", "tools list --url"),
                new Scenario("tools_call", "tools call add_numbers --args '{\"a\":2,\"b\":3}' --url"),
                new Scenario("elicitation-sep1034-client-defaults",
                        "tools call test_client_elicitation_defaults --accept-defaults --url"),
                new Scenario("sse-retry", "tools call test_reconnection --url"));
    }

    /** The suite's 2026-07-28 client scenarios that need no OAuth (Kairos has no OAuth client) and no extension. */
    static Stream<Scenario> scenarios2026() {
        return Stream.of(
                new Scenario("tools_call", "tools call add_numbers --args '{\"a\":2,\"b\":3}' --url"),
                new Scenario("request-metadata", "tools list --url"),
                new Scenario("sep-2322-client-request-state", "tools list --url"),
                new Scenario("http-standard-headers", "tools list --url"),
                new Scenario("http-custom-headers", "--url", true, List.of()),
                // the scenario gives no context; it checks that valid_tool is called and no invalid one is
                new Scenario("http-invalid-tool-headers", "tools call valid_tool --args '{\"region\":\"us-west1\"}' --url",
                        false, List.of("invalid_empty_header", "invalid_object_header", "invalid_array_header",
                        "invalid_null_header", "invalid_number_header", "invalid_duplicate_same_case",
                        "invalid_duplicate_diff_case", "invalid_space_in_name", "invalid_colon_in_name",
                        "invalid_non_ascii_name", "invalid_control_char_name")),
                new Scenario("json-schema-ref-no-deref", "tools list --url"),
                new Scenario("json-schema-2020-12-preservation", "tools list --url"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void scenarioPassesUnlessListedAsExpectedToFail(Scenario scenario, @TempDir Path dir) throws Exception {
        check(scenario, NodeTools.Conformance.SESSIONS, "conformance-client-expected-failures.txt", dir);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios2026")
    void revision20260728ScenarioPassesUnlessListedAsExpectedToFail(Scenario scenario, @TempDir Path dir) throws Exception {
        check(scenario, NodeTools.Conformance.REVISION_2026, "conformance-client-2026-expected-failures.txt", dir);
    }

    private static void check(Scenario scenario, NodeTools.Conformance release, String listFile, Path dir) throws Exception {
        Map<String, String> expected = expectedFailures(listFile, release == NodeTools.Conformance.SESSIONS
                ? scenarios() : scenarios2026());
        Run run = run(scenario, release, dir);
        String reason = expected.get(scenario.name());
        if (reason == null) {
            if (!run.passed()) {
                fail("conformance client scenario " + scenario.name() + " failed: exit code " + run.exitCode()
                        + ", checks " + run.problems() + "\n--- suite output ---\n" + tail(run.output())
                        + "\n--- kairos stdout ---\n" + run.clientOut() + "\n--- kairos stderr ---\n" + tail(run.clientErr()));
            }
            assertTrue(run.successes() > 0, "a pass needs at least one successful check: " + run.output());
            for (String tool : scenario.excluded()) {
                assertTrue(run.clientErr().contains("tool " + tool + " left out: "), "kairos did not say it left out "
                        + tool + ":\n" + tail(run.clientErr()));
            }
        } else {
            assertTrue(!run.passed(), "conformance client scenario " + scenario.name()
                    + " passes now: delete its line from interop/" + listFile + " ("
                    + reason + ")");
        }
    }

    /** Scenario name → reason, from the expected-failures file. */
    static Map<String, String> expectedFailures(String listFile, Stream<Scenario> runs) throws IOException {
        List<Scenario> known = runs.toList();
        Path file = NodeTools.interopDir().resolve(listFile);
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] parts = l.split("\\s+", 2);
            assertEquals(2, parts.length, file + ": '" + l + "' needs a scenario name and a reason");
            assertTrue(known.stream().anyMatch(s -> s.name().equals(parts[0])), file + ": '" + parts[0] + "' is not a scenario this test runs");
            out.put(parts[0], parts[1]);
        }
        return out;
    }

    private record Run(int exitCode, String output, List<String> problems, long successes, String clientOut,
                       String clientErr) {
        boolean passed() {
            return exitCode == 0 && problems.isEmpty();
        }
    }

    private static Run run(Scenario scenario, NodeTools.Conformance release, Path dir) throws Exception {
        Path launcher = launcher(dir);
        Path config = Files.writeString(dir.resolve("kairos.yaml"),
                // a call that hangs ends on its own before the suite gives up on the client
                "memory:\n  mode: off\ntools:\n  timeout: 20s\n");
        Path results = Files.createDirectories(dir.resolve("results"));
        Path output = dir.resolve("conformance.log");
        String client = scenario.callsFromContext() ? callsRunner(dir, launcher) + " " + scenario.kairosArgs()
                : launcher + " " + scenario.kairosArgs();
        ProcessBuilder pb = new ProcessBuilder(NodeTools.conformance(release, "client",
                "--command", client, "--scenario", scenario.name(),
                "--timeout", "45000", "-o", results.toString()))
                .directory(NodeTools.interopDir().toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        pb.environment().put("HOME", dir.toString());
        pb.environment().put("NO_COLOR", "1");
        pb.environment().put("KAIROS_CONFIG", config.toString());
        pb.environment().put("KAIROS_DATA_DIR", dir.resolve("data").toString());
        Process suite = pb.start();
        if (!suite.waitFor(RUN_TIMEOUT_S, TimeUnit.SECONDS)) {
            suite.descendants().forEach(ProcessHandle::destroyForcibly);
            suite.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("conformance client " + scenario.name() + " still running after " + RUN_TIMEOUT_S + " s:\n"
                    + tail(Files.readString(output)));
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        List<String> problems = new ArrayList<>();
        long successes = 0;
        String clientOut = "";
        String clientErr = "";
        try (Stream<Path> dirs = Files.list(results)) {
            List<Path> found = dirs.filter(d -> d.getFileName().toString().startsWith(scenario.name() + "-")).toList();
            if (found.size() != 1) {
                problems.add("expected one result folder, found " + found);
            }
            for (Path d : found) {
                for (JsonNode check : new ObjectMapper().readTree(d.resolve("checks.json").toFile())) {
                    String status = check.path("status").asText();
                    if (status.equals("SUCCESS")) {
                        successes++;
                    } else if (status.equals("FAILURE") || status.equals("WARNING")) {
                        problems.add(status + " " + check.path("name").asText() + ": "
                                + check.path("errorMessage").asText(check.path("description").asText()));
                    }
                }
                clientOut = read(d.resolve("stdout.txt"));
                clientErr = read(d.resolve("stderr.txt"));
            }
        }
        return new Run(suite.exitValue(), text, problems, successes, clientOut, clientErr);
    }

    /** A shell script that runs kairos from this test classpath; the suite runs commands through a shell. */
    private static Path launcher(Path dir) throws IOException {
        List<String> command = new ArrayList<>(KairosProcess.command());
        // a short-lived CLI: the quick compiler and one GC thread start it sooner
        command.addAll(1, List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        String cmd = command.stream().map(a -> "'" + a.replace("'", "'\"'\"'") + "'").collect(Collectors.joining(" "));
        Path script = dir.resolve("kairos");
        Files.writeString(script, "#!/bin/sh\nexec " + cmd + " \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    /** Turns the calls a scenario lists in its context into {@code kairos tools call} runs, one after another. */
    static final String CALLS_RUNNER = """
            // MCP_CONFORMANCE_CONTEXT: {"name": scenario, "toolCalls": [{"name": ..., "arguments": {...}}, ...]}
            import { spawnSync } from 'node:child_process';
            const [kairos, ...rest] = process.argv.slice(2);
            const calls = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}').toolCalls ?? [];
            if (calls.length === 0) {
              console.error('calls runner: MCP_CONFORMANCE_CONTEXT lists no toolCalls');
              process.exit(2);
            }
            let status = 0;
            for (const c of calls) {
              const args = ['tools', 'call', c.name, '--args', JSON.stringify(c.arguments ?? {}), ...rest];
              const r = spawnSync(kairos, args, { stdio: 'inherit' });
              if (r.status !== 0 && status === 0) {
                status = r.status ?? 1;
              }
            }
            process.exit(status);
            """;

    /** A shell script running {@link #CALLS_RUNNER} on Node with the kairos launcher. */
    private static Path callsRunner(Path dir, Path launcher) throws IOException {
        Path script = Files.writeString(dir.resolve("calls.mjs"), CALLS_RUNNER);
        Path sh = dir.resolve("kairos-calls");
        Files.writeString(sh, "#!/bin/sh\nexec '" + NodeTools.node() + "' '" + script + "' '" + launcher + "' \"$@\"\n");
        Files.setPosixFilePermissions(sh, PosixFilePermissions.fromString("rwxr-xr-x"));
        return sh;
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }

    private static String tail(String text) {
        return text.length() <= 6000 ? text : "…" + text.substring(text.length() - 6000);
    }
}
