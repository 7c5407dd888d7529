package dev.kairos.server.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.server.testing.KairosProcess;
import dev.kairos.server.testing.ServedKairos;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The official MCP conformance suite ({@code @modelcontextprotocol/conformance}, server mode) against
 * a real {@code kairos serve --conformance-fixtures} over Streamable HTTP: every check of every
 * scenario must pass, with no warnings; SSE polling and resumption ({@code server-sse-polling}) must
 * be exercised (priming event, retry field, resumption after the server closed the stream), not
 * skipped as "not applicable".
 */
class ConformanceSuiteTest {
    /** The whole suite takes a few seconds; this bounds a hung scenario. */
    private static final long SUITE_TIMEOUT_S = 300;
    private static final Pattern PLANNED = Pattern.compile("Running \\S+ (?:suite|[\\d-]+) \\((\\d+) scenarios\\)");
    private static final Pattern SUMMARY = Pattern.compile("^[✓✗] (\\S+): (\\d+) passed, (\\d+) failed(?:, (\\d+) warnings)?$",
            Pattern.MULTILINE);
    /** The checks of server-sse-polling that pass only when the stream is resumable: priming, retry, resumption. */
    private static final int SSE_POLLING_CHECKS = 3;
    private static final Pattern RESULT_DIR = Pattern.compile("^server-(.+)-\\d{4}-\\d{2}-\\d{2}T[\\d-]+Z$");

    @RegisterExtension
    static final ServedKairos kairos = ServedKairos.serve("--conformance-fixtures").withEnv(KairosProcess.NO_MEMORY);

    @BeforeAll
    static void needsTheSuite() {
        // skip (or fail under ./kairos test) before starting anything
        NodeTools.conformance(NodeTools.Conformance.SESSIONS);
        NodeTools.conformance(NodeTools.Conformance.REVISION_2026);
    }

    @Test
    void everyScenarioOfTheFullSuitePasses(@TempDir Path dir) throws Exception {
        SuiteRun run = runSuite(dir, "--suite", "all");
        assertTrue(run.planned() >= 32, "the 0.1.16 'all' suite has 32 server scenarios, it planned " + run.planned());
        run.assertAllPassed();
        assertEquals(SSE_POLLING_CHECKS, run.passed().getOrDefault("server-sse-polling", 0),
                "server-sse-polling checks that passed (priming event, retry field, resumption):\n" + tailOf(run.output()));
    }

    @Test
    void everyScenarioOfSpecVersion20250618Passes(@TempDir Path dir) throws Exception {
        SuiteRun run = runSuite(dir, "--suite", "all", "--spec-version", "2025-06-18");
        assertTrue(run.planned() > 0, "no scenario planned for 2025-06-18");
        run.assertAllPassed();
    }

    /**
     * The requirements of the stateless 2026-07-28 revision, frozen at its release, with the suite
     * that shipped beside it; scenarios it does not score (the tasks extension, pending ones) are run
     * and reported but, as the suite itself decides, do not fail it.
     */
    @Test
    void everyRequirementOfRevision20260728Passes(@TempDir Path dir) throws Exception {
        SuiteRun run = runSuite(dir, NodeTools.Conformance.REVISION_2026, "--requirements", "2026-07-28");
        assertTrue(run.planned() >= 37, "2026-07-28 requires 37 server scenarios, it planned " + run.planned());
        run.assertScoredPassed();
        // the tasks extension is not scored by the suite, but Kairos implements it: every check must pass
        Map<String, List<String>> checks = run.checkFiles();
        List<String> taskScenarios = checks.keySet().stream().filter(s -> s.startsWith("tasks-")).toList();
        assertTrue(taskScenarios.size() >= 9, "the tasks extension's scenarios ran: " + taskScenarios);
        Map<String, List<String>> failing = new LinkedHashMap<>();
        taskScenarios.forEach(s -> {
            if (!checks.get(s).isEmpty()) {
                failing.put(s, checks.get(s));
            }
        });
        assertTrue(failing.isEmpty(), "tasks extension checks that did not pass: " + failing);
    }

    private static SuiteRun runSuite(Path dir, String... options) throws Exception {
        return runSuite(dir, NodeTools.Conformance.SESSIONS, options);
    }

