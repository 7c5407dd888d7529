package dev.kairos.fsm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * Something that happened: a name, and data that is merged into the instance data when a transition is taken.
 * Guards see the merged data under {@code data}/{@code slots} and the event itself under {@code event.name}
 * and {@code event.data}.
 */
public record Event(String name, ObjectNode data) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public Event {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("event name must not be blank");
        }
        data = data == null ? JsonNodeFactory.instance.objectNode() : data.deepCopy();
    }

    public static Event of(String name) {
        return new Event(name, null);
    }

    /** An event whose data is built from plain Java maps, lists, strings, numbers and booleans. */
    public static Event of(String name, Map<String, ?> data) {
        return new Event(name, MAPPER.valueToTree(data));
    }

    @Override
    public ObjectNode data() {
        return data.deepCopy();
    }
}
