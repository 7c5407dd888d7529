package dev.kairos.inference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.EngineInfo.Capability;
import dev.kairos.inference.InferenceSettings.Engine;
import dev.kairos.inference.internal.EngineHttp;
import dev.kairos.inference.internal.WireJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds out what serves an endpoint and what it can do, from the engines' own endpoints
 * (Ollama {@code /api/version} and {@code /api/show}; SGLang {@code /get_server_info}; vLLM
 * {@code /version}; llama.cpp {@code /health} and {@code /props}; {@code /v1/models}). Answers are cached.
 */
public final class EngineProbe {
    private static final Logger LOG = LoggerFactory.getLogger(EngineProbe.class);
    private final Duration ttl;
    private final Duration timeout;
    private final Map<URI, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(EngineInfo info, long atNanos) {
    }

    public EngineProbe(Duration cacheTtl, Duration requestTimeout) {
        this.ttl = cacheTtl;
        this.timeout = requestTimeout;
    }

    /** The cached answer if fresh, else a new probe. A not-ready answer is never cached. */
    public EngineInfo probe(URI url) {
        URI base = EngineHttp.baseOf(url);
        Cached c = cache.get(base);
        if (c != null && System.nanoTime() - c.atNanos < ttl.toNanos()) {
            return c.info;
        }
        EngineInfo info = probeNow(base);
        if (info.ready()) {
            cache.put(base, new Cached(info, System.nanoTime()));
        }
        return info;
    }

    public void forget(URI url) {
        cache.remove(EngineHttp.baseOf(url));
    }

    private EngineInfo probeNow(URI base) {
        EngineHttp http = new EngineHttp(base, null, timeout, timeout);
        List<String> notes = new ArrayList<>();
        Optional<EngineHttp.Answer> ollama;
        try {
            ollama = ok(http.get("/api/version"));
        } catch (EngineException e) {
            LOG.debug("probe of {} failed", base, e);
            return new EngineInfo(base, Engine.GENERIC, false, false, null, List.of(), null, null, Set.of(),
                    List.of("unreachable: " + e.getMessage()));
        }
        if (ollama.isPresent() && ollama.get().json().map(j -> j.has("version")).orElse(false)) {
            return ollama(base, http, WireJson.text(ollama.get().json().get(), "version"), notes);
        }
        Optional<JsonNode> sglang = ok(http.get("/get_server_info")).flatMap(EngineHttp.Answer::json);
        if (sglang.isPresent()) {
            JsonNode s = sglang.get();
            Set<Capability> caps = EnumSet.of(Capability.STRUCTURED_OUTPUT, Capability.PARALLEL_TOOL_CALLS);
            if (s.hasNonNull("tool_call_parser")) {
                caps.add(Capability.TOOLS);
            } else {
                notes.add("no --tool-call-parser: native tool calls unavailable, use a text protocol");
            }
            if (s.hasNonNull("reasoning_parser")) {
                caps.add(Capability.THINKING);
            }
            Models m = models(http);
            return new EngineInfo(base, Engine.SGLANG, true, true, WireJson.text(s, "version"), m.ids,
                    s.has("context_length") ? s.get("context_length").asInt() : m.context,
                    s.has("max_running_requests") ? s.get("max_running_requests").asInt() : null, caps, notes);
        }
        Optional<JsonNode> vllm = ok(http.get("/version")).flatMap(EngineHttp.Answer::json);
        EngineHttp.Answer health = http.get("/health");
        if (vllm.isPresent() && vllm.get().has("version")) {
            Models m = models(http);
            notes.add("tool_choice auto needs --enable-auto-tool-choice; structured output via response_format (guided_* removed)");
            return new EngineInfo(base, Engine.VLLM, true, health.status() == 200, WireJson.text(vllm.get(), "version"), m.ids,
                    m.context, null, EnumSet.of(Capability.TOOLS, Capability.PARALLEL_TOOL_CALLS, Capability.STRUCTURED_OUTPUT),
                    notes);
        }
        boolean loading = health.status() == 503 && health.body().contains("Loading model");
        Optional<JsonNode> props = ok(http.get("/props")).flatMap(EngineHttp.Answer::json)
                .filter(p -> p.has("default_generation_settings") || p.has("total_slots"));
        if (loading || props.isPresent()) {
            return llamaCpp(base, http, props.orElse(null), !loading && health.status() == 200, notes);
        }
        Models m = models(http);
        if (m.ids.isEmpty() && m.status != 200) {
            notes.add("no known engine endpoint answered (GET /v1/models: HTTP " + m.status + ")");
            return new EngineInfo(base, Engine.GENERIC, true, false, null, List.of(), null, null, Set.of(), notes);
        }
        notes.add("unrecognised OpenAI-compatible server; assuming tools and structured output");
        return new EngineInfo(base, Engine.GENERIC, true, true, null, m.ids, m.context, null,
                EnumSet.of(Capability.TOOLS, Capability.STRUCTURED_OUTPUT), notes);
    }

