package dev.kairos.bench.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.bench.tools.SubProcesses;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The engine simulator (inference test-jar) in its own JVM, playing a generated script: the bench
 * process's CPU time and heap are then the clients' alone.
 */
final class SimProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final URI url;
    private final Path script;

    private SimProcess(Process process, URI url, Path script) {
        this.process = process;
        this.url = url;
        this.script = script;
    }

    /** Starts a simulator on a free loopback port with these routes. */
    static SimProcess start(ObjectNode routes) throws Exception {
        Path script = Files.createTempFile("kairos-bench-sim", ".json");
        ObjectNode root = JSON.createObjectNode();
        root.set("routes", routes);
        JSON.writeValue(script.toFile(), root);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), "dev.kairos.inference.sim.EngineSimulator", script.toString()))
                .redirectErrorStream(true).start();
        String url = SubProcesses.awaitLine(p, "listening on ", Duration.ofSeconds(60));
        return new SimProcess(p, URI.create(url), script);
    }

    URI url() {
        return url;
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
        Files.deleteIfExists(script);
    }
}
