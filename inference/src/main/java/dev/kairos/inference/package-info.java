/**
 * Talking to inference engines (vLLM, SGLang, llama.cpp, Ollama) over their OpenAI-compatible API: chat with tools,
 * streaming, structured output, tool calls read from text for models without native function calling, retries,
 * breakers and a router over several endpoints.
 *
 * <pre>{@code
 * try (Engines engines = new Engines()) {
 *     ChatClient engine = engines.router(settings); // settings: InferenceSettings from the config file
 *     ChatResponse answer = engine.chat(ChatRequest.of(Message.system("Be brief."), Message.user("Weather in Paris?")));
 *     if (answer.hasToolCalls()) answer.toolCalls().forEach(call -> System.out.println(call.name()));
 *     else System.out.println(answer.content());
 * }
 * }</pre>
 *
 * <p>This package is the module's whole API; {@code dev.kairos.inference.internal} is not for other modules (the
 * module rules in docs/development.md are checked by a test). The module knows nothing of MCP or Neo4j.
 */
package dev.kairos.inference;
