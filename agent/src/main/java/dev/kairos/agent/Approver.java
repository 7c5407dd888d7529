package dev.kairos.agent;

import dev.kairos.inference.ToolCall;

/**
 * Decides whether a call with consequences may run: a person on the terminal, the MCP client
 * through elicitation, or a fixed policy. Called from its own virtual thread; may block (bounded by
 * the implementation), and an interrupt means the run was cancelled.
 */
@FunctionalInterface
public interface Approver {
    /** What is asked: the call, the tool as the catalogue knows it, and why it needs approval. */
    record Request(String runId, ToolCall call, CatalogueTool tool, String why) {
    }

    Approval decide(Request request) throws InterruptedException;

    /** Refuses everything (no one to ask). */
    Approver REFUSE = r -> new Approval(r.call(), r.tool().modelName(), false, "policy",
            "no one could be asked to approve it (non-interactive run without --yes)");

    /** Approves everything (--yes). */
    Approver APPROVE_ALL = r -> new Approval(r.call(), r.tool().modelName(), true, "policy", "approved by --yes");

    /**
     * Asks a person on a terminal, one question at a time ({@code y}/{@code yes} approves, anything
     * else refuses); the question goes to {@code out} (stderr: stdout carries the answer).
     */
    static Approver terminal(java.io.BufferedReader in, java.io.PrintStream out) {
        Object lock = new Object();
        return r -> {
            synchronized (lock) {
                out.printf("%nApprove %s %s? %s [y/N] ", r.tool().modelName(), r.call().arguments(), r.why());
                out.flush();
                String line;
                try {
                    line = in.readLine();
                } catch (java.io.IOException e) {
                    return new Approval(r.call(), r.tool().modelName(), false, "terminal", "could not read the answer: " + e.getMessage());
                }
                boolean yes = line != null && (line.strip().equalsIgnoreCase("y") || line.strip().equalsIgnoreCase("yes"));
                return new Approval(r.call(), r.tool().modelName(), yes, "terminal", yes ? "approved on the terminal" : "refused on the terminal");
            }
        };
    }
}
