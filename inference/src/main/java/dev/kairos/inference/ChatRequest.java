package dev.kairos.inference;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One request to a chat model: the conversation, the tools it may call and how to sample.
 *
 * <p>{@code model} may be null: the endpoint's configured model is used. Tools keep the order
 * given, so the rendered prompt is byte-identical from turn to turn (prefix caches hit).
 */
public record ChatRequest(String model, List<Message> messages, List<ToolSpec> tools, ToolChoice toolChoice,
                          boolean parallelToolCalls, ResponseFormat responseFormat, Sampling sampling) {
    public ChatRequest {
        messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("messages: at least one message is required");
        }
        tools = tools == null ? List.of() : List.copyOf(tools);
        toolChoice = toolChoice == null ? ToolChoice.AUTO : toolChoice;
        responseFormat = responseFormat == null ? ResponseFormat.TEXT : responseFormat;
        sampling = sampling == null ? Sampling.DEFAULTS : sampling;
        Set<String> names = new HashSet<>();
        for (ToolSpec t : tools) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("tools: duplicate tool name '" + t.name() + "'");
            }
        }
        if (toolChoice instanceof ToolChoice.Named(String name) && !names.contains(name)) {
            throw new IllegalArgumentException("tool_choice: names '" + name + "', which is not among the tools " + names);
        }
        if (toolChoice instanceof ToolChoice.Required && tools.isEmpty()) {
            throw new IllegalArgumentException("tool_choice: 'required' needs at least one tool");
        }
    }

    public static ChatRequest of(List<Message> messages) {
        return new ChatRequest(null, messages, List.of(), ToolChoice.AUTO, true, ResponseFormat.TEXT, Sampling.DEFAULTS);
    }

    public static ChatRequest of(Message... messages) {
        return of(List.of(messages));
    }

    public ChatRequest withModel(String m) {
        return new ChatRequest(m, messages, tools, toolChoice, parallelToolCalls, responseFormat, sampling);
    }

    public ChatRequest withMessages(List<Message> m) {
        return new ChatRequest(model, m, tools, toolChoice, parallelToolCalls, responseFormat, sampling);
    }

    /** This request with one more message at the end. */
    public ChatRequest append(Message... more) {
        List<Message> all = new ArrayList<>(messages);
        all.addAll(List.of(more));
        return withMessages(all);
    }

    public ChatRequest withTools(List<ToolSpec> t) {
        return new ChatRequest(model, messages, t, toolChoice, parallelToolCalls, responseFormat, sampling);
    }

    public ChatRequest withToolChoice(ToolChoice c) {
        return new ChatRequest(model, messages, tools, c, parallelToolCalls, responseFormat, sampling);
    }

    public ChatRequest withParallelToolCalls(boolean p) {
        return new ChatRequest(model, messages, tools, toolChoice, p, responseFormat, sampling);
    }

    public ChatRequest withResponseFormat(ResponseFormat f) {
        return new ChatRequest(model, messages, tools, toolChoice, parallelToolCalls, f, sampling);
    }

    public ChatRequest withSampling(Sampling s) {
        return new ChatRequest(model, messages, tools, toolChoice, parallelToolCalls, responseFormat, s);
    }
}
