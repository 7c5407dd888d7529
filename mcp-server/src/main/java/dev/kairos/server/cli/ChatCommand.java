package dev.kairos.server.cli;

import dev.kairos.agent.Agent;
import dev.kairos.agent.Approver;
import dev.kairos.agent.Conversation;
import dev.kairos.agent.Run;
import dev.kairos.agent.RunRequest;
import dev.kairos.agent.RunResult;
import dev.kairos.agent.RunStore;
import dev.kairos.agent.WorkflowSource;
import dev.kairos.inference.InferenceSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code kairos chat}: the agent, interactively. Each line the user types is one agent run in the same
 * session, so the conversation (and a workflow's state) carries on from line to line; answers stream to
 * stdout, tool calls show live on stderr, and a call with consequences is confirmed by the next input line.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat with the agent on stdin/stdout: each line is one run in the same session, with the tools of "
                + "--mcp-config (or tools.mcp_config) and Kairos's memory tools; answers stream as they come, tool calls "
                + "show on stderr. A call that needs approval asks for y/N on the next input line (--yes approves all). "
                + "Type /exit (or end input) to leave, /reset to start the conversation over.")
public final class ChatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOption engine;

    @Option(names = "--model", paramLabel = "NAME", description = "Model name. Default: the configured one, else the first the engine lists.")
    String model;

    @Option(names = "--provider", paramLabel = "openai|ollama",
            description = "Wire protocol: OpenAI-compatible /v1 or Ollama's native /api/chat (default: the config's, else openai).")
    InferenceSettings.Provider provider;

    @Mixin
    ConfigOption config;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system prompt instead of the agent's own.")
    String system;

    @Option(names = "--mcp-config", paramLabel = "FILE",
            description = "MCP servers whose tools the agent may call (mcpServers / servers JSON). Default: tools.mcp_config in kairos.yaml.")
    Path mcpConfig;

    @Option(names = "--workflow", paramLabel = "FILE", description = "A workflow (FSM YAML) the conversation follows.")
    Path workflow;

    @Option(names = "--session", paramLabel = "NAME",
            description = "Continue this conversation, or start it under this name if there is none yet. Default: a new one.")
    String session;

    @Option(names = "--user", paramLabel = "NAME",
            description = "Whose memory the chat recalls and adds to (with agent.memory.enabled). Default: the local OS user.")
    String user;

    @Option(names = "--yes", description = "Approve every call that needs confirmation instead of asking.")
    boolean yes;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = System.err;
        WorkflowSource wf = RunCommand.workflow(spec, workflow, err);
        String who = AgentSetup.user(user, spec);
        AgentSetup setup;
        try {
            setup = AgentSetup.open(new AgentSetup.Options(config.file(), engine.url, model, null, provider, mcpConfig), spec, err);
        } catch (AgentSetup.Unavailable e) {
            err.println("kairos: " + e.getMessage());
            return RunCommand.UNAVAILABLE;
        }
        try (setup) {
            // The conversation and the confirmations share stdin: while a run waits for a decision, the
            // chat loop is not reading, so the next line is the answer.
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            Approver approver = yes ? Approver.APPROVE_ALL : Approver.terminal(in, err);
            Agent agent = setup.agent(approver);
            Conversation conv = setup.session(session, spec, err);
            if (setup.runs() != RunStore.NONE && session == null) {
                err.println("session " + conv.session() + " (continue it later with --session " + conv.session() + ")");
            }
            err.println("chatting with " + setup.main.model() + " at " + setup.main.url()
                    + (wf == null ? "" : " through " + wf.file()) + " (/exit to leave, /reset to start over)");
            RunCommand.Progress progress = new RunCommand.Progress(out, err, false);
            while (true) {
                err.print("> ");
                err.flush();
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) {
                    return 0;
                }
                if (line.strip().equals("/reset")) {
                    conv = Conversation.start(session != null ? session : UUID.randomUUID().toString());
                    err.println("the conversation starts over");
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                RunRequest request = RunRequest.of(line).withConversation(conv).withWorkflow(wf).withLimits(setup.limits)
                        .withSystem(system).withModel(setup.main.model()).withUser(who);
                Run run = agent.start(request, progress);
                RunResult result = RunCommand.awaitRun(run, setup.limits, err);
                if (result == null) {
                    continue; // the run did not stop after its deadline: the conversation stays where it was
                }
                progress.finish(result);
                conv = result.conversation();
            }
        }
    }
}
