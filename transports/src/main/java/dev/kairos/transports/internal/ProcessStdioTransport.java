package dev.kairos.transports.internal;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A client stdio transport that keeps its child process in hand. It replaces the SDK's, which
 * stops reading for good at the first stdout line that is not JSON-RPC (the connection then hangs
 * with the process alive), hides the {@link Process}, and has no working directory. Here a bad line
 * is logged and skipped, the process can be watched and stopped, and stderr lines go to a consumer.
 */
public final class ProcessStdioTransport implements McpClientTransport {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessStdioTransport.class);
    private static final int MAX_LINE = 64 * 1024 * 1024;

    private final String server;
    private final List<String> command;
    private final Map<String, String> env;
    private final Path cwd;
    private final McpJsonMapper mapper;
    private final Consumer<String> stderr;
    private final Duration stopGrace;
    private volatile Process process;
    private volatile OutputStream stdin;
    private volatile boolean closing;
    // swapped, not stacked: the 2026-07-28 probe reads first, then the SDK client of an older server takes over
    private volatile Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler;
    private boolean reading;

    public ProcessStdioTransport(String server, String command, List<String> args, Map<String, String> env, Path cwd,
                                 McpJsonMapper mapper, Consumer<String> stderr, Duration stopGrace) {
        this.server = server;
        List<String> cmd = new ArrayList<>();
        cmd.add(command);
        cmd.addAll(args);
        this.command = List.copyOf(cmd);
        this.env = env;
        this.cwd = cwd;
        this.mapper = mapper;
        this.stderr = stderr;
        this.stopGrace = stopGrace;
    }

    /** Starts the process (and its stderr reader); throws with the command named when it cannot. */
    public synchronized void start() {
        if (process != null) {
            return;
        }
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start '" + command.getFirst() + "': " + e.getMessage(), e);
        }
        ChildProcesses.track(p);
        process = p;
        stdin = p.getOutputStream();
        // Platform threads: a read on a process pipe blocks in native code and holds its carrier. On a 2-core machine
        // one server's two idle readers took both carriers of the virtual-thread scheduler and a kairos run never got
        // to run its next step (its thread stayed queued); two threads per server are cheap.
        Thread.ofPlatform().daemon().name("stderr-" + server).start(() -> readStderr(p));
    }

    @Override
    public Mono<Void> connect(Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
        return Mono.fromRunnable(() -> {
            start();
            this.handler = handler;
            synchronized (this) {
                if (reading) {
                    return;
                }
                reading = true;
            }
            Process p = process;
            // a platform thread: two idle pipe readers on virtual threads can hold both carriers of a 2-core machine
            Thread.ofPlatform().daemon().name("stdout-" + server).start(() -> readStdout(p));
        });
    }

    private void readStdout(Process p) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                if (line.length() > MAX_LINE) {
                    LOG.warn("[{}] skipped a stdout line of {} characters (over {})", server, line.length(), MAX_LINE);
                    continue;
                }
                McpSchema.JSONRPCMessage m;
                try {
                    m = McpSchema.deserializeJsonRpcMessage(mapper, line);
                } catch (Exception e) {
                    // the spec forbids anything but MCP messages on stdout; skip it and keep reading
                    LOG.warn("[{}] not a JSON-RPC message on stdout, skipped: {}", server,
                            line.length() > 200 ? line.substring(0, 200) + "..." : line);
                    continue;
                }
                handler.apply(Mono.just(m)).subscribe(null,
                        e -> LOG.debug("[{}] handling a message failed: {}", server, e.toString()));
            }
        } catch (IOException e) {
            if (!closing) {
                LOG.debug("[{}] stdout closed: {}", server, e.toString());
            }
        }
    }

    private void readStderr(Process p) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                stderr.accept(line);
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
        return Mono.fromRunnable(() -> {
            byte[] line;
            try {
                line = (mapper.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException("server " + server + ": cannot write a message (" + e.getMessage() + ")", e);
            }
            sendMessageBytes(line);
        });
    }

    /** Writes one JSON-RPC message, already serialised, as a line on the server's stdin. */
    public void sendJson(String json) {
        sendMessageBytes((json + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private void sendMessageBytes(byte[] line) {
        OutputStream out = stdin;
        if (out == null) {
            throw new IllegalStateException("server " + server + " is not started");
        }
        try {
            synchronized (this) {
                out.write(line);
                out.flush();
            }
        } catch (IOException e) {
            throw new IllegalStateException("server " + server + ": cannot write to its stdin (" + e.getMessage() + ")", e);
        }
    }

    /** The child process, once started. */
    public Process process() {
        return process;
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.fromRunnable(this::close);
    }

    /** Closes stdin (the spec's first step), then SIGTERM, then a kill after the grace period. */
    @Override
    public void close() {
        closing = true;
        Process p = process;
        if (p == null) {
            return;
        }
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (p.waitFor(Math.min(500, stopGrace.toMillis()), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ChildProcesses.stop(p, stopGrace);
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
        return mapper.convertValue(data, typeRef);
    }
}
