package dev.kairos.inference;

/** Receives the events of a streamed answer on the calling thread. */
@FunctionalInterface
public interface StreamListener {
    void on(StreamEvent event);

    StreamListener IGNORE = event -> {
    };
}
