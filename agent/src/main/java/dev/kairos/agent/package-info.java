/**
 * The agent: tools from MCP servers and in-process providers in one {@link dev.kairos.agent.ToolCatalogue},
 * run in parallel by a {@link dev.kairos.agent.ToolExecutor}, and the ReAct / workflow-driven runs on top.
 *
 * <pre>{@code
 * try (DownstreamServers servers = DownstreamServers.connect(McpServersConfig.load(Path.of("mcp.json")),
 *         ClientOptions.defaults("0.1.0"))) {
 *     LiveCatalogue tools = servers.catalogue(List.of(), Duration.ofSeconds(30));
 *     Agent agent = new Agent(engine, tools, new ParallelToolExecutor(tools), Approver.REFUSE); // engine: a ChatClient
 *     RunResult result = agent.run(RunRequest.of("What changed in the repo today?"), event -> { });
 *     System.out.println(result.answer());
 * }
 * }</pre>
 *
 * <p>This package is the module's whole API; {@code dev.kairos.agent.internal} is not for other modules (the
 * module rules in docs/development.md are checked by a test).
 */
package dev.kairos.agent;
