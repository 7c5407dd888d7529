/**
 * The agent: tools from MCP servers and in-process providers in one {@link dev.kairos.agent.ToolCatalogue},
 * run in parallel by a {@link dev.kairos.agent.ToolExecutor}, and the ReAct / workflow-driven runs on top.
 */
package dev.kairos.agent;
