package dev.kairos.inference;

import dev.kairos.inference.EngineInfo.Capability;
import dev.kairos.inference.InferenceSettings.Endpoint;
import dev.kairos.inference.InferenceSettings.Engine;
import dev.kairos.inference.InferenceSettings.ToolProtocol;
import dev.kairos.inference.internal.EngineHttp;
import dev.kairos.inference.internal.HttpEmbeddingClient;
import dev.kairos.inference.internal.OllamaChatClient;
import dev.kairos.inference.internal.OpenAiChatClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Builds chat clients for configured endpoints and owns what they share: the capability probe and
 * the usage meter (the time limits use the process's {@link Timers#shared() timer}).
 */
public final class Engines implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engines.class);
    private final ScheduledExecutorService timer = Timers.shared();
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
        EngineHttp http = new EngineHttp(endpoint.url(), endpoint.apiKey(), endpoint.timeouts().connect(), endpoint.timeouts().total());
        return switch (endpoint.provider()) {
            case OPENAI -> new OpenAiChatClient(endpoint, resolve(endpoint), http, timer);
            case OLLAMA -> new OllamaChatClient(endpoint, http, timer);
        };
    }

    /** The endpoint's embedding route ({@code /v1/embeddings}, or {@code /api/embed} for the ollama provider), with retries. */
    public static EmbeddingClient embeddings(Endpoint endpoint) {
        return new HttpEmbeddingClient(endpoint, new EngineHttp(endpoint.url(), endpoint.apiKey(),
                endpoint.timeouts().connect(), endpoint.timeouts().total()));
    }

    /**
     * The endpoint with its text protocol (if any) and its Resilience4j decorators. With
     * {@link ToolProtocol#AUTO} the protocol is decided from the capability probe on the first call
     * (and kept once the engine answered the probe): native tool calls where the engine has them,
     * else a text protocol with constrained decoding.
     */
    public EndpointClient endpoint(Endpoint endpoint) {
        ChatClient provider = provider(endpoint);
        ChatClient c = endpoint.toolProtocol() == ToolProtocol.AUTO ? new ProbedProtocol(endpoint, provider)
                : TextToolCalls.over(provider, endpoint.toolProtocol(), true);
        return new EndpointClient(endpoint, c, timer, usage);
    }

    /**
     * The tool protocol for an endpoint: the configured one, or (AUTO) what the probe says, or null
     * while the engine cannot be asked (it did not answer the probe).
     */
    public ToolProtocol toolProtocol(Endpoint endpoint) {
        if (endpoint.toolProtocol() != ToolProtocol.AUTO) {
            return endpoint.toolProtocol();
        }
        return toolProtocolFor(probe.probe(endpoint.url()), endpoint.model());
    }

    /**
     * Native tool calls where the probe found them, or where it could not tell (an unrecognised server
     * is given the benefit of the doubt); for an engine known to lack them, the model family's text
     * format: Llama 3's JSON calls for Llama 3 models (not Hermes fine-tunes of them), Hermes
     * {@code <tool_call>} (Qwen, Hermes, most others) otherwise. Null when the engine did not answer
     * or is still loading (decide later).
     */
    public static ToolProtocol toolProtocolFor(EngineInfo info, String model) {
        if (!info.reachable()) {
            return null;
        }
        if (info.engine() == Engine.GENERIC || info.capabilities().contains(Capability.TOOLS)) {
            return ToolProtocol.NATIVE;
        }
        if (!info.ready()) {
            return null; // e.g. llama.cpp loading its model: its template's capabilities are not known yet
        }
        String m = model == null ? "" : model.toLowerCase(java.util.Locale.ROOT).replace("_", "-");
        boolean llama3 = (m.contains("llama-3") || m.contains("llama3")) && !m.contains("hermes");
        return llama3 ? ToolProtocol.LLAMA3_JSON : ToolProtocol.HERMES;
    }

    /** Decides the protocol on the first call, from the probe; until the engine answers it, speaks native. */
    private final class ProbedProtocol implements ChatClient {
        private final Endpoint endpoint;
        private final ChatClient provider;
        private volatile ChatClient chosen;

        ProbedProtocol(Endpoint endpoint, ChatClient provider) {
            this.endpoint = endpoint;
            this.provider = provider;
        }

        private ChatClient client() {
            ChatClient c = chosen;
            if (c != null) {
                return c;
            }
            ToolProtocol p = toolProtocol(endpoint);
            if (p == null) {
                return provider; // not reachable now: the call itself will say so
            }
            if (p != ToolProtocol.NATIVE) {
                LOG.info("endpoint '{}' ({}) has no native tool calling; using the {} text protocol with constrained decoding",
                        endpoint.name(), endpoint.url(), p.name().toLowerCase(java.util.Locale.ROOT));
            }
            c = TextToolCalls.over(provider, p, true);
            chosen = c;
            return c;
        }

        @Override
        public ChatResponse chat(ChatRequest request) {
            return client().chat(request);
        }

        @Override
        public ChatResponse stream(ChatRequest request, StreamListener listener) {
            return client().stream(request, listener);
        }
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
        // nothing is held open: the clients' connections close when idle, and the timer is the process's
    }
}
