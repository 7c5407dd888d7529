package dev.kairos.inference.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.inference.ChatRequest;
import dev.kairos.inference.InferenceSettings.Engine;
import dev.kairos.inference.Message;
import dev.kairos.inference.ResponseFormat;
import dev.kairos.inference.Sampling;
import dev.kairos.inference.ToolCall;
import dev.kairos.inference.ToolChoice;
import dev.kairos.inference.ToolSpec;

import java.util.List;

/**
 * Renders requests in each engine's dialect.
 *
 * <p>Field order is fixed and {@code messages} comes last, tool schemas with sorted keys: two
 * consecutive turns render to bodies where the first is a byte prefix of the second (up to its
 * closing brackets), which is what the engines' prefix caches need from us.
 */
public final class WireRequest {
    private WireRequest() {
    }

    /** OpenAI Chat Completions body for vLLM, SGLang, llama.cpp, LM Studio and Ollama's /v1. */
    public static ObjectNode openAi(ChatRequest r, String model, Engine engine, boolean stream) {
        ObjectNode b = WireJson.NODES.objectNode();
        b.put("model", r.model() != null ? r.model() : model);
        b.put("stream", stream);
        if (stream) {
            b.putObject("stream_options").put("include_usage", true);
        }
        List<ToolSpec> tools = toolsToSend(r, engine);
        if (!tools.isEmpty()) {
            ArrayNode arr = b.putArray("tools");
            tools.forEach(t -> arr.add(tool(t)));
            if (engine != Engine.OLLAMA) {
                // Ollama's /v1 has no tool_choice; emulated in toolsToSend.
                switch (r.toolChoice()) {
                    case ToolChoice.Auto a -> b.put("tool_choice", "auto");
                    case ToolChoice.None n -> b.put("tool_choice", "none");
                    case ToolChoice.Required q -> b.put("tool_choice", "required");
                    case ToolChoice.Named(String name) -> b.putObject("tool_choice").put("type", "function")
                            .putObject("function").put("name", name);
                }
                // Always explicit: llama.cpp keeps parallel calls off unless asked.
                b.put("parallel_tool_calls", r.parallelToolCalls());
            }
        }
        switch (r.responseFormat()) {
            case ResponseFormat.Text t -> {
            }
            case ResponseFormat.JsonObject j -> b.putObject("response_format").put("type", "json_object");
            case ResponseFormat.JsonSchema(String name, JsonNode schema, boolean strict) -> {
                // response_format, never vLLM's removed guided_json (silently ignored since v0.12).
                ObjectNode js = b.putObject("response_format").put("type", "json_schema").putObject("json_schema");
                js.put("name", name);
                js.set("schema", WireJson.canonical(schema));
                js.put("strict", strict);
            }
            case ResponseFormat.Grammar(String gbnf) -> {
                switch (engine) {
                    case LLAMA_CPP -> b.put("grammar", gbnf);
                    // vLLM >= 0.12: structured_outputs; guided_grammar is silently ignored there.
                    case VLLM -> b.putObject("structured_outputs").put("grammar", gbnf);
                    case SGLANG -> b.put("ebnf", gbnf);
                    default -> {
                        // LM Studio, Ollama /v1, unknown servers: no grammar field; the output is parsed as it comes.
                    }
                }
            }
        }
        sampling(b, r.sampling(), engine);
        b.set("messages", openAiMessages(r.messages()));
        return b;
    }

