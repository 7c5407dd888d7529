package dev.kairos.inference;

/**
 * Talks to one engine (or a set of them, through a router).
 *
 * <p>Both calls block the calling thread and are bounded by the endpoint's time limits.
 * Interrupting the calling thread cancels the call and closes the HTTP stream, so the engine
 * frees its slot. Failures are {@link EngineException}s.
 */
public interface ChatClient {
    /** Sends the request and returns the whole answer. */
    ChatResponse chat(ChatRequest request);

    /** Streams the answer to the listener and returns it whole at the end. */
    ChatResponse stream(ChatRequest request, StreamListener listener);
}
