package dev.kairos.inference;

import dev.kairos.inference.EngineInfo.Capability;
import dev.kairos.inference.InferenceSettings.Endpoint;
import dev.kairos.inference.InferenceSettings.Engine;
import dev.kairos.inference.internal.EngineHttp;
import dev.kairos.inference.internal.HttpEmbeddingClient;
import dev.kairos.inference.internal.OllamaChatClient;
import dev.kairos.inference.internal.OpenAiChatClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Builds chat clients for configured endpoints and owns what they share: the time-limit timer,
 * the call workers, the capability probe and the usage meter. Close it when the application stops.
 */
public final class Engines implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engines.class);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("kairos-inference-timer").unstarted(r));
    private final ExecutorService calls = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("kairos-inference-call-", 0).factory());
    private final UsageMeter usage = new UsageMeter();
    private final EngineProbe probe;

    public Engines() {
        this(Duration.ofMinutes(5));
    }

    public Engines(Duration probeCacheTtl) {
        this.probe = new EngineProbe(probeCacheTtl, Duration.ofSeconds(5));
    }

    public EngineProbe probe() {
        return probe;
    }

    public UsageMeter usage() {
        return usage;
    }

    /** A plain client for one endpoint: no retries, no breaker, native tool calls. AUTO engines are probed. */
    public ChatClient provider(Endpoint endpoint) {
        HttpClient client = EngineHttp.newClient(endpoint.timeouts().connect());
        EngineHttp http = new EngineHttp(client, endpoint.url(), endpoint.apiKey(), endpoint.timeouts().total());
        return switch (endpoint.provider()) {
            case OPENAI -> new OpenAiChatClient(endpoint, resolve(endpoint), http, timer);
            case OLLAMA -> new OllamaChatClient(endpoint, http, timer);
        };
    }

    /** The endpoint's embedding route ({@code /v1/embeddings}, or {@code /api/embed} for the ollama provider), with retries. */
    public static EmbeddingClient embeddings(Endpoint endpoint) {
        HttpClient client = EngineHttp.newClient(endpoint.timeouts().connect());
        return new HttpEmbeddingClient(endpoint, new EngineHttp(client, endpoint.url(), endpoint.apiKey(), endpoint.timeouts().total()));
    }

    /** The endpoint with its text protocol (if any) and its Resilience4j decorators. */
    public EndpointClient endpoint(Endpoint endpoint) {
        ChatClient c = TextToolCalls.over(provider(endpoint), endpoint.toolProtocol(), true);
        return new EndpointClient(endpoint, c, calls, usage);
    }

    /** A router over all configured endpoints, with the capabilities the probe found. */
    public Router router(InferenceSettings settings) {
        List<EndpointClient> clients = new ArrayList<>();
        Map<String, Set<Capability>> caps = new HashMap<>();
        for (Endpoint e : settings.endpoints()) {
            clients.add(endpoint(e));
            EngineInfo info = probe.probe(e.url());
            if (info.reachable() && info.engine() != Engine.GENERIC) {
                caps.put(e.name(), info.capabilities());
            }
        }
        return new Router(clients, caps);
    }

    private Engine resolve(Endpoint e) {
        if (e.engine() != Engine.AUTO) {
            return e.engine();
        }
        EngineInfo info = probe.probe(e.url());
        if (!info.reachable()) {
            LOG.warn("endpoint '{}' did not answer the probe; speaking plain OpenAI to it", e.name());
        }
        return info.engine();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        calls.shutdownNow();
    }
}
