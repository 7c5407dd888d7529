package dev.kairos.inference;

import dev.kairos.inference.InferenceSettings.Endpoint;
import dev.kairos.inference.internal.CallGuard;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One endpoint with its resilience: Retry (429/503/reset, honouring Retry-After) around a
 * CircuitBreaker around a Bulkhead sized to the engine's parallel slots around a time limit for the
 * whole call. The first-token limit is enforced by the provider. Usage is recorded per call.
 *
 * <p>The time limit is not Resilience4j's TimeLimiter: that one bounds a future, so every call would
 * run on a worker thread and cost two thread hand-offs per agent step. The call runs on the caller's
 * thread instead, and at the limit the caller is interrupted, which closes the HTTP stream.
 */
public final class EndpointClient implements ChatClient {
    private final Endpoint endpoint;
    private final ChatClient provider;
    private final ScheduledExecutorService timer;
    private final UsageMeter usage;
    private final Retry retry;
    private final CircuitBreaker breaker;
    private final Bulkhead bulkhead;
    private final AtomicInteger inFlight = new AtomicInteger();

    EndpointClient(Endpoint endpoint, ChatClient provider, ScheduledExecutorService timer, UsageMeter usage) {
        this.endpoint = endpoint;
        this.provider = provider;
        this.timer = timer;
        this.usage = usage;
        InferenceSettings.Retry r = endpoint.retry();
        this.retry = Retry.of(endpoint.name(), RetryConfig.<ChatResponse>custom()
                .maxAttempts(r.maxAttempts())
                .retryOnException(t -> t instanceof EngineException e && e.retryable())
                .intervalBiFunction((attempt, outcome) -> wait(r, attempt,
                        outcome.isLeft() ? outcome.getLeft() : null).toMillis())
                .build());
        this.breaker = CircuitBreaker.of(endpoint.name(), CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(10)
                .minimumNumberOfCalls(5)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(30))
                .permittedNumberOfCallsInHalfOpenState(1)
                // The engine's health, not the caller's mistakes or cancellations.
                .recordException(t -> t instanceof EngineException.Unavailable || t instanceof EngineException.ConnectionLost
                        || t instanceof EngineException.TimedOut)
                .build());
        this.bulkhead = Bulkhead.of(endpoint.name(), BulkheadConfig.custom()
                .maxConcurrentCalls(endpoint.parallelSlots())
                .maxWaitDuration(endpoint.timeouts().slotWait())
                .build());
    }

    /** Exponential backoff from the settings, or the engine's Retry-After when it gave one (capped at maxBackoff). */
    static Duration wait(InferenceSettings.Retry r, int attempt, Throwable failure) {
        if (failure instanceof EngineException.Unavailable u && u.retryAfter().isPresent()) {
            Duration after = u.retryAfter().get();
            return after.compareTo(r.maxBackoff()) > 0 ? r.maxBackoff() : after;
        }
        long ms = r.initialBackoff().toMillis() << Math.min(20, Math.max(0, attempt - 1));
        return Duration.ofMillis(Math.min(ms, r.maxBackoff().toMillis()));
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public String name() {
        return endpoint.name();
    }

    /** Calls running or waiting for a slot now. */
    public int inFlight() {
        return inFlight.get();
    }

    public Retry retry() {
        return retry;
    }

    public CircuitBreaker circuitBreaker() {
        return breaker;
    }

    public Bulkhead bulkhead() {
        return bulkhead;
    }

    @Override
    public ChatResponse chat(ChatRequest request) {
        return call(() -> provider.chat(request));
    }

    @Override
    public ChatResponse stream(ChatRequest request, StreamListener listener) {
        return call(() -> provider.stream(request, listener));
    }

    private ChatResponse call(Supplier<ChatResponse> op) {
        Supplier<ChatResponse> decorated = Retry.decorateSupplier(retry,
                CircuitBreaker.decorateSupplier(breaker,
                        Bulkhead.decorateSupplier(bulkhead, () -> timeLimited(op))));
        inFlight.incrementAndGet();
        try {
            ChatResponse r = decorated.get();
            usage.record(endpoint.name(), r);
            return r;
        } catch (CallNotPermittedException e) {
            usage.failure(endpoint.name());
            throw new EngineException.NoEndpoint(endpoint.url(), "circuit open after repeated failures of '"
                    + endpoint.name() + "'", e);
        } catch (BulkheadFullException e) {
            usage.failure(endpoint.name());
            throw new EngineException.NoEndpoint(endpoint.url(), "all " + endpoint.parallelSlots() + " slots of '"
                    + endpoint.name() + "' busy for " + endpoint.timeouts().slotWait().toMillis() + " ms", e);
        } catch (RuntimeException e) {
            usage.failure(endpoint.name());
            throw e;
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** Runs the call on the caller's thread; past the total limit the caller is interrupted, which closes the stream. */
    private ChatResponse timeLimited(Supplier<ChatResponse> op) {
        try (CallGuard guard = new CallGuard(timer)) {
            ScheduledFuture<?> limit = guard.endAfter(CallGuard.Reason.TOTAL_LIMIT, endpoint.timeouts().total());
            try {
                return op.get();
            } catch (EngineException.Cancelled e) {
                if (guard.reason() == CallGuard.Reason.TOTAL_LIMIT) {
                    throw new EngineException.TimedOut(endpoint.url(), "no complete answer within "
                            + endpoint.timeouts().total().toMillis() + " ms; stream closed");
                }
                throw e;
            } finally {
                limit.cancel(false);
            }
        }
    }
}
