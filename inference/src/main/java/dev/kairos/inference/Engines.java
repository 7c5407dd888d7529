package dev.kairos.inference;

import dev.kairos.inference.InferenceSettings.Endpoint;
import dev.kairos.inference.internal.EngineHttp;
import dev.kairos.inference.internal.OllamaChatClient;
import dev.kairos.inference.internal.OpenAiChatClient;

import java.net.http.HttpClient;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Builds chat clients for configured endpoints and owns what they share (a timer for time limits).
 * Close it when the application stops.
 */
public final class Engines implements AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("kairos-inference-timer").unstarted(r));

    /** A plain client for one endpoint: no retries, no breaker; the engine kind must be known (AUTO = generic). */
    public ChatClient provider(Endpoint endpoint) {
        HttpClient client = EngineHttp.newClient(endpoint.timeouts().connect());
        EngineHttp http = new EngineHttp(client, endpoint.url(), endpoint.apiKey(),
                endpoint.timeouts().total());
        return switch (endpoint.provider()) {
            case OPENAI -> new OpenAiChatClient(endpoint, endpoint.engine(), http, timer);
            case OLLAMA -> new OllamaChatClient(endpoint, http, timer);
        };
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
