package dev.kairos.server.cli;

import dev.kairos.server.Application;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.concurrent.Callable;

/**
 * {@code kairos mcp}: MCP over stdio for IDE clients. stdout carries protocol messages only;
 * anything else that would print there is sent to stderr.
 */
@Command(name = "mcp", description = "Serve MCP over stdio (for VS Code, Cursor, Claude Desktop and other IDE clients).")
public final class McpCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        // The protocol gets the real stdout; every stray print from any library lands on stderr.
        FileOutputStream protocolOut = new FileOutputStream(FileDescriptor.out);
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        try (Application app = new Application(common.loadConfig(), common.applicationOptions())) {
            app.serveStdio(new FileInputStream(FileDescriptor.in), protocolOut);
        }
        return 0;
    }
}
