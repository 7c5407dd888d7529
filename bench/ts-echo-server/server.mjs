// The TypeScript SDK reference server for the MCP round-trip benchmark (bench/mcp-roundtrip.sh).
// Stateful Streamable HTTP on plain node:http, one `echo` tool, as the SDK's own examples do it.
// Usage: node server.mjs [port] [--json]   (0 = any free port); prints "listening on http://127.0.0.1:N/mcp"
// on stderr. --json answers each POSTed request with one JSON body (the SDK's enableJsonResponse) instead of SSE.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const enableJsonResponse = process.argv.includes('--json');
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`bad port: ${process.argv[2]}`);
  process.exit(2);
}

/** One McpServer per session, as the SDK's stateful example does. */
function newServer() {
  const server = new McpServer({ name: 'ts-echo-server', version: '1.0.0' });
  server.registerTool('echo', {
    description: 'Echoes the message back',
    inputSchema: { message: z.string() },
  }, async ({ message }) => ({ content: [{ type: 'text', text: message }] }));
  return server;
}

const sessions = new Map();

async function handle(req, res) {
  if (!req.url.startsWith('/mcp')) {
    res.writeHead(404).end();
    return;
  }
  const sid = req.headers['mcp-session-id'];
  let transport = sid ? sessions.get(sid) : undefined;
  if (sid && !transport) {
    res.writeHead(404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
    return;
  }
  if (!transport) {
    // No session yet: only an initialize request may open one; the transport rejects anything else.
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse,
      onsessioninitialized: (id) => sessions.set(id, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await newServer().connect(transport);
  }
  await transport.handleRequest(req, res);
}

const httpServer = http.createServer((req, res) => {
  handle(req, res).catch((e) => {
    console.error('request failed:', e);
    if (!res.headersSent) res.writeHead(500).end();
  });
});
httpServer.keepAliveTimeout = 60_000;
httpServer.listen(port, '127.0.0.1', () => {
  console.error(`listening on http://127.0.0.1:${httpServer.address().port}/mcp`);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    httpServer.close();
    for (const t of sessions.values()) t.close().catch(() => {});
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
