package dev.kairos.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code kairos} process started from the test classpath (the same main class the jar runs).
 *
 * <p>{@link #serve(String...)} starts {@code kairos serve --port 0 …} and waits, bounded, for the
 * line on stderr that announces the bound endpoint.
 */
public final class KairosProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+?)/mcp");

    private final Process process;
    private final ConcurrentLinkedQueue<String> stderr = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<String> baseUrl = new CompletableFuture<>();

    private final Thread stderrReader;

    private KairosProcess(Process process) {
        this.process = process;
        this.stderrReader = Thread.ofVirtual().start(() -> {
            try (var in = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    stderr.add(line);
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        baseUrl.complete(m.group(1));
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            baseUrl.completeExceptionally(new IllegalStateException("kairos exited before listening:\n" + stderrText()));
        });
    }

    /** The command line that runs kairos with the given arguments from this test classpath. */
    public static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("--add-opens");
        cmd.add("java.base/java.nio=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.kairos.server.Main");
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Starts kairos with these arguments, stdout left to the caller. Its memory lives in a fresh
     * temporary directory, never in the user's {@code ~/.kairos}.
     */
    public static KairosProcess start(String... args) throws IOException {
        return new KairosProcess(builder(args).start());
    }

    /** Environment for tests of the protocol alone: no memory database to start. */
    public static final java.util.Map<String, String> NO_MEMORY = java.util.Map.of("KAIROS_MEMORY_MODE", "off");

    /** A process builder for kairos with a private temporary data directory. */
    public static ProcessBuilder builder(String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(args));
        pb.environment().put("KAIROS_DATA_DIR", java.nio.file.Files.createTempDirectory("kairos-data").toString());
        pb.environment().remove("KAIROS_CONFIG");
        return pb;
    }

    /** Starts {@code kairos serve} on a free loopback port with extra arguments, and waits until it listens. */
    public static KairosProcess serve(String... extraArgs) throws Exception {
        return serve(java.util.Map.of(), extraArgs);
    }

    /** Like {@link #serve(String...)} with extra environment variables (e.g. {@code KAIROS_MEMORY_MODE=off}). */
    public static KairosProcess serve(java.util.Map<String, String> env, String... extraArgs) throws Exception {
        return serve(env, java.time.Duration.ofSeconds(60), extraArgs);
    }

    /** Like {@link #serve(java.util.Map, String...)}, waiting up to {@code bound} for the listening line. */
    public static KairosProcess serve(java.util.Map<String, String> env, java.time.Duration bound, String... extraArgs) throws Exception {
        return serveOn(0, env, bound, extraArgs);
    }

    /** Like {@link #serve(java.util.Map, String...)} on a given port (to restart a server where it was). */
    public static KairosProcess serveOn(int port, java.util.Map<String, String> env, String... extraArgs) throws Exception {
        return serveOn(port, env, java.time.Duration.ofSeconds(60), extraArgs);
    }

    private static KairosProcess serveOn(int port, java.util.Map<String, String> env, java.time.Duration bound,
                                         String... extraArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("serve", "--port", String.valueOf(port)));
        args.addAll(List.of(extraArgs));
        ProcessBuilder pb = builder(args.toArray(String[]::new));
        pb.environment().putAll(env);
        KairosProcess p = new KairosProcess(pb.start());
        try {
            p.baseUrl.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** For example {@code http://127.0.0.1:41234}. */
    public String baseUrl() {
        return baseUrl.join();
    }

    /**
     * Waits, up to {@code bound}, until {@code /health} reports the memory subsystem ready (a cold
     * embedded Neo4j takes a while); fails at once if it reports it failed.
     */
    public void awaitMemoryReady(java.time.Duration bound) throws Exception {
        var http = java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).build();
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        long deadline = System.nanoTime() + bound.toNanos();
        String health = "";
        while (System.nanoTime() < deadline) {
            health = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl() + "/health"))
                    .timeout(java.time.Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            for (var subsystem : json.readTree(health).path("subsystems")) {
                if (subsystem.path("name").asText().equals("memory")) {
                    switch (subsystem.path("state").asText()) {
                        case "ready" -> {
                            return;
                        }
                        case "failed" -> throw new AssertionError("memory failed to start: " + health);
                        default -> {
                            // still starting
                        }
                    }
                }
            }
            TimeUnit.MILLISECONDS.sleep(300);
        }
        throw new AssertionError("memory not ready within " + bound.toSeconds() + " s: " + health);
    }

    public Process process() {
        return process;
    }

    /** What the process wrote to stderr so far; all of it once the process has exited. */
    public String stderrText() {
        if (!process.isAlive()) {
            try {
                stderrReader.join(java.time.Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return String.join("\n", stderr);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
