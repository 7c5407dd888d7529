package dev.kairos.fsm;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** What a {@link TransitionChooser} sees: where the instance is, the event, the data, the candidates and the history. */
public record ChoiceRequest(ActivePath path, Event event, JsonNode data, List<Candidate> candidates, List<Step> history) {

    public ChoiceRequest {
        candidates = List.copyOf(candidates);
        history = List.copyOf(history);
        data = data.deepCopy();
    }
}
