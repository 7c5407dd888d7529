package dev.kairos.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.ArgumentProblem;
import dev.kairos.inference.ArgumentValidator;
import dev.kairos.inference.Timers;
import dev.kairos.inference.ToolCall;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.core.functions.CheckedSupplier;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The executor over a {@link LiveCatalogue}: each call on its own virtual thread, under a global and
 * a per-server bound, with its own timeout (cancelled downstream by interrupting the provider),
 * retries with backoff for tools safe to repeat, and a circuit breaker per server.
 */
public final class ParallelToolExecutor implements ToolExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(ParallelToolExecutor.class);

    private final LiveCatalogue catalogue;
    private final ExecutorSettings settings;
    private final ToolApproval approval;
    private final Semaphore global;
    private final Map<String, Semaphore> perServer = new ConcurrentHashMap<>();
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final CircuitBreakerConfig breakerConfig;
    private final Map<String, Retry> retries = new ConcurrentHashMap<>();
    /** The validator of the last catalogue snapshot: compiling the tools' schemas every turn was most of a turn's cost. */
    private volatile Validating validating;

    /** A catalogue snapshot (the same list until the catalogue changes) and its compiled argument schemas. */
    private record Validating(List<CatalogueTool> snapshot, ArgumentValidator validator) {
    }

    /** The call whose retries run on this thread (each call runs on one thread), for the shared retry policy's deadline check. */
    private static final ThreadLocal<Running> CURRENT = new ThreadLocal<>();

    public ParallelToolExecutor(LiveCatalogue catalogue, ExecutorSettings settings, ToolApproval approval) {
        this.catalogue = catalogue;
        this.settings = settings;
        this.approval = approval;
        this.global = new Semaphore(settings.maxConcurrency(), true);
        this.breakerConfig = CircuitBreakerConfig.custom()
                .failureRateThreshold(settings.breakerFailureRate())
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.breakerWindow())
                .minimumNumberOfCalls(Math.min(settings.breakerWindow(), 5))
                .waitDurationInOpenState(settings.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordExceptions(ToolUnavailableException.class, TimeoutException.class)
                .ignoreExceptions(InterruptedException.class)
                .build();
    }

    public ParallelToolExecutor(LiveCatalogue catalogue) {
        this(catalogue, ExecutorSettings.defaults(), ToolApproval.REFUSE);
    }

    /** The catalogue this executor runs calls from. */
    public LiveCatalogue catalogue() {
        return catalogue;
    }

    /** The circuit breaker state of one server ({@code CLOSED}, {@code OPEN}, {@code HALF_OPEN}). */
    public String breakerState(String provider) {
        return breaker(provider).getState().name();
    }

    @Override
    public Turn begin(Consumer<ToolEvent> events) {
        return new RunningTurn(catalogue.tools(), events);
    }

    private CircuitBreaker breaker(String provider) {
        return breakers.computeIfAbsent(provider, p -> CircuitBreaker.of("server-" + p, breakerConfig));
    }

    private ArgumentValidator validator(List<CatalogueTool> snapshot) {
        Validating v = validating;
        if (v == null || v.snapshot() != snapshot) {
            v = new Validating(snapshot, new ArgumentValidator(snapshot.stream().map(CatalogueTool::spec).toList()));
            validating = v;
        }
        return v.validator();
    }

    /** One retry policy per tool (its metrics are the tool's); whether time is left is asked of the call on this thread. */
    private Retry retry(CatalogueTool t) {
        return retries.computeIfAbsent(t.modelName(), n -> Retry.of("tool-" + n, RetryConfig.<CallToolResult>custom()
                .maxAttempts(settings.maxAttempts())
                .intervalFunction(IntervalFunction.ofExponentialBackoff(settings.retryBackoff(), 2.0))
                .retryOnException(e -> e instanceof ToolUnavailableException && CURRENT.get() != null
                        && CURRENT.get().remaining().compareTo(settings.retryBackoff()) > 0)
                .build()));
    }

    private Semaphore bound(String provider) {
        return perServer.computeIfAbsent(provider, p -> new Semaphore(catalogue.settings(p)
                .map(McpServerSettings::maxConcurrency).filter(m -> m != null)
                .orElse(settings.perServerConcurrency()), true));
    }

    /** One turn's calls; the catalogue is read once, at the start, so a change applies from the next turn. */
    private final class RunningTurn implements Turn {
        private final Map<String, CatalogueTool> tools = new LinkedHashMap<>();
        private final ArgumentValidator validator;
        private final Consumer<ToolEvent> events;
        private final Map<String, Running> running = new LinkedHashMap<>();

        RunningTurn(List<CatalogueTool> snapshot, Consumer<ToolEvent> events) {
            snapshot.forEach(t -> tools.put(t.modelName(), t));
            this.validator = validator(snapshot);
            this.events = events;
        }

        @Override
        public void start(ToolCall call) {
            Running r;
            synchronized (running) {
                if (running.containsKey(call.id())) {
                    return;
                }
                r = new Running(call, this);
                running.put(call.id(), r);
            }
            Thread t = Thread.ofVirtual().name("tool-" + call.name()).unstarted(r::run);
            r.worker(t);
            t.start();
        }

        @Override
        public List<ToolCallResult> finish(List<ToolCall> calls) throws InterruptedException {
            Running inline = null;
            if (calls.size() == 1) {
                synchronized (running) {
                    if (!running.containsKey(calls.getFirst().id())) {
                        inline = new Running(calls.getFirst(), this);
                        running.put(inline.call.id(), inline);
                    }
                }
            }
            if (inline == null) {
                calls.forEach(this::start);
            }
            Set<String> listed = new HashSet<>();
            calls.forEach(c -> listed.add(c.id()));
            List<Running> dropped = new ArrayList<>();
            List<Running> wanted = new ArrayList<>();
            synchronized (running) {
                running.values().stream().filter(r -> !listed.contains(r.call.id())).forEach(dropped::add);
                calls.forEach(c -> wanted.add(running.get(c.id())));
            }
            dropped.forEach(r -> r.stop(ToolOutcome.CANCELLED, "dropped: the turn changed after the call started"));
            if (inline != null) {
                return List.of(runHere(inline));
            }
            List<ToolCallResult> out = new ArrayList<>();
            try {
                for (Running r : wanted) {
                    out.add(r.result.get());
                }
            } catch (InterruptedException e) {
                cancel();
                throw e;
            } catch (ExecutionException e) {
                throw new IllegalStateException("a tool call failed outside its own handling", e.getCause());
            }
            return out;
        }

        /**
         * The turn's only call, run on the caller's thread: nothing runs beside it, so a thread of its own
         * would only add two hand-offs to every step. Its timeout or a cancel ends it by interrupting this
         * thread; once the call has let go of the thread, that interrupt is taken back.
         */
        private ToolCallResult runHere(Running r) {
            r.worker(Thread.currentThread());
            try {
                r.run();
            } finally {
                if (r.releaseWorker()) {
                    Thread.interrupted(); // the call's own stop, not an interrupt meant for the run
                }
            }
            return r.result.join();
        }

        @Override
        public void cancel() {
            List<Running> all;
            synchronized (running) {
                all = List.copyOf(running.values());
            }
            all.forEach(r -> r.stop(ToolOutcome.CANCELLED, "cancelled: the run was stopped while the call was in flight;"
                    + " it may have partly taken effect"));
        }

        @Override
        public void close() {
            cancel();
        }

        void emit(ToolEvent e) {
            try {
                events.accept(e);
            } catch (RuntimeException ex) {
                LOG.warn("a tool event listener failed: {}", ex.toString());
            }
        }
    }

    /** One call in flight. */
    private final class Running implements ToolCallControl {
        final ToolCall call;
        final RunningTurn turn;
        final CompletableFuture<ToolCallResult> result = new CompletableFuture<>();
        final Instant begun = Instant.now();
        final AtomicInteger attempts = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
        /** The thread running the call, guarded by this: stop() must not interrupt a thread that has moved on. */
        private Thread worker;
        /** stop() interrupted the worker; guarded by this. */
        private boolean interruptedWorker;
        volatile Instant deadline = Instant.MAX;
        volatile CatalogueTool tool;
        volatile ScheduledFuture<?> timeout;

        Running(ToolCall call, RunningTurn turn) {
            this.call = call;
            this.turn = turn;
        }

        @Override
        public Instant deadline() {
            return deadline;
        }

        @Override
        public void progress(double progress, Double total, String message) {
            if (!ended.get()) {
                turn.emit(new ToolEvent.Progress(call, progress, total, message));
            }
        }

        synchronized void worker(Thread t) {
            worker = t;
        }

        /** The worker lets go of the call; true when stop() interrupted it meanwhile. */
        synchronized boolean releaseWorker() {
            worker = null;
            return interruptedWorker;
        }

        /** Ends the call with this result unless it has ended already; true when this ended it. */
        boolean finish(ToolOutcome outcome, String text, JsonNode structured) {
            if (!ended.compareAndSet(false, true)) {
                return false;
            }
            ToolCallResult r = new ToolCallResult(call, text, structured, outcome,
                    Duration.between(begun, Instant.now()), attempts.get());
            ScheduledFuture<?> t = timeout;
            if (t != null) {
                t.cancel(false);
            }
            // the Finished event comes before the result is handed back, so a listener has seen every event by then
            turn.emit(new ToolEvent.Finished(r));
            result.complete(r);
            return true;
        }

        /** Ends the call from outside (timeout, cancel): the result is set first, then the worker is interrupted. */
        void stop(ToolOutcome outcome, String reason) {
            String name = tool == null ? call.name() : tool.modelName();
            if (ended.get() || !finish(outcome, "The call to '" + name + "' " + reason, null)) {
                return;
            }
            if (outcome == ToolOutcome.TIMEOUT && tool != null) {
                breaker(tool.provider()).onError(0, TimeUnit.NANOSECONDS, new TimeoutException(reason));
            }
            synchronized (this) {
                if (worker != null) {
                    interruptedWorker = true;
                    worker.interrupt();
                }
            }
        }

        void run() {
            CURRENT.set(this);
            try {
                runChecked();
            } catch (InterruptedException e) {
                finish(ToolOutcome.INTERRUPTED, "The call to '" + call.name()
                        + "' was interrupted; whether it took effect is unknown.", null);
            } catch (RuntimeException e) {
                LOG.warn("tool call {} failed unexpectedly", call.name(), e);
                finish(ToolOutcome.TOOL_ERROR, "The call to '" + call.name() + "' failed: " + e.getMessage(), null);
            } finally {
                CURRENT.remove();
            }
        }

        private void runChecked() throws InterruptedException {
            CatalogueTool t = turn.tools.get(call.name());
            List<ArgumentProblem> problems = turn.validator.validate(call);
            if (t == null) {
                finish(ToolOutcome.UNKNOWN_TOOL, problems.isEmpty() ? "unknown tool '" + call.name() + "'"
                        : "There is no tool '" + call.name() + "': " + problems.getFirst().message(), null);
                return;
            }
            tool = t;
            if (!problems.isEmpty()) {
                finish(ToolOutcome.INVALID_ARGUMENTS, ArgumentValidator.repairText(call, problems), null);
                return;
            }
            if (t.needsConfirmation() && !approval.approve(t, call)) {
                finish(ToolOutcome.REFUSED, "The call to '" + call.name() + "' was refused: it needs approval,"
                        + " and it was not given. Do not retry it; continue without it or ask the user.", null);
                return;
            }
            // the timeout covers waiting for a permit as well as the call itself
            Duration timeout = t.timeout();
            deadline = Instant.now().plus(timeout);
            // a call that ends cancels its timeout; one that fires is handled on a thread of its own, off the shared timer
            this.timeout = Timers.shared().schedule(() -> Thread.startVirtualThread(() -> stop(ToolOutcome.TIMEOUT,
                    "timed out after " + human(timeout) + " and was cancelled; it may have partly taken effect."
                            + " Try a smaller request or another way.")), timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (ended.get()) {
                this.timeout.cancel(false); // ended (cancelled) while the timer was being set
            }
            Optional<ToolProvider> provider = catalogue.provider(t.provider());
            if (provider.isEmpty()) {
                finish(ToolOutcome.UNAVAILABLE, "server " + t.provider() + " is unavailable", null);
                return;
            }
            CircuitBreaker cb = breaker(t.provider());
            if (!cb.tryAcquirePermission()) {
                finish(ToolOutcome.UNAVAILABLE, "server " + t.provider() + " is unavailable: its last calls failed,"
                        + " so Kairos is not sending it more for a while. Use another tool or try later.", null);
                return;
            }
            cb.releasePermission();
            Semaphore server = bound(t.provider());
            if (!global.tryAcquire(remaining().toNanos(), TimeUnit.NANOSECONDS)) {
                return; // the timeout has set the result
            }
            try {
                if (!server.tryAcquire(remaining().toNanos(), TimeUnit.NANOSECONDS)) {
                    return;
                }
                try {
                    turn.emit(new ToolEvent.Started(call, t.provider()));
                    call(provider.get(), t, cb);
                } finally {
                    server.release();
                }
            } finally {
                global.release();
            }
        }

        private void call(ToolProvider provider, CatalogueTool t, CircuitBreaker cb) throws InterruptedException {
            JsonNode args = call.parsedArguments();
            CheckedSupplier<CallToolResult> once = () -> {
                attempts.incrementAndGet();
                return provider.call(t.descriptor().name(), args, this);
            };
            CheckedSupplier<CallToolResult> guarded = CircuitBreaker.decorateCheckedSupplier(cb, once);
            if (t.retryable() && settings.maxAttempts() > 1) {
                guarded = Retry.decorateCheckedSupplier(retry(t), guarded);
            }
            try {
                CallToolResult r = guarded.get();
                ToolResultText.Converted c = ToolResultText.convert(r, settings.maxResultChars());
                finish(Boolean.TRUE.equals(r.isError()) ? ToolOutcome.TOOL_ERROR : ToolOutcome.OK, c.text(), c.structured());
            } catch (InterruptedException e) {
                finish(ToolOutcome.INTERRUPTED, "The call to '" + t.modelName()
                        + "' was interrupted; whether it took effect is unknown.", null);
            } catch (CallNotPermittedException e) {
                finish(ToolOutcome.UNAVAILABLE, "server " + t.provider() + " is unavailable: its last calls failed,"
                        + " so Kairos is not sending it more for a while. Use another tool or try later.", null);
            } catch (ToolUnavailableException e) {
                if (remaining().isZero()) {
                    // the provider gave up at the deadline a moment before the timeout fired
                    stop(ToolOutcome.TIMEOUT, "timed out after " + human(t.timeout())
                            + " and was cancelled; it may have partly taken effect. Try a smaller request or another way.");
                    return;
                }
                String m = e.getMessage() == null ? "" : e.getMessage();
                finish(ToolOutcome.UNAVAILABLE, m.startsWith("server ") ? m
                        : "server " + t.provider() + " is unavailable: " + m, null);
            } catch (Throwable e) {
                if (Thread.currentThread().isInterrupted() || e.getCause() instanceof InterruptedException) {
                    finish(ToolOutcome.INTERRUPTED, "The call to '" + t.modelName()
                            + "' was interrupted; whether it took effect is unknown.", null);
                } else {
                    finish(ToolOutcome.TOOL_ERROR, "The call to '" + t.modelName() + "' failed: " + e.getMessage(), null);
                }
            }
        }

        private Duration remaining() {
            Duration d = Duration.between(Instant.now(), deadline);
            return d.isNegative() ? Duration.ZERO : d;
        }
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
