package dev.kairos.agent;

import dev.kairos.inference.ToolCall;

/** Decides whether a call to a tool listed under {@code confirm} may run (a person, or a policy). */
@FunctionalInterface
public interface ToolApproval {
    /** Refuses every call that needs approval: the safe default where no one can be asked. */
    ToolApproval REFUSE = (tool, call) -> false;
    /** Allows every call, for a person who named the call themselves (as {@code kairos tools call}). */
    ToolApproval ALLOW = (tool, call) -> true;

    /** Whether {@code call} of {@code tool} may run; may block while a person decides. */
    boolean approve(CatalogueTool tool, ToolCall call) throws InterruptedException;
}