    private static SuiteRun runSuite(Path dir, NodeTools.Conformance release, String... options) throws Exception {
        Path results = Files.createDirectories(dir.resolve("results"));
        Path output = dir.resolve("conformance.log");
        List<String> args = new ArrayList<>(List.of("server", "--url", kairos.baseUrl() + "/mcp", "-o", results.toString()));
        args.addAll(List.of(options));
        ProcessBuilder pb = new ProcessBuilder(NodeTools.conformance(release, args.toArray(String[]::new)))
                .directory(NodeTools.interopDir().toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        pb.environment().put("HOME", dir.toString());
        pb.environment().put("NO_COLOR", "1");
        Process suite = pb.start();
        if (!suite.waitFor(SUITE_TIMEOUT_S, TimeUnit.SECONDS)) {
            suite.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("conformance suite still running after " + SUITE_TIMEOUT_S + " s:\n" + tail(output));
        }
        return new SuiteRun(suite.exitValue(), Files.readString(output, StandardCharsets.UTF_8), results);
    }

    /** One run of the suite: its exit code, its console output and its per-scenario result files. */
    private record SuiteRun(int exitCode, String output, Path results) {

        /** Scenario → checks passed, from the summary lines. */
        Map<String, Integer> passed() {
            Map<String, Integer> passed = new LinkedHashMap<>();
            Matcher m = SUMMARY.matcher(output);
            while (m.find()) {
                passed.put(m.group(1), Integer.parseInt(m.group(2)));
            }
            return passed;
        }

        int planned() {
            Matcher m = PLANNED.matcher(output);
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        }

        void assertAllPassed() throws IOException {
            // a warning (a SHOULD not met, e.g. no priming event) counts as a failure here
            Map<String, Integer> failedChecks = new LinkedHashMap<>();
            Matcher m = SUMMARY.matcher(output);
            int summarised = 0;
            while (m.find()) {
                summarised++;
                int failed = Integer.parseInt(m.group(3)) + (m.group(4) == null ? 0 : Integer.parseInt(m.group(4)));
                if (failed > 0) {
                    failedChecks.put(m.group(1), failed);
                }
            }
            Map<String, List<String>> details = checkFiles();
            for (var scenario : details.entrySet()) {
                if (!scenario.getValue().isEmpty()) {
                    failedChecks.putIfAbsent(scenario.getKey(), scenario.getValue().size());
                }
            }
            if (!failedChecks.isEmpty() || exitCode != 0) {
                StringBuilder why = new StringBuilder("conformance suite: exit code " + exitCode + ", failing or warning scenarios "
                        + failedChecks.keySet() + "\n");
                failedChecks.keySet().forEach(s -> why.append("  ").append(s).append(": ")
                        .append(details.getOrDefault(s, List.of("(no result file; see output)"))).append('\n'));
                int summary = output.indexOf("=== SUMMARY ===");
                fail(why + "--- suite output ---\n" + tailOf(summary >= 0 ? output.substring(summary) : output));
            }
            assertEquals(planned(), summarised, "scenarios planned vs summarised:\n" + tailOf(output));
        }

        /** Every scored scenario passed: the suite's own verdict (its exit code), with the failures named. */
        void assertScoredPassed() {
            if (exitCode != 0) {
                int summary = output.indexOf("=== SUMMARY ===");
                fail("conformance suite: exit code " + exitCode + "\n--- suite output ---\n"
                        + tailOf(summary >= 0 ? output.substring(summary) : output));
            }
            assertTrue(SUMMARY.matcher(output).find(), "no scenario summary in the output:\n" + tailOf(output));
        }

        /** Scenario name → its non-passing checks ("FAILURE name: message", "WARNING …"). */
        Map<String, List<String>> checkFiles() throws IOException {
            ObjectMapper json = new ObjectMapper();
            Map<String, List<String>> byScenario = new LinkedHashMap<>();
            try (Stream<Path> dirs = Files.list(results)) {
                for (Path d : dirs.sorted().toList()) {
                    Matcher name = RESULT_DIR.matcher(d.getFileName().toString());
                    Path checks = d.resolve("checks.json");
                    if (!name.matches() || !Files.exists(checks)) {
                        continue;
                    }
                    List<String> notes = byScenario.computeIfAbsent(name.group(1), k -> new ArrayList<>());
                    for (JsonNode check : json.readTree(checks.toFile())) {
                        String status = check.path("status").asText();
                        if (status.equals("FAILURE") || status.equals("WARNING")) {
                            notes.add(status + " " + check.path("name").asText() + ": "
                                    + check.path("errorMessage").asText(check.path("description").asText()));
                        }
                    }
                }
            }
            return byScenario;
        }
    }

    private static String tail(Path file) {
        try {
            return tailOf(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    private static String tailOf(String text) {
        return text.length() <= 6000 ? text : "…" + text.substring(text.length() - 6000);
    }
}
