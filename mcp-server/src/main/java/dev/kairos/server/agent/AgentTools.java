package dev.kairos.server.agent;

import dev.kairos.agent.CatalogueTool;
import dev.kairos.agent.ToolCallResult;
import dev.kairos.agent.ToolCatalogue;
import dev.kairos.agent.ToolEvent;
import dev.kairos.agent.ToolExecutor;
import dev.kairos.agent.ToolOutcome;
import dev.kairos.inference.ToolCall;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The tools a terminal run offers. Until the MCP client connections are wired in, none: a call gets
 * an error result the model can read (workflow runs still have their built-in tools).
 */
public interface AgentTools extends ToolCatalogue, ToolExecutor {
    /** No tools at all. */
    static AgentTools none() {
        return new AgentTools() {
            @Override
            public List<CatalogueTool> tools() {
                return List.of();
            }

            @Override
            public Turn begin(Consumer<ToolEvent> events) {
                return new Turn() {
                    @Override
                    public void start(ToolCall call) {
                    }

                    @Override
                    public List<ToolCallResult> finish(List<ToolCall> calls) {
                        List<ToolCallResult> out = new ArrayList<>();
                        for (ToolCall c : calls) {
                            ToolCallResult r = new ToolCallResult(c, "unknown tool '" + c.name() + "': this run has no tools",
                                    null, ToolOutcome.UNKNOWN_TOOL, null, 0);
                            events.accept(new ToolEvent.Finished(r));
                            out.add(r);
                        }
                        return out;
                    }

                    @Override
                    public void cancel() {
                    }

                    @Override
                    public void close() {
                    }
                };
            }
        };
    }
}
