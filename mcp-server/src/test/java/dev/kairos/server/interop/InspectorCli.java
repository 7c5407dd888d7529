package dev.kairos.server.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** The MCP Inspector CLI from npm as a real client: one method call per run, JSON back. */
public final class InspectorCli {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path home;
    private final Duration bound;

    /** @param home a scratch HOME (the Inspector writes ~/.mcp-inspector) */
    public InspectorCli(Path home, Duration bound) {
        this.home = home;
        this.bound = bound;
    }

    /**
     * Runs {@code mcp-inspector --cli OPTIONS -- TARGET} and returns its JSON answer.
     *
     * @param target a server URL, or a command line for stdio
     * @param env    environment for a stdio server (the Inspector passes only a minimal one)
     */
    public JsonNode run(List<String> target, Map<String, String> env, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("--cli"));
        args.addAll(List.of(options));
        // Generous connect timeout: on a loaded 2-core CI machine a JVM start can exceed the default 15 s.
        args.addAll(List.of("--format", "json", "--connect-timeout", String.valueOf(bound.toMillis())));
        if (!target.getFirst().startsWith("http")) {
            env.forEach((k, v) -> args.addAll(List.of("-e", k + "=" + v)));
        }
        args.add("--");
        args.addAll(target);
        Path out = Files.createTempFile(home, "inspector", ".out");
        Path err = Files.createTempFile(home, "inspector", ".err");
        ProcessBuilder pb = new ProcessBuilder(NodeTools.npmBin("mcp-inspector", args.toArray(String[]::new)))
                .directory(home.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        if (!p.waitFor(bound.toSeconds() + 30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("Inspector CLI still running after " + (bound.toSeconds() + 30) + " s: " + args + "\n" + read(err));
        }
        String stdout = read(out);
        assertEquals(0, p.exitValue(), "Inspector CLI " + options[1] + " exit code\nstdout: " + stdout + "\nstderr: " + read(err));
        try {
            return JSON.readTree(stdout);
        } catch (IOException e) {
            throw new AssertionError("Inspector CLI printed no JSON: " + stdout + "\nstderr: " + read(err), e);
        }
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
