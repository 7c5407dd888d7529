package dev.kairos.server.interop;

import dev.kairos.transports.ServerEndpoint;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A reference MCP server from npm ({@code interop/node_modules/@modelcontextprotocol/...}) run with
 * Node 22: as a stdio endpoint for Kairos to start itself, or as an HTTP server process on a free
 * loopback port (server-everything's {@code streamableHttp} and {@code sse} modes).
 */
public final class NpmServer implements AutoCloseable {
    // server-everything: "MCP Streamable HTTP Server listening on port N" / "Server is running on port N"
    private static final Pattern READY = Pattern.compile("(listening on|running on) port \\d+");

    private final Process process;
    private final int port;
    private final ConcurrentLinkedQueue<String> stderr = new ConcurrentLinkedQueue<>();

    private NpmServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The package's bin script, e.g. {@code server-everything}; skips (or fails under ./kairos test) when missing. */
    public static Path script(String pkg) {
        Path js = NodeTools.interopDir().resolve("node_modules/@modelcontextprotocol").resolve(pkg).resolve("dist/index.js");
        if (!Files.exists(js)) {
            NodeTools.npmBin("mcp-" + pkg); // the same skip-or-fail rule, with the package named
        }
        return js;
    }

    /** A stdio endpoint that starts the package with Node 22 and these arguments. */
    public static ServerEndpoint.Stdio stdio(String pkg, String... args) {
        List<String> all = new ArrayList<>();
        all.add(script(pkg).toString());
        all.addAll(List.of(args));
        return new ServerEndpoint.Stdio(NodeTools.node().toString(), all, Map.of(), null);
    }

    /** Starts server-everything in {@code mode} ({@code streamableHttp} or {@code sse}) on a free port and waits until it listens. */
    public static NpmServer everything(String mode) throws Exception {
        return everything(mode, freePort());
    }

    /** Like {@link #everything(String)} on a given port. */
    public static NpmServer everything(String mode, int port) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(NodeTools.node().toString(), script("server-everything").toString(), mode)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("PORT", String.valueOf(port));
        NpmServer s = new NpmServer(pb.start(), port);
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(s.process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    s.stderr.add(line);
                    if (READY.matcher(line).find()) {
                        ready.complete(null);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            ready.completeExceptionally(new IllegalStateException("server-everything " + mode + " exited: " + s.stderr));
        });
        try {
            ready.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            s.close();
            throw e;
        }
        return s;
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** {@code http://127.0.0.1:PORT} followed by {@code path}. */
    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
