package dev.kairos.server.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.server.testing.KairosProcess;
import dev.kairos.server.testing.ServedKairos;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * a real {@code kairos serve --conformance-fixtures} over Streamable HTTP: every scenario must pass.
 */
class ConformanceSuiteTest {
    private static final Logger log = LoggerFactory.getLogger(ConformanceSuiteTest.class);
    /** The whole suite takes a few seconds; this bounds a hung scenario. */
    private static final long SUITE_TIMEOUT_S = 300;
    private static final Pattern PLANNED = Pattern.compile("Running \\S+ suite \\((\\d+) scenarios\\)");
    private static final Pattern SUMMARY = Pattern.compile("^[✓✗] (\\S+): (\\d+) passed, (\\d+) failed$", Pattern.MULTILINE);
    private static final Pattern RESULT_DIR = Pattern.compile("^server-(.+)-\\d{4}-\\d{2}-\\d{2}T[\\d-]+Z$");

    @RegisterExtension
    static final ServedKairos kairos = ServedKairos.serve("--conformance-fixtures").withEnv(KairosProcess.NO_MEMORY);

    @BeforeAll
    static void needsTheSuite() {
        NodeTools.npmBin("conformance"); // skip (or fail under ./kairos test) before starting anything
    }

    @Test
    void everyScenarioOfTheFullSuitePasses(@TempDir Path dir) throws Exception {
        SuiteRun run = runSuite(dir, "--suite", "all");
        assertTrue(run.planned() >= 32, "the 0.1.16 'all' suite has 32 server scenarios, it planned " + run.planned());
        run.assertAllPassed();
    }

    @Test
    void everyScenarioOfSpecVersion20250618Passes(@TempDir Path dir) throws Exception {
        SuiteRun run = runSuite(dir, "--suite", "all", "--spec-version", "2025-06-18");
        assertTrue(run.planned() > 0, "no scenario planned for 2025-06-18");
        run.assertAllPassed();
    }

    private static SuiteRun runSuite(Path dir, String... options) throws Exception {
        Path results = Files.createDirectories(dir.resolve("results"));
        Path output = dir.resolve("conformance.log");
        List<String> args = new ArrayList<>(List.of("server", "--url", kairos.baseUrl() + "/mcp", "-o", results.toString()));
        args.addAll(List.of(options));
        ProcessBuilder pb = new ProcessBuilder(NodeTools.npmBin("conformance", args.toArray(String[]::new)))
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

        int planned() {
            Matcher m = PLANNED.matcher(output);
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        }

        void assertAllPassed() throws IOException {
            Map<String, Integer> failedChecks = new LinkedHashMap<>();
            Matcher m = SUMMARY.matcher(output);
            int summarised = 0;
            while (m.find()) {
                summarised++;
                if (Integer.parseInt(m.group(3)) > 0) {
                    failedChecks.put(m.group(1), Integer.parseInt(m.group(3)));
                }
            }
            Map<String, List<String>> details = checkFiles();
            for (var scenario : details.entrySet()) {
                List<String> problems = scenario.getValue().stream().filter(p -> p.startsWith("FAILURE")).toList();
                if (!problems.isEmpty()) {
                    failedChecks.putIfAbsent(scenario.getKey(), problems.size());
                }
                scenario.getValue().stream().filter(p -> p.startsWith("WARNING"))
                        .forEach(w -> log.info("conformance {}: {}", scenario.getKey(), w));
            }
            if (!failedChecks.isEmpty() || exitCode != 0) {
                StringBuilder why = new StringBuilder("conformance suite: exit code " + exitCode + ", failing scenarios "
                        + failedChecks.keySet() + "\n");
                failedChecks.keySet().forEach(s -> why.append("  ").append(s).append(": ")
                        .append(details.getOrDefault(s, List.of("(no result file; see output)"))).append('\n'));
                int summary = output.indexOf("=== SUMMARY ===");
                fail(why + "--- suite output ---\n" + tailOf(summary >= 0 ? output.substring(summary) : output));
            }
            assertEquals(planned(), summarised, "scenarios planned vs summarised:\n" + tailOf(output));
        }

        /** Scenario name → its non-passing checks ("FAILURE name: message", "WARNING …"). */
        private Map<String, List<String>> checkFiles() throws IOException {
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
