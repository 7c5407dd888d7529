package dev.kairos.inference;

import dev.kairos.inference.InferenceSettings.ToolProtocol;
import dev.kairos.inference.internal.TextProtocol;
import dev.kairos.inference.internal.ThinkSplitter;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Tool calling for models or servers without native tool calls: the tools are described in the
 * system prompt, and the calls are parsed from the text the model writes, in one of four formats
 * (Hermes/Qwen {@code <tool_call>}, Llama 3.1 JSON (and Llama 3.2's pythonic list), ReAct, the JSON
 * action object). Each format is one {@code internal.TextProtocol}; these methods pick it by
 * {@link ToolProtocol}.
 */
public final class TextToolCalls {

    private TextToolCalls() {
    }

    /** What a model wrote, split into answer text, reasoning, tool calls and a question for the user. */
    public record Parsed(String content, String reasoning, List<ToolCall> toolCalls, String question) {
        public Parsed {
            content = content == null ? "" : content;
            toolCalls = List.copyOf(toolCalls);
        }
    }

    /** Parses model output in the given format; text that is no call stays content. */
    public static Parsed parse(ToolProtocol protocol, String text) {
        String[] split = ThinkSplitter.split(text == null ? "" : text);
        String reasoning = split[0];
        String body = split[1];
        return TextProtocol.of(protocol).map(p -> p.parse(body, reasoning))
                .orElseGet(() -> new Parsed(body, reasoning, List.of(), null));
    }

    /** The system-prompt text that teaches the model the format and lists the tools (rendered stably). */
    public static String instructions(ToolProtocol protocol, List<ToolSpec> tools) {
        return TextProtocol.of(protocol).map(p -> p.instructions(tools)).orElse("");
    }

    /**
     * The constrained-decoding format that makes the output always parse, where the format allows
     * one: the JSON action object as a JSON schema (one branch per tool); Hermes and Llama 3.1 JSON as
     * a GBNF grammar (any number of calls, each naming one of the tools, arguments shaped by its schema
     * where the schema is closed and simple).
     */
    public static Optional<ResponseFormat> constraint(ToolProtocol protocol, List<ToolSpec> tools) {
        return TextProtocol.of(protocol).flatMap(p -> p.constraint(tools, 0, -1));
    }

    /**
     * The constraint for a request: its tool choice ({@code required}: at least one call; a named tool:
     * only that tool; {@code none}: no constraint) and {@code parallel_tool_calls} (false: at most one).
     */
    public static Optional<ResponseFormat> constraint(ToolProtocol protocol, ChatRequest request) {
        return TextProtocol.of(protocol).flatMap(p -> p.constraint(request));
    }

    /** Renders the conversation for a text protocol: tools in the system prompt, calls and results as text. */
    public static ChatRequest render(ToolProtocol protocol, ChatRequest request, boolean constrain) {
        Optional<TextProtocol> textProtocol = TextProtocol.of(protocol);
        if (textProtocol.isEmpty() || request.tools().isEmpty()) {
            return request;
        }
        TextProtocol p = textProtocol.get();
        String instructions = p.instructions(request.tools());
        List<Message> out = new ArrayList<>();
        boolean systemSeen = false;
        StringBuilder pendingResults = new StringBuilder();
        for (Message m : request.messages()) {
            if (!(m instanceof Message.ToolResult) && !pendingResults.isEmpty()) {
                out.add(new Message.User(pendingResults.toString().strip()));
                pendingResults.setLength(0);
            }
            if (m instanceof Message.System(String text) && !systemSeen) {
                systemSeen = true;
                out.add(new Message.System(text + "\n\n" + instructions));
                continue;
            }
            switch (m) {
                case Message.Assistant a when !a.toolCalls().isEmpty() ->
                        out.add(new Message.Assistant(join(a.content(), p.renderCalls(a.toolCalls()))));
                case Message.ToolResult r -> pendingResults.append(p.renderResult(r)).append('\n');
                default -> out.add(m);
            }
        }
        if (!pendingResults.isEmpty()) {
            out.add(new Message.User(pendingResults.toString().strip()));
        }
        if (!systemSeen) {
            out.addFirst(new Message.System(instructions));
        }
        ChatRequest r = request.withMessages(out).withTools(List.of()).withToolChoice(ToolChoice.AUTO);
        if (constrain && request.responseFormat() instanceof ResponseFormat.Text) {
            r = p.constraint(request).map(r::withResponseFormat).orElse(r);
        }
        return r;
    }

    /** A client that speaks the text protocol to the inner one and reports parsed tool calls as native ones. */
    public static ChatClient over(ChatClient inner, ToolProtocol protocol, boolean constrain) {
        if (protocol == ToolProtocol.NATIVE) {
            return inner;
        }
        return new ChatClient() {
            @Override
            public ChatResponse chat(ChatRequest request) {
                return toNative(inner.chat(render(protocol, request, constrain)), request);
            }

            @Override
            public ChatResponse stream(ChatRequest request, StreamListener listener) {
                // Content is held back until the end: until then we cannot tell answer text from a call.
                ChatResponse raw = inner.stream(render(protocol, request, constrain), e -> {
                    if (e instanceof StreamEvent.ReasoningDelta) {
                        listener.on(e);
                    }
                });
                ChatResponse r = toNative(raw, request);
                if (!r.content().isEmpty()) {
                    listener.on(new StreamEvent.ContentDelta(r.content()));
                }
                r.toolCalls().forEach(c -> listener.on(new StreamEvent.ToolCallCompleted(c, true)));
                if (r.usage().totalTokens() > 0) {
                    listener.on(new StreamEvent.UsageReport(r.usage()));
                }
                listener.on(new StreamEvent.End(r));
                return r;
            }

            private ChatResponse toNative(ChatResponse raw, ChatRequest request) {
                if (request.tools().isEmpty()) {
                    return raw;
                }
                Parsed p = parse(protocol, raw.content());
                List<ToolCall> calls = request.parallelToolCalls() || p.toolCalls().isEmpty()
                        ? p.toolCalls() : p.toolCalls().subList(0, 1);
                String content = p.question() != null ? join(p.content(), p.question()) : p.content();
                FinishReason reason = calls.isEmpty() ? raw.finishReason() : FinishReason.TOOL_CALLS;
                return new ChatResponse(content, join(raw.reasoning(), p.reasoning()), calls, reason, raw.usage(), raw.timings());
            }
        };
    }

    private static String join(String a, String b) {
        if (a == null || a.isBlank()) {
            return b;
        }
        if (b == null || b.isBlank()) {
            return a;
        }
        return a.strip() + "\n" + b.strip();
    }
}
