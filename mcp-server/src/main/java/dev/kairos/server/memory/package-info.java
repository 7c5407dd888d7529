/**
 * The memory graph over MCP: {@link dev.kairos.server.memory.MemoryTools} registers one
 * {@link dev.kairos.server.memory.Toolset} (Kairos's own tools, or a drop-in copy of
 * {@code @modelcontextprotocol/server-memory} or of Graphiti's MCP server) with the resource templates
 * {@code memory://entity/{uuid}} and {@code memory://episode/{uuid}}; {@link dev.kairos.server.memory.MemoryArchive}
 * imports and exports JSON Lines.
 *
 * <p>The tool contracts are data: {@code <toolset>-tools.json} beside these classes. Every handler applies the
 * tenancy rule of the calling {@link dev.kairos.transports.Caller}: a named group it may not touch is refused,
 * naming the group; no group means its default group; records of other groups read as unknown.
 */
package dev.kairos.server.memory;
