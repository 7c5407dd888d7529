package dev.kairos.inference.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes engine simulator scripts for agent runs: one scripted answer per model turn, streamed in
 * vLLM's wire format, then a 400 "script exhausted" so a request past the end is seen, not replayed.
 */
public final class SimScript {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<JsonNode> answers = new ArrayList<>();
    private int n;

    /** A turn with tool calls: name, arguments JSON, name, arguments JSON, ... */
    public SimScript calls(String... nameArgs) {
        answers.add(JSON.createObjectNode().set("sse", callsSse(nameArgs)));
        return this;
    }

    /**
     * A turn with tool calls whose stream stops at gate {@code gate} once the first {@code complete}
     * calls are complete (the next one has begun), until the test opens it ({@code sim.gate(name)}) or
     * {@code boundMs} pass: what the client does with complete calls while the model is still talking
     * can be checked.
     */
    public SimScript callsHeld(String gate, long boundMs, int complete, String... nameArgs) {
        ArrayNode sse = callsSse(nameArgs);
        sse.insert(2 + complete, JSON.createObjectNode().put("$gate", gate).put("timeoutMs", boundMs));
        answers.add(JSON.createObjectNode().set("sse", sse));
        return this;
    }

    /** As {@link #callsHeld}, then the connection is reset right after the gate: a turn that fails mid-stream. */
    public SimScript callsCut(String gate, long boundMs, int complete, String... nameArgs) {
        ArrayNode sse = callsSse(nameArgs);
        sse.insert(2 + complete, JSON.createObjectNode().put("$gate", gate).put("timeoutMs", boundMs));
        ObjectNode r = JSON.createObjectNode();
        r.set("sse", sse);
        r.put("cutAfter", 2 + complete);
        answers.add(r);
        return this;
    }

    private ArrayNode callsSse(String... nameArgs) {
        ArrayNode sse = JSON.createArrayNode();
        sse.add(chunk(JSON.createObjectNode().put("role", "assistant").put("content", ""), null));
        for (int i = 0; i < nameArgs.length; i += 2) {
            ObjectNode delta = JSON.createObjectNode();
            ObjectNode tc = delta.putArray("tool_calls").addObject();
            tc.put("index", i / 2).put("id", "chatcmpl-tool-" + (++n)).put("type", "function");
            tc.putObject("function").put("name", nameArgs[i]).put("arguments", nameArgs[i + 1]);
            sse.add(chunk(delta, null));
        }
        sse.add(chunk(JSON.createObjectNode(), "tool_calls"));
        sse.add(usage(100, 20));
        sse.add("[DONE]");
        return sse;
    }

    /** A turn that answers with text (also the text protocols' raw output, and constrained JSON). */
    public SimScript text(String text) {
        ArrayNode sse = JSON.createArrayNode();
        sse.add(chunk(JSON.createObjectNode().put("role", "assistant").put("content", ""), null));
        int half = text.length() / 2;
        sse.add(chunk(JSON.createObjectNode().put("content", text.substring(0, half)), null));
        sse.add(chunk(JSON.createObjectNode().put("content", text.substring(half)), null));
        sse.add(chunk(JSON.createObjectNode(), "stop"));
        sse.add(usage(100, 10));
        sse.add("[DONE]");
        answers.add(JSON.createObjectNode().set("sse", sse));
        return this;
    }

    /** Any scripted response as the simulator plays it (faults, delays). */
    public SimScript raw(String responseJson) {
        try {
            answers.add(JSON.readTree(responseJson));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
        return this;
    }

    public ObjectNode routes() {
        ObjectNode routes = JSON.createObjectNode();
        ArrayNode list = routes.putArray("POST /v1/chat/completions");
        answers.forEach(list::add);
        // Past the script's end the engine says so, instead of replaying the last answer.
        list.addObject().put("status", 400).putObject("json").putObject("error").put("message", "simulator script exhausted");
        return routes;
    }

    public EngineSimulator start() {
        return EngineSimulator.start(routes(), 0);
    }

    /** Starts it on a given port (e.g. the port a stopped simulator had). */
    public EngineSimulator start(int port) {
        return EngineSimulator.start(routes(), port);
    }

    private static ObjectNode chunk(ObjectNode delta, String finish) {
        ObjectNode c = JSON.createObjectNode().put("id", "chatcmpl-a").put("object", "chat.completion.chunk")
                .put("created", 1767225600).put("model", "m");
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        return c;
    }

    private static ObjectNode usage(int prompt, int completion) {
        ObjectNode c = JSON.createObjectNode().put("id", "chatcmpl-a").put("object", "chat.completion.chunk")
                .put("created", 1767225600).put("model", "m");
        c.putArray("choices");
        c.putObject("usage").put("prompt_tokens", prompt).put("completion_tokens", completion).put("total_tokens", prompt + completion);
        return c;
    }
}