    private EngineInfo llamaCpp(URI base, EngineHttp http, JsonNode props, boolean ready, List<String> notes) {
        if (!ready) {
            notes.add("loading model (GET /health answers 503)");
        }
        Set<Capability> caps = EnumSet.of(Capability.STRUCTURED_OUTPUT);
        Integer ctx = null;
        Integer slots = null;
        String version = null;
        if (props != null) {
            JsonNode tc = props.path("chat_template_caps");
            if (tc.path("supports_tool_calls").asBoolean(false) || tc.path("supports_tools").asBoolean(false)) {
                caps.add(Capability.TOOLS);
            } else if (!tc.isMissingNode()) {
                notes.add("chat template cannot express tool calls (Generic format)");
            }
            if (tc.path("supports_parallel_tool_calls").asBoolean(false)) {
                caps.add(Capability.PARALLEL_TOOL_CALLS);
            }
            JsonNode n = props.path("default_generation_settings").path("n_ctx");
            ctx = n.isNumber() ? n.asInt() : null;
            slots = props.has("total_slots") ? props.get("total_slots").asInt() : null;
            version = WireJson.text(props, "build_info");
            if (props.path("is_sleeping").asBoolean(false)) {
                notes.add("sleeping");
            }
        }
        notes.add("parallel_tool_calls is off unless requested; Kairos always sends it");
        Models m = ready ? models(http) : new Models(List.of(), null, 0);
        return new EngineInfo(base, Engine.LLAMA_CPP, true, ready, version, m.ids, ctx != null ? ctx : m.context,
                slots, caps, notes);
    }

    private EngineInfo ollama(URI base, EngineHttp http, String version, List<String> notes) {
        List<String> ids = new ArrayList<>();
        ok(http.get("/api/tags")).flatMap(EngineHttp.Answer::json)
                .ifPresent(t -> t.path("models").forEach(mo -> ids.add(WireJson.text(mo, "name"))));
        Set<Capability> caps = EnumSet.of(Capability.STRUCTURED_OUTPUT, Capability.PARALLEL_TOOL_CALLS);
        Integer ctx = null;
        if (!ids.isEmpty()) {
            JsonNode show = postJson(http, "/api/show", "{\"model\":" + WireJson.write(WireJson.NODES.textNode(ids.getFirst())) + "}");
            if (show != null) {
                for (JsonNode c : show.path("capabilities")) {
                    switch (c.asText()) {
                        case "tools" -> caps.add(Capability.TOOLS);
                        case "thinking" -> caps.add(Capability.THINKING);
                        default -> {
                        }
                    }
                }
                var it = show.path("model_info").fields();
                while (it.hasNext()) {
                    var e = it.next();
                    if (e.getKey().endsWith(".context_length")) {
                        ctx = e.getValue().asInt();
                    }
                }
            }
        }
        notes.add("no tool_choice on /v1: Kairos emulates none/named by filtering tools");
        return new EngineInfo(base, Engine.OLLAMA, true, true, version, ids, ctx, null, caps, notes);
    }

    private record Models(List<String> ids, Integer context, int status) {
    }

    private Models models(EngineHttp http) {
        EngineHttp.Answer a = http.get("/v1/models");
        List<String> ids = new ArrayList<>();
        Integer ctx = null;
        Optional<JsonNode> j = a.status() == 200 ? a.json() : Optional.empty();
        if (j.isPresent()) {
            for (JsonNode m : j.get().path("data")) {
                ids.add(WireJson.text(m, "id"));
                if (m.has("max_model_len")) {
                    ctx = m.get("max_model_len").asInt();
                }
            }
        }
        return new Models(ids, ctx, a.status());
    }

    private static JsonNode postJson(EngineHttp http, String path, String body) {
        try {
            return ok(http.postForAnswer(path, body)).flatMap(EngineHttp.Answer::json).orElse(null);
        } catch (EngineException e) {
            return null;
        }
    }

    private static Optional<EngineHttp.Answer> ok(EngineHttp.Answer a) {
        return a.status() == 200 ? Optional.of(a) : Optional.empty();
    }
}
