package dev.kairos.inference;

/** Receives the events of a streamed answer, in order, one at a time (on a call worker when the call is time-limited). */
@FunctionalInterface
public interface StreamListener {
    void on(StreamEvent event);

    StreamListener IGNORE = event -> {
    };
}
