package dev.kairos.agent;

import dev.kairos.inference.ChatClient;
import dev.kairos.inference.Engines;
import dev.kairos.inference.InferenceSettings;

import java.net.URI;
import java.time.Duration;

/** Chat clients for simulated engines, with the inference module's own resilience. */
final class Sims {
    private Sims() {
    }

    static ChatClient client(Engines engines, URI url, InferenceSettings.ToolProtocol protocol, int attempts) {
        InferenceSettings.Endpoint e = InferenceSettings.Endpoint.of(url, "m")
                .withEngine(InferenceSettings.Engine.VLLM)
                .withToolProtocol(protocol)
                .withRetry(new InferenceSettings.Retry(attempts, Duration.ofMillis(10), Duration.ofMillis(50)));
        return engines.endpoint(e);
    }

    static ChatClient client(Engines engines, URI url) {
        return client(engines, url, InferenceSettings.ToolProtocol.NATIVE, 1);
    }
}
