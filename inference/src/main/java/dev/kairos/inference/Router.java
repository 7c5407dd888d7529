package dev.kairos.inference;

import dev.kairos.inference.EngineInfo.Capability;
import dev.kairos.inference.InferenceSettings.Role;
import dev.kairos.inference.InferenceSettings.ToolProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Spreads calls over several endpoints: those of the asked role first (small model for simple
 * steps, large for hard ones), only those with the capabilities the request needs, least in-flight
 * first, and on failure the next one. A stream that already delivered output is not replayed elsewhere.
 */
public final class Router implements ChatClient {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);
    private final List<EndpointClient> endpoints;
    private final Map<String, Set<Capability>> capabilities;
    private final Role role;

    /** capabilities: what the probe found per endpoint name; an endpoint missing there is assumed capable. */
    public Router(List<EndpointClient> endpoints, Map<String, Set<Capability>> capabilities) {
        this(endpoints, capabilities, Role.ANY);
    }

    private Router(List<EndpointClient> endpoints, Map<String, Set<Capability>> capabilities, Role role) {
        this.endpoints = List.copyOf(endpoints);
        this.capabilities = Map.copyOf(capabilities);
        this.role = role;
    }

    /** The same router, preferring endpoints of this role. */
    public Router forRole(Role r) {
        return new Router(endpoints, capabilities, r);
    }

    public List<EndpointClient> endpoints() {
        return endpoints;
    }

    @Override
    public ChatResponse chat(ChatRequest request) {
        return route(request, (c, r) -> c.chat(r), new AtomicBoolean());
    }

    @Override
    public ChatResponse stream(ChatRequest request, StreamListener listener) {
        AtomicBoolean delivered = new AtomicBoolean();
        return route(request, (c, r) -> c.stream(r, e -> {
            delivered.set(true);
            listener.on(e);
        }), delivered);
    }

    private interface Call {
        ChatResponse run(ChatClient client, ChatRequest request);
    }

    /** The endpoints to try, best first. */
    public List<EndpointClient> candidates(ChatRequest request) {
        Set<Capability> needed = needs(request);
        List<EndpointClient> capable = endpoints.stream().filter(e -> can(e, needed)).toList();
        List<EndpointClient> ofRole = capable.stream()
                .filter(e -> role == Role.ANY || e.endpoint().role() == role || e.endpoint().role() == Role.ANY).toList();
        List<EndpointClient> ordered = new ArrayList<>(ofRole.isEmpty() ? capable : ofRole);
        ordered.sort(Comparator.comparingInt(EndpointClient::inFlight)); // stable: config order breaks ties
        // Endpoints of other roles still serve as the last fallback.
        capable.stream().filter(e -> !ordered.contains(e)).forEach(ordered::add);
        return ordered;
    }

    private ChatResponse route(ChatRequest request, Call call, AtomicBoolean delivered) {
        List<EndpointClient> order = candidates(request);
        if (order.isEmpty()) {
            throw new EngineException.NoEndpoint(null, "no configured endpoint can serve this request (needs "
                    + needs(request) + ")", null);
        }
        EngineException last = null;
        for (EndpointClient e : order) {
            try {
                return call.run(e, request.model() == null ? request.withModel(e.endpoint().model()) : request);
            } catch (EngineException.Cancelled c) {
                throw c;
            } catch (EngineException f) {
                last = f;
                if (delivered.get() || Thread.currentThread().isInterrupted()) {
                    throw f;
                }
                LOG.warn("endpoint '{}' failed, trying the next: {}", e.name(), f.getMessage());
            }
        }
        throw last;
    }

    private static Set<Capability> needs(ChatRequest r) {
        Set<Capability> s = new java.util.HashSet<>();
        if (!r.tools().isEmpty() && !(r.toolChoice() instanceof ToolChoice.None)) {
            s.add(Capability.TOOLS);
        }
        if (r.responseFormat() instanceof ResponseFormat.JsonSchema) {
            s.add(Capability.STRUCTURED_OUTPUT);
        }
        return s;
    }

    private boolean can(EndpointClient e, Set<Capability> needed) {
        Set<Capability> has = capabilities.get(e.name());
        if (has == null) {
            return true;
        }
        for (Capability c : needed) {
            // A text protocol brings tool calling to an engine that has none.
            if (c == Capability.TOOLS && e.endpoint().toolProtocol() != ToolProtocol.NATIVE) {
                continue;
            }
            if (!has.contains(c)) {
                return false;
            }
        }
        return true;
    }
}