    /** Ollama's native /api/chat body. */
    public static ObjectNode ollama(ChatRequest r, String model, boolean stream) {
        ObjectNode b = WireJson.NODES.objectNode();
        b.put("model", r.model() != null ? r.model() : model);
        b.put("stream", stream);
        List<ToolSpec> tools = toolsToSend(r, Engine.OLLAMA);
        if (!tools.isEmpty()) {
            ArrayNode arr = b.putArray("tools");
            tools.forEach(t -> arr.add(tool(t)));
        }
        switch (r.responseFormat()) {
            case ResponseFormat.Text t -> {
            }
            case ResponseFormat.JsonObject j -> b.put("format", "json");
            case ResponseFormat.JsonSchema s -> b.set("format", WireJson.canonical(s.schema()));
            case ResponseFormat.Grammar g -> {
                // Ollama takes JSON schemas only; a grammar-constrained text protocol runs unconstrained.
            }
        }
        Sampling s = r.sampling();
        ObjectNode o = WireJson.NODES.objectNode();
        if (s.temperature() != null) o.put("temperature", s.temperature());
        if (s.topP() != null) o.put("top_p", s.topP());
        if (s.topK() != null) o.put("top_k", s.topK());
        if (s.repetitionPenalty() != null) o.put("repeat_penalty", s.repetitionPenalty());
        if (s.presencePenalty() != null) o.put("presence_penalty", s.presencePenalty());
        if (s.frequencyPenalty() != null) o.put("frequency_penalty", s.frequencyPenalty());
        if (s.maxTokens() != null) o.put("num_predict", s.maxTokens());
        if (s.seed() != null) o.put("seed", s.seed());
        if (!s.stop().isEmpty()) {
            ArrayNode stop = o.putArray("stop");
            s.stop().forEach(stop::add);
        }
        if (!o.isEmpty()) {
            b.set("options", o);
        }
        ArrayNode msgs = b.putArray("messages");
        for (Message m : r.messages()) {
            switch (m) {
                case Message.System(String text) -> msgs.addObject().put("role", "system").put("content", text);
                case Message.User(String text) -> msgs.addObject().put("role", "user").put("content", text);
                case Message.Assistant a -> {
                    ObjectNode n = msgs.addObject().put("role", "assistant").put("content", a.content());
                    if (!a.toolCalls().isEmpty()) {
                        ArrayNode calls = n.putArray("tool_calls");
                        for (ToolCall c : a.toolCalls()) {
                            ObjectNode fn = calls.addObject().putObject("function").put("name", c.name());
                            // Ollama wants the arguments as an object, not a string.
                            JsonNode args = WireJson.tryParse(c.arguments());
                            fn.set("arguments", args != null && args.isObject() ? args : WireJson.NODES.objectNode());
                        }
                    }
                }
                case Message.ToolResult t -> msgs.addObject().put("role", "tool").put("tool_name", t.toolName())
                        .put("content", t.content());
            }
        }
        return b;
    }

    /** Engines without tool_choice: "none" sends no tools, a named choice sends only that tool. */
    static List<ToolSpec> toolsToSend(ChatRequest r, Engine engine) {
        if (engine != Engine.OLLAMA) {
            return r.tools();
        }
        return switch (r.toolChoice()) {
            case ToolChoice.None n -> List.of();
            case ToolChoice.Named(String name) -> r.tools().stream().filter(t -> t.name().equals(name)).toList();
            default -> r.tools();
        };
    }

    static ObjectNode tool(ToolSpec t) {
        ObjectNode n = WireJson.NODES.objectNode().put("type", "function");
        ObjectNode fn = n.putObject("function");
        fn.put("name", t.name());
        fn.put("description", t.description());
        fn.set("parameters", WireJson.canonical(t.inputSchema()));
        if (t.strict()) {
            fn.put("strict", true);
        }
        return n;
    }

    private static void sampling(ObjectNode b, Sampling s, Engine engine) {
        boolean extended = engine == Engine.VLLM || engine == Engine.SGLANG || engine == Engine.LLAMA_CPP;
        if (s.temperature() != null) b.put("temperature", s.temperature());
        if (s.topP() != null) b.put("top_p", s.topP());
        if (s.topK() != null && extended) b.put("top_k", s.topK());
        if (s.repetitionPenalty() != null && extended) {
            b.put(engine == Engine.LLAMA_CPP ? "repeat_penalty" : "repetition_penalty", s.repetitionPenalty());
        }
        if (s.presencePenalty() != null) b.put("presence_penalty", s.presencePenalty());
        if (s.frequencyPenalty() != null) b.put("frequency_penalty", s.frequencyPenalty());
        if (s.maxTokens() != null) b.put("max_tokens", s.maxTokens());
        if (!s.stop().isEmpty()) {
            ArrayNode stop = b.putArray("stop");
            s.stop().forEach(stop::add);
        }
        if (s.seed() != null) b.put("seed", s.seed());
    }

    static ArrayNode openAiMessages(List<Message> messages) {
        ArrayNode msgs = WireJson.NODES.arrayNode();
        for (Message m : messages) {
            switch (m) {
                case Message.System(String text) -> msgs.addObject().put("role", "system").put("content", text);
                case Message.User(String text) -> msgs.addObject().put("role", "user").put("content", text);
                case Message.Assistant a -> {
                    ObjectNode n = msgs.addObject().put("role", "assistant").put("content", a.content());
                    if (!a.toolCalls().isEmpty()) {
                        ArrayNode calls = n.putArray("tool_calls");
                        for (ToolCall c : a.toolCalls()) {
                            ObjectNode call = calls.addObject().put("id", c.id()).put("type", "function");
                            call.putObject("function").put("name", c.name()).put("arguments", c.arguments());
                        }
                    }
                }
                case Message.ToolResult t -> msgs.addObject().put("role", "tool").put("tool_call_id", t.toolCallId())
                        .put("content", t.content());
            }
        }
        return msgs;
    }
}
