package dev.kairos.inference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Runs a local engine process ({@code llama-server ...}, {@code vllm serve ...}, {@code ollama serve}):
 * starts it, waits until its readiness URL answers 200, restarts it with backoff when it dies, and
 * stops it on close. Its output goes to our log.
 */
public final class EngineSupervisor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineSupervisor.class);

    /** What to run and how to tell it is ready. */
    public record Spec(List<String> command, Map<String, String> environment, URI readinessUrl, Duration readyTimeout,
                       Duration initialBackoff, Duration maxBackoff, int maxRestarts, Duration stopGrace, Path workdir) {
        /** A spec that runs in our own working directory. */
        public Spec(List<String> command, Map<String, String> environment, URI readinessUrl, Duration readyTimeout,
                    Duration initialBackoff, Duration maxBackoff, int maxRestarts, Duration stopGrace) {
            this(command, environment, readinessUrl, readyTimeout, initialBackoff, maxBackoff, maxRestarts, stopGrace, null);
        }

        public Spec {
            command = List.copyOf(Objects.requireNonNull(command, "engine.command"));
            if (command.isEmpty()) {
                throw new IllegalArgumentException("engine.command: must name the program to run");
            }
            environment = environment == null ? Map.of() : Map.copyOf(environment);
            Objects.requireNonNull(readinessUrl, "engine.readinessUrl");
            readyTimeout = readyTimeout == null ? Duration.ofMinutes(10) : readyTimeout;
            initialBackoff = initialBackoff == null ? Duration.ofSeconds(1) : initialBackoff;
            maxBackoff = maxBackoff == null ? Duration.ofMinutes(1) : maxBackoff;
            stopGrace = stopGrace == null ? Duration.ofSeconds(10) : stopGrace;
            if (maxRestarts < 0) {
                throw new IllegalArgumentException("engine.maxRestarts: must be >= 0, was " + maxRestarts);
            }
        }

        public static Spec of(List<String> command, URI readinessUrl) {
            return new Spec(command, Map.of(), readinessUrl, null, null, null, 5, null);
        }

        /** The spec of an endpoint's {@code supervise} block; readiness is asked at {@link InferenceSettings.Endpoint#readinessUrl()}. */
        public static Spec of(InferenceSettings.Endpoint endpoint) {
            InferenceSettings.Supervise s = Objects.requireNonNull(endpoint.supervise(),
                    "supervise: endpoint '" + endpoint.name() + "' has no supervise block");
            return new Spec(s.command(), s.env(), endpoint.readinessUrl(), s.readyTimeout(), s.restartBackoff(),
                    s.maxRestartBackoff(), s.maxRestarts(), s.stopGrace(), s.workdir());
        }
    }

    /**
     * Starts the endpoint's supervised engine unless something already answers its readiness URL, and
     * waits (bounded by {@code supervise.ready_timeout}) until it is ready. Empty when the endpoint has no
     * {@code supervise} block or its engine already runs; the caller closes what is returned.
     *
     * @throws IllegalStateException when the engine does not become ready in time
     */
    public static java.util.Optional<EngineSupervisor> startUnlessAnswering(InferenceSettings.Endpoint endpoint)
            throws InterruptedException {
        if (endpoint.supervise() == null) {
            return java.util.Optional.empty();
        }
        Spec spec = Spec.of(endpoint);
        if (answers(spec.readinessUrl())) {
            LOG.info("engine already answers at {}; not starting it", spec.readinessUrl());
            return java.util.Optional.empty();
        }
        EngineSupervisor supervisor = new EngineSupervisor(spec);
        supervisor.start();
        // The supervisor gives up on its own after readyTimeout; the extra second covers its last poll.
        if (!supervisor.awaitReady(1, spec.readyTimeout().plusSeconds(1))) {
            State state = supervisor.state();
            supervisor.close();
            throw new IllegalStateException("engine '" + String.join(" ", spec.command()) + "' did not become ready at "
                    + spec.readinessUrl() + " within " + spec.readyTimeout().toSeconds() + " s (state " + state + "; see the log)");
        }
        return java.util.Optional.of(supervisor);
    }

    /** One bounded GET: does something answer 200 there now? */
    static boolean answers(URI url) throws InterruptedException {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build()) {
            return http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** Where the engine process is in its life. */
    public enum State { STARTING, READY, RESTARTING, STOPPED, FAILED }

    private final Spec spec;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final Object lock = new Object();
    private Thread supervisor;
    private Process process;
    private State state = State.STOPPED;
    private int readyCount;
    private int restarts;
    private volatile boolean stopping;

    public EngineSupervisor(Spec spec) {
        this.spec = spec;
    }

    /** Starts the process and its supervision; returns at once. */
    public void start() {
        synchronized (lock) {
            if (supervisor != null) {
                throw new IllegalStateException("engine supervisor already started");
            }
            state = State.STARTING;
            supervisor = Thread.ofVirtual().name("engine-supervisor").start(this::supervise);
        }
    }

    /** Waits (bounded) until the engine has become ready {@code times} times in all (1 = first start). */
    public boolean awaitReady(int times, Duration bound) throws InterruptedException {
        long end = System.nanoTime() + bound.toNanos();
        synchronized (lock) {
            while (readyCount < times) {
                long left = end - System.nanoTime();
                if (left <= 0 || state == State.FAILED || state == State.STOPPED) {
                    return readyCount >= times;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }

    public State state() {
        synchronized (lock) {
            return state;
        }
    }

    public int restarts() {
        synchronized (lock) {
            return restarts;
        }
    }

    /** The process id of the running engine, if one runs. */
    public OptionalLong pid() {
        synchronized (lock) {
            return process != null && process.isAlive() ? OptionalLong.of(process.pid()) : OptionalLong.empty();
        }
    }

    private void supervise() {
        Duration backoff = spec.initialBackoff();
        while (!stopping) {
            Process p;
            try {
                ProcessBuilder pb = new ProcessBuilder(spec.command()).redirectErrorStream(true);
                pb.environment().putAll(spec.environment());
                if (spec.workdir() != null) {
                    pb.directory(spec.workdir().toFile());
                }
                p = pb.start();
            } catch (IOException e) {
                LOG.error("cannot start engine {}: {}", spec.command().getFirst(), e.getMessage());
                setState(State.FAILED);
                return;
            }
            synchronized (lock) {
                process = p;
            }
            LOG.info("engine started (pid {}): {}", p.pid(), String.join(" ", spec.command()));
            Thread.ofVirtual().name("engine-output").start(() -> pipe(p));
            if (waitReady(p)) {
                synchronized (lock) {
                    state = State.READY;
                    readyCount++;
                    lock.notifyAll();
                }
                backoff = spec.initialBackoff();
            }
            int code;
            try {
                code = p.waitFor();
            } catch (InterruptedException e) {
                return; // close() stops the process
            }
            if (stopping) {
                return;
            }
            synchronized (lock) {
                if (restarts >= spec.maxRestarts()) {
                    LOG.error("engine exited with {} and {} restarts are used up; giving up", code, restarts);
                    state = State.FAILED;
                    lock.notifyAll();
                    return;
                }
                restarts++;
                state = State.RESTARTING;
            }
            LOG.warn("engine exited with {}; restart {} of {} in {} ms", code, restarts(), spec.maxRestarts(), backoff.toMillis());
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            backoff = backoff.multipliedBy(2).compareTo(spec.maxBackoff()) > 0 ? spec.maxBackoff() : backoff.multipliedBy(2);
        }
    }

    /** Polls the readiness URL until 200, the process dies, or the bound passes. */
    private boolean waitReady(Process p) {
        long end = System.nanoTime() + spec.readyTimeout().toNanos();
        while (!stopping && p.isAlive() && System.nanoTime() < end) {
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(spec.readinessUrl()).timeout(Duration.ofSeconds(2))
                        .GET().build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    LOG.info("engine ready at {}", spec.readinessUrl());
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        if (p.isAlive() && !stopping) {
            LOG.error("engine not ready within {} s; stopping it", spec.readyTimeout().toSeconds());
            p.destroy();
        }
        return false;
    }

    private static void pipe(Process p) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                LOG.info("[engine {}] {}", p.pid(), line);
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    private void setState(State s) {
        synchronized (lock) {
            state = s;
            lock.notifyAll();
        }
    }

    /** Stops the engine: a polite signal, then force after the grace period. */
    @Override
    public void close() {
        stopping = true;
        Process p;
        Thread t;
        synchronized (lock) {
            p = process;
            t = supervisor;
        }
        if (t != null) {
            t.interrupt();
        }
        if (p != null && p.isAlive()) {
            p.destroy();
            try {
                if (!p.waitFor(spec.stopGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        setState(State.STOPPED);
    }
}
