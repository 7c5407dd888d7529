package dev.kairos.server.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.server.testing.KairosProcess;
import dev.kairos.server.testing.ServedKairos;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Three real clients on one Kairos: the MCP Java SDK 2.2.0's stateless 2026-07-28 client
 * ({@code io.modelcontextprotocol.modern}), the same SDK's 2025-11-25 session client, and the MCP
 * Inspector CLI — against one running {@code kairos serve} over Streamable HTTP, and over stdio against
 * {@code kairos mcp} (one process per client, as stdio has one client per process; they share the
 * served process's memory store). What one client stores in the memory, the next one reads back.
 *
 * <p>The SDK clients run as their own JVM ({@code src/test/java-sdk-2.2/JavaSdk22Client.java}, compiled
 * here) on a classpath of SDK 2.2.0 and the reactor-core pre-release it needs, which the
 * maven-dependency-plugin copies to {@code target/java-sdk-2.2}: neither is on any Kairos classpath.
 */
class JavaSdk22InteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CLIENT_BOUND = Duration.ofSeconds(240);
    private static final String MODERN = "2026-07-28";
    private static final String SESSIONS = "2025-11-25";
    private static final String INPUT_TOOL = "test_input_required_result_multi_round";

    /** The memory store the served process owns; the stdio processes reach it through its Bolt address. */
    private static final Path STORE = tempDirectory();

    @TempDir
    static Path home;
    private static String sdkClasspath;
    private static Path clientClasses;

    @RegisterExtension
    static final ServedKairos served = ServedKairos.serve("--conformance-fixtures").withEnv(Map.of("KAIROS_DATA_DIR", STORE.toString()));

    @BeforeAll
    static void compileTheClient() throws Exception {
        NodeTools.npmBin("mcp-inspector"); // skip (or fail under ./kairos test) before starting anything
        Path jars = Path.of(System.getProperty("kairos.javasdk22.dir", "target/java-sdk-2.2"));
        try (Stream<Path> listed = Files.list(jars)) {
            sdkClasspath = listed.filter(p -> p.toString().endsWith(".jar")).sorted().map(Path::toString)
                    .collect(Collectors.joining(java.io.File.pathSeparator));
        } catch (IOException e) {
            throw new AssertionError("no SDK 2.2.0 jars in " + jars.toAbsolutePath()
                    + " (the maven-dependency-plugin copies them there in process-test-classes)", e);
        }
        assertTrue(sdkClasspath.contains("mcp-core-2.2.0.jar"), sdkClasspath);
        clientClasses = Files.createDirectories(home.resolve("client-classes"));
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, errors, errors, "-nowarn", "-d", clientClasses.toString(),
                "-cp", sdkClasspath, Path.of("src/test/java-sdk-2.2/JavaSdk22Client.java").toString());
        assertEquals(0, rc, "the SDK 2.2.0 client program does not compile:\n" + errors.toString(StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stop() throws IOException {
        served.stop();
        try (Stream<Path> files = Files.walk(STORE)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void allThreeClientsWorkAgainstOneServedKairosOverStreamableHttp() throws Exception {
        served.process().awaitMemoryReady(Duration.ofSeconds(180));
        String url = served.baseUrl();
        List<String> target = List.of("--url", url);
        String first = "Over HTTP the stateless client noted: the brass lantern hangs in the north tower.";
        String second = "Over HTTP the session client noted: the violet kite snagged on the lighthouse.";

        JsonNode modern = sdkClient("modern", target, "--add", first);
        assertStateless(modern, true);
        JsonNode classic = sdkClient("classic", target, "--find", "brass lantern north tower", "--add", second);
        assertEquals(SESSIONS, classic.path("negotiatedVersion").asText(), classic.toString());
        assertAsksAndAnswers(classic);
        assertFinds(classic.path("found"), modern.path("added").path("uuid").asText(), first);
        assertEquals(modern.path("tools"), classic.path("tools"), "both eras see the same tools");

        JsonNode found = inspector(List.of(url + "/mcp"), "--method", "tools/call", "--tool-name", "memory_search_episodes",
                "--tool-arg", "query=violet kite lighthouse");
        assertFinds(found.path("result").path("structuredContent").path("episodes"), classic.path("added").path("uuid").asText(), second);
        assertEquals(names(modern.path("tools")), names(inspector(List.of(url + "/mcp"), "--method", "tools/list").path("result").path("tools")));
    }

    @Test
    void allThreeClientsWorkOverStdioEachWithItsOwnKairosMcp() throws Exception {
        served.process().awaitMemoryReady(Duration.ofSeconds(180)); // the stdio processes use its store
        List<String> target = new ArrayList<>(List.of("--stdio"));
        target.addAll(KairosProcess.command("mcp", "--conformance-fixtures"));
        String first = "Over stdio the stateless client noted: the walnut desk hides a second drawer.";
        String second = "Over stdio the session client noted: the amber ferry leaves at half past six.";

        JsonNode modern = sdkClient("modern", target, "--add", first);
        assertStateless(modern, false);
        JsonNode classic = sdkClient("classic", target, "--find", "walnut desk second drawer", "--add", second);
        assertEquals(SESSIONS, classic.path("negotiatedVersion").asText(), classic.toString());
        assertAsksAndAnswers(classic);
        assertFinds(classic.path("found"), modern.path("added").path("uuid").asText(), first);
        assertEquals(modern.path("tools"), classic.path("tools"), "both eras see the same tools");

        JsonNode found = inspector(KairosProcess.command("mcp", "--conformance-fixtures"), "--method", "tools/call",
                "--tool-name", "memory_search_episodes", "--tool-arg", "query=amber ferry half past six");
        assertFinds(found.path("result").path("structuredContent").path("episodes"), classic.path("added").path("uuid").asText(), second);
    }

    /** Every request went out on 2026-07-28 (header and {@code _meta} alike) without a session handshake. */
    private static void assertStateless(JsonNode modern, boolean http) {
        JsonNode wire = modern.path("wire");
        assertEquals("server/discover", wire.path(0).path("method").asText(), wire.toString());
        for (JsonNode request : wire) {
            assertFalse(request.path("method").asText().equals("initialize"), wire.toString());
            assertEquals(MODERN, request.path("meta").asText(), "_meta version of " + request);
            if (http) {
                assertEquals(MODERN, request.path("header").asText(), "MCP-Protocol-Version header of " + request);
            }
        }
        assertEquals(MODERN, modern.path("supportedVersions").path(0).asText(), modern.toString());
        assertTrue(names(modern.path("supportedVersions")).contains(SESSIONS), modern.toString());
        // the input tool's two questions came as input_required results, answered by retrying the call
        assertEquals(3, wire.findValuesAsText("name").stream().filter(INPUT_TOOL::equals).count(), wire.toString());
        assertAsksAndAnswers(modern);
    }

    /** The tool asked its two questions in order and used both answers. */
    private static void assertAsksAndAnswers(JsonNode report) {
        assertEquals(List.of("Step 1: What is your name?", "Step 2: What is your favorite color?"), names(report.path("asked")), report.toString());
        assertEquals("Name Ada, favourite colour teal", report.path("inputAnswer").asText(), report.toString());
        assertTrue(names(report.path("tools")).containsAll(List.of("memory_add_episode", "memory_search_episodes", INPUT_TOOL)), report.toString());
    }

    private static void assertFinds(JsonNode episodes, String uuid, String content) {
        assertFalse(uuid.isEmpty(), "no uuid from the client that stored it");
        assertEquals(uuid, episodes.path(0).path("uuid").asText(), episodes.toString());
        assertEquals(content, episodes.path(0).path("content").asText(), episodes.toString());
    }

    private static List<String> names(JsonNode array) {
        List<String> names = new ArrayList<>();
        array.forEach(n -> names.add(n.isTextual() ? n.asText() : n.path("name").asText()));
        return names;
    }

    /** Runs the SDK 2.2.0 client program in its own JVM and returns its report. */
    private static JsonNode sdkClient(String client, List<String> target, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", clientClasses + java.io.File.pathSeparator + sdkClasspath,
                "JavaSdk22Client", client));
        command.addAll(List.of(options));
        command.addAll(target);
        Path out = Files.createTempFile(home, client, ".out");
        Path err = Files.createTempFile(home, client, ".err");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("KAIROS_DATA_DIR", STORE.toString()); // for the kairos mcp it spawns over stdio
        pb.environment().remove("KAIROS_CONFIG");
        Process p = pb.start();
        if (!p.waitFor(CLIENT_BOUND.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("SDK 2.2.0 " + client + " client still running after " + CLIENT_BOUND.toSeconds() + " s\n" + Files.readString(err));
        }
        String stdout = Files.readString(out).strip();
        assertEquals(0, p.exitValue(), "SDK 2.2.0 " + client + " client failed\nstdout: " + stdout + "\nstderr: " + Files.readString(err));
        return JSON.readTree(stdout.substring(stdout.lastIndexOf('\n') + 1));
    }

    private static JsonNode inspector(List<String> target, String... options) throws Exception {
        return new InspectorCli(home, Duration.ofSeconds(180)).run(target, Map.of("KAIROS_DATA_DIR", STORE.toString()), options);
    }

    private static Path tempDirectory() {
        try {
            return Files.createTempDirectory("kairos-sdk22-store");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
