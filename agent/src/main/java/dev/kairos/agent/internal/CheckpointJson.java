package dev.kairos.agent.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.agent.Approval;
import dev.kairos.agent.Checkpoint;
import dev.kairos.agent.Conversation;
import dev.kairos.agent.Limits;
import dev.kairos.agent.RunRequest;
import dev.kairos.agent.StateVisit;
import dev.kairos.agent.Termination;
import dev.kairos.agent.ToolCallResult;
import dev.kairos.agent.ToolOutcome;
import dev.kairos.agent.WorkflowSource;
import dev.kairos.inference.Message;
import dev.kairos.inference.ToolCall;
import dev.kairos.inference.Usage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Checkpoints as JSON, field by field (version 1), so stored runs do not depend on class layouts. */
public final class CheckpointJson {
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointJson() {
    }

    public static String write(Checkpoint c) {
        ObjectNode o = JSON.createObjectNode().put("version", VERSION).put("run_id", c.runId()).put("step", c.step());
        o.set("request", request(c.request()));
        o.set("messages", messages(c.messages()));
        o.put("workflow_snapshot", c.workflowSnapshot());
        o.putObject("usage").put("prompt", c.usage().promptTokens()).put("completion", c.usage().completionTokens());
        ObjectNode per = o.putObject("calls_per_tool");
        c.callsPerTool().forEach(per::put);
        ObjectNode rep = o.putObject("repeats");
        c.repeats().forEach(rep::put);
        ArrayNode inFlight = o.putArray("in_flight");
        c.inFlight().forEach(x -> inFlight.add(call(x)));
        ArrayNode calls = o.putArray("calls");
        c.calls().forEach(r -> calls.add(result(r)));
        ArrayNode states = o.putArray("states");
        c.states().forEach(s -> states.addObject().put("step", s.step()).put("path", s.path()).put("reason", s.reason()));
        ArrayNode approvals = o.putArray("approvals");
        c.approvals().forEach(a -> approvals.addObject().set("call", call(a.call())));
        for (int i = 0; i < c.approvals().size(); i++) {
            Approval a = c.approvals().get(i);
            ((ObjectNode) approvals.get(i)).put("tool", a.tool()).put("approved", a.approved()).put("by", a.by()).put("reason", a.reason());
        }
        o.put("termination", c.termination() == null ? null : c.termination().name());
        o.put("answer", c.answer());
        o.put("detail", c.detail());
        o.put("updated_at", c.updatedAt().toString());
        if (c.summary() != null) {
            o.set("summary", summary(c.summary()));
        }
        return o.toString();
    }

    public static Checkpoint read(String text) {
        JsonNode o;
        try {
            o = JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("stored checkpoint is not JSON", e);
        }
        int version = o.path("version").asInt();
        if (version != VERSION) {
            throw new IllegalStateException("stored checkpoint has version " + version + "; this Kairos reads version " + VERSION);
        }
        Map<String, Integer> per = new LinkedHashMap<>();
        o.path("calls_per_tool").properties().forEach(e -> per.put(e.getKey(), e.getValue().asInt()));
        Map<String, Integer> rep = new LinkedHashMap<>();
        o.path("repeats").properties().forEach(e -> rep.put(e.getKey(), e.getValue().asInt()));
        List<ToolCall> inFlight = new ArrayList<>();
        o.path("in_flight").forEach(x -> inFlight.add(call(x)));
        List<ToolCallResult> calls = new ArrayList<>();
        o.path("calls").forEach(x -> calls.add(result(x)));
        List<StateVisit> states = new ArrayList<>();
        o.path("states").forEach(x -> states.add(new StateVisit(x.path("step").asInt(), x.path("path").asText(), x.path("reason").asText())));
        List<Approval> approvals = new ArrayList<>();
        o.path("approvals").forEach(x -> approvals.add(new Approval(call(x.path("call")), x.path("tool").asText(),
                x.path("approved").asBoolean(), x.path("by").asText(), x.path("reason").asText())));
        String t = text(o, "termination");
        return new Checkpoint(o.path("run_id").asText(), request(o.path("request")), o.path("step").asInt(),
                messages(o.path("messages")), text(o, "workflow_snapshot"),
                new Usage(o.path("usage").path("prompt").asInt(), o.path("usage").path("completion").asInt()),
                per, rep, inFlight, calls, states, approvals, t == null ? null : Termination.valueOf(t),
                text(o, "answer"), text(o, "detail"), Instant.parse(o.path("updated_at").asText()), summary(o.path("summary")));
    }

    private static ObjectNode summary(Conversation.Summary s) {
        return JSON.createObjectNode().put("text", s.text()).put("covers", s.covers());
    }

    private static Conversation.Summary summary(JsonNode n) {
        return n.isObject() ? new Conversation.Summary(n.path("text").asText(), n.path("covers").asInt()) : null;
    }

