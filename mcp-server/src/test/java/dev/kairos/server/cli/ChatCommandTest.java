package dev.kairos.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kairos chat --config}: the endpoint's supervised engine (the simulator as its own JVM) is started, used and stopped. */
class ChatCommandTest {
    @TempDir
    Path dir;

    @Test
    void chatStartsTheSupervisedEngineAnswersAndStopsIt() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // llama.cpp's probe routes, and a streamed answer with a <think> block for the chat.
        List<String> command = List.of(java, "-cp", System.getProperty("java.class.path"),
                "dev.kairos.inference.sim.EngineSimulator", "--port", Integer.toString(port),
                "sim/llamacpp.json", "sim/constrained.json");
        Map<String, Object> endpoint = Map.of("url", "http://127.0.0.1:" + port, "model", "qwen", "engine", "llama_cpp",
                "supervise", Map.of("command", command, "ready_timeout", "60s", "stop_grace", "5s"));
        Path config = dir.resolve("kairos.yaml");
        new ObjectMapper().writeValue(config.toFile(), Map.of("inference", Map.of("endpoints", List.of(endpoint)),
                "memory", Map.of("mode", "off")));

        InputStream stdin = System.in;
        PrintStream stdout = System.out;
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int code;
        try {
            System.setIn(new ByteArrayInputStream("Hello?\n/exit\n".getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(answer, true, StandardCharsets.UTF_8));
            code = new CommandLine(new KairosCommand()).setErr(new PrintWriter(err)).execute("chat", "--config", config.toString());
        } finally {
            System.setIn(stdin);
            System.setOut(stdout);
        }
        String text = answer.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text + err);
        assertTrue(err.toString().contains("starting engine"), err.toString());
        assertTrue(text.contains("Let me check."), "the supervised engine's streamed answer: " + text);
        int p = port;
        assertThrows(IOException.class, () -> new Socket("127.0.0.1", p).close(), "the engine is stopped when chat ends");
    }
}
