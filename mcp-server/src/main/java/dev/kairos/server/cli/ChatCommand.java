package dev.kairos.server.cli;

import dev.kairos.inference.ChatRequest;
import dev.kairos.inference.ChatResponse;
import dev.kairos.inference.EngineException;
import dev.kairos.inference.EngineInfo;
import dev.kairos.inference.Engines;
import dev.kairos.inference.InferenceSettings;
import dev.kairos.inference.Message;
import dev.kairos.inference.StreamEvent;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code kairos chat}: a plain interactive chat with an engine, answers streamed token by token. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat with an engine on stdin/stdout; answers stream as they come. "
                + "Type /exit (or end input) to leave, /reset to forget the conversation.")
public final class ChatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--engine", paramLabel = "URL", description = "Engine base URL. Default: $KAIROS_ENGINE_URL.")
    URI engine;

    @Option(names = "--model", paramLabel = "NAME", description = "Model name. Default: the first model the engine lists.")
    String model;

    @Option(names = "--provider", paramLabel = "openai|ollama",
            description = "Wire protocol: OpenAI-compatible /v1 or Ollama's native /api/chat (default: the config's, else openai).")
    InferenceSettings.Provider provider;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Config file (YAML or JSON). Default: $KAIROS_CONFIG, ./kairos.yaml, ~/.kairos/kairos.yaml.")
    Path config;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system prompt.")
    String system;

    @Override
    public Integer call() throws IOException {
        URI url = EnginesCommand.engineUrl(engine, config, spec);
        // An engine from the config file brings its model, provider, timeouts, retry settings and supervise block.
        var configured = EnginesCommand.configuredEndpoint(config, url);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (SupervisedEngine started = SupervisedEngine.startIfConfigured(configured, spec);
             Engines engines = new Engines()) {
            String name = model;
            if ((name == null || name.isBlank()) && configured.isPresent()) {
                name = configured.get().model();
            }
            if (name == null || name.isBlank()) {
                EngineInfo info = engines.probe().probe(url);
                if (info.models().isEmpty()) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "--model: the engine at " + url + " lists no model; name one");
                }
                name = info.models().getFirst();
            }
            String chosen = name;
            InferenceSettings.Endpoint endpoint = configured
                    .map(e -> e.withModel(chosen))
                    .map(e -> provider != null ? e.withProvider(provider) : e)
                    .orElseGet(() -> InferenceSettings.Endpoint.of(url, chosen).withProvider(provider != null ? provider : InferenceSettings.Provider.OPENAI));
            var client = engines.endpoint(endpoint);
            List<Message> history = new ArrayList<>();
            if (system != null && !system.isBlank()) {
                history.add(Message.system(system));
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            System.err.println("chatting with " + name + " at " + url + " (/exit to leave)");
            while (true) {
                System.err.print("> ");
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) {
                    return 0;
                }
                if (line.strip().equals("/reset")) {
                    history.removeIf(m -> !(m instanceof Message.System));
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                history.add(Message.user(line));
                boolean[] thinking = {false};
                try {
                    ChatResponse r = client.stream(ChatRequest.of(history), e -> {
                        switch (e) {
                            case StreamEvent.ContentDelta d -> {
                                if (thinking[0]) {
                                    thinking[0] = false;
                                    System.err.println();
                                }
                                out.print(d.text());
                            }
                            case StreamEvent.ReasoningDelta d -> {
                                thinking[0] = true;
                                System.err.print(d.text());
                            }
                            default -> {
                            }
                        }
                    });
                    out.println();
                    history.add(r.asMessage());
                } catch (EngineException e) {
                    history.removeLast();
                    System.err.println();
                    System.err.println("engine error: " + e.getMessage());
                }
            }
        }
    }
}