    private static String text(JsonNode o, String field) {
        JsonNode n = o.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static ObjectNode request(RunRequest r) {
        ObjectNode o = JSON.createObjectNode().put("run_id", r.runId()).put("task", r.task()).put("system", r.system())
                .put("model", r.model()).put("user_profile", r.userProfile()).put("require_tool", r.requireTool())
                .put("user", r.user());
        if (r.workflow() != null) {
            o.putObject("workflow").put("file", r.workflow().file()).put("text", r.workflow().text());
        }
        Conversation c = r.conversation();
        ObjectNode conv = o.putObject("conversation").put("session", c.session()).put("workflow_snapshot", c.workflowSnapshot());
        conv.set("messages", messages(c.messages()));
        if (c.summary() != null) {
            conv.set("summary", summary(c.summary()));
        }
        Limits l = r.limits();
        o.putObject("limits").put("max_steps", l.maxSteps()).put("max_calls_per_turn", l.maxCallsPerTurn())
                .put("max_calls_per_tool", l.maxCallsPerTool()).put("max_repeats", l.maxRepeats())
                .put("token_budget", l.tokenBudget()).put("deadline_ms", l.deadline().toMillis());
        return o;
    }

    private static RunRequest request(JsonNode o) {
        JsonNode w = o.path("workflow");
        WorkflowSource wf = w.isObject() ? new WorkflowSource(w.path("file").asText(), w.path("text").asText()) : null;
        JsonNode c = o.path("conversation");
        Conversation conv = new Conversation(c.path("session").asText(), messages(c.path("messages")), text(c, "workflow_snapshot"),
                summary(c.path("summary")));
        JsonNode l = o.path("limits");
        Limits limits = new Limits(l.path("max_steps").asInt(), l.path("max_calls_per_turn").asInt(), l.path("max_calls_per_tool").asInt(),
                l.path("max_repeats").asInt(), l.path("token_budget").asLong(), Duration.ofMillis(l.path("deadline_ms").asLong()));
        return new RunRequest(text(o, "run_id"), o.path("task").asText(), text(o, "system"), wf, conv, limits,
                text(o, "model"), text(o, "user_profile"), o.path("require_tool").asBoolean(), text(o, "user"));
    }

    static ArrayNode messages(List<Message> messages) {
        ArrayNode a = JSON.createArrayNode();
        for (Message m : messages) {
            ObjectNode o = a.addObject();
            switch (m) {
                case Message.System s -> o.put("role", "system").put("text", s.text());
                case Message.User u -> o.put("role", "user").put("text", u.text());
                case Message.Assistant as -> {
                    o.put("role", "assistant").put("text", as.content()).put("reasoning", as.reasoning());
                    ArrayNode calls = o.putArray("tool_calls");
                    as.toolCalls().forEach(c -> calls.add(call(c)));
                }
                case Message.ToolResult r -> o.put("role", "tool").put("tool_call_id", r.toolCallId()).put("tool", r.toolName())
                        .put("text", r.content()).put("is_error", r.isError());
            }
        }
        return a;
    }

    static List<Message> messages(JsonNode a) {
        List<Message> out = new ArrayList<>();
        for (JsonNode o : a) {
            out.add(switch (o.path("role").asText()) {
                case "system" -> new Message.System(o.path("text").asText());
                case "user" -> new Message.User(o.path("text").asText());
                case "assistant" -> {
                    List<ToolCall> calls = new ArrayList<>();
                    o.path("tool_calls").forEach(c -> calls.add(call(c)));
                    yield new Message.Assistant(o.path("text").asText(), calls, text(o, "reasoning"));
                }
                case "tool" -> new Message.ToolResult(text(o, "tool_call_id"), o.path("tool").asText(), o.path("text").asText(),
                        o.path("is_error").asBoolean());
                default -> throw new IllegalStateException("stored message with unknown role '" + o.path("role").asText() + "'");
            });
        }
        return out;
    }

    private static ObjectNode call(ToolCall c) {
        return JSON.createObjectNode().put("id", c.id()).put("name", c.name()).put("arguments", c.arguments());
    }

    private static ToolCall call(JsonNode o) {
        return new ToolCall(o.path("id").asText(), o.path("name").asText(), o.path("arguments").asText());
    }

    /** One tool call as the run reports it (also the shape of --json and agent_run's structured content). */
    public static ObjectNode result(ToolCallResult r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", r.call().id()).put("name", r.call().name()).put("arguments", r.call().arguments())
                .put("outcome", r.outcome().name()).put("duration_ms", r.duration().toMillis()).put("attempts", r.attempts())
                .put("text", r.text());
        if (r.structured() != null) {
            o.set("structured", r.structured());
        }
        return o;
    }

    /** A finished run as one JSON object. */
    public static ObjectNode report(dev.kairos.agent.RunResult r) {
        ObjectNode o = JSON.createObjectNode().put("run_id", r.runId()).put("session", r.session()).put("answer", r.answer())
                .put("termination", r.termination().name().toLowerCase(java.util.Locale.ROOT)).put("detail", r.detail())
                .put("steps", r.steps());
        ArrayNode calls = o.putArray("tool_calls");
        r.calls().forEach(c -> calls.add(result(c)));
        ArrayNode states = o.putArray("states");
        r.states().forEach(s -> states.addObject().put("step", s.step()).put("state", s.path()).put("reason", s.reason()));
        ArrayNode approvals = o.putArray("approvals");
        r.approvals().forEach(a -> approvals.addObject().put("call_id", a.call().id()).put("tool", a.tool())
                .put("approved", a.approved()).put("by", a.by()).put("reason", a.reason()));
        o.putObject("usage").put("prompt_tokens", r.usage().promptTokens()).put("completion_tokens", r.usage().completionTokens())
                .put("total_tokens", r.usage().totalTokens());
        return o;
    }

    private static ToolCallResult result(JsonNode o) {
        return new ToolCallResult(call(o), o.path("text").asText(), o.get("structured"), ToolOutcome.valueOf(o.path("outcome").asText()),
                Duration.ofMillis(o.path("duration_ms").asLong()), o.path("attempts").asInt());
    }
}
