package dev.kairos.inference.internal;

import dev.kairos.inference.ChatResponse;
import dev.kairos.inference.FinishReason;
import dev.kairos.inference.StreamEvent;
import dev.kairos.inference.StreamListener;
import dev.kairos.inference.Timings;
import dev.kairos.inference.ToolCall;
import dev.kairos.inference.Usage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Collects one answer from its pieces and reports them to the listener as typed events. */
final class AnswerBuilder {
    private final StreamListener listener;
    private final boolean parallelToolCalls;
    private final long startNanos = System.nanoTime();
    private final StringBuilder content = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final ThinkSplitter think;
    private final ToolCallAccumulator toolCalls;
    private final List<ToolCall> reported = new ArrayList<>();
    private CallGuard guard;
    private long firstTokenNanos = -1;
    private int deltas;
    private Usage usage;
    private FinishReason finish;
    private boolean delivered;
    /** The answer is being put together at its end: calls completed now come with it. */
    private boolean building;

    AnswerBuilder(StreamListener listener, boolean parallelToolCalls) {
        this.listener = listener;
        this.parallelToolCalls = parallelToolCalls;
        this.think = new ThinkSplitter((isReasoning, text) -> {
            if (isReasoning) {
                reasoning(text);
            } else {
                content.append(text);
                emit(new StreamEvent.ContentDelta(text));
            }
        });
        this.toolCalls = new ToolCallAccumulator(this::toolCallCompleted);
    }

    void guardedBy(CallGuard g) {
        this.guard = g;
    }

    boolean delivered() {
        return delivered;
    }

    ToolCallAccumulator toolCalls() {
        return toolCalls;
    }

    private void token() {
        deltas++;
        if (firstTokenNanos < 0) {
            firstTokenNanos = System.nanoTime();
            if (guard != null) {
                guard.firstToken();
            }
        }
    }

    void content(String text) {
        if (text == null || text.isEmpty()) {
            return;
        }
        token();
        think.accept(text);
    }

    void reasoning(String text) {
        if (text == null || text.isEmpty()) {
            return;
        }
        token();
        reasoning.append(text);
        emit(new StreamEvent.ReasoningDelta(text));
    }

    /** A tool-call delta arrived (counts as a token for the first-token limit). */
    void toolCallDelta() {
        token();
    }

    void usage(Usage u) {
        if (u != null && u.totalTokens() > 0) {
            usage = u;
        }
    }

    void finish(FinishReason reason) {
        if (reason != null) {
            finish = reason;
        }
    }

    boolean finished() {
        return finish != null;
    }

    private void toolCallCompleted(ToolCall call) {
        // parallel_tool_calls=false: keep only the first call, as vLLM's own post-filter does.
        if (!parallelToolCalls && !reported.isEmpty()) {
            return;
        }
        reported.add(call);
        emit(new StreamEvent.ToolCallCompleted(call, building));
    }

    private void emit(StreamEvent e) {
        delivered = true;
        listener.on(e);
    }

    ChatResponse build() {
        building = true;
        think.finish();
        List<ToolCall> all = toolCalls.finish();
        List<ToolCall> calls = parallelToolCalls || all.isEmpty() ? all : List.of(all.get(0));
        long end = System.nanoTime();
        Usage u = usage == null ? new Usage(0, deltas) : usage;
        Duration ttft = Duration.ofNanos((firstTokenNanos < 0 ? end : firstTokenNanos) - startNanos);
        Timings timings = new Timings(ttft, Duration.ofNanos(end - startNanos), u.completionTokens());
        FinishReason reason = finish != null ? finish : (calls.isEmpty() ? FinishReason.STOP : FinishReason.TOOL_CALLS);
        if (reason == FinishReason.STOP && !calls.isEmpty()) {
            reason = FinishReason.TOOL_CALLS; // llama.cpp and Ollama say "stop" after tool calls
        }
        String text = content.toString();
        ChatResponse r = new ChatResponse(reasoning.isEmpty() ? text : text.stripLeading(),
                reasoning.isEmpty() ? null : reasoning.toString().strip(), calls, reason, usage == null ? Usage.NONE : usage, timings);
        if (usage != null) {
            emit(new StreamEvent.UsageReport(usage));
        }
        emit(new StreamEvent.End(r));
        return r;
    }
}
