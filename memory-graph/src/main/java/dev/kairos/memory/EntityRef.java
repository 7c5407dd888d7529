package dev.kairos.memory;

import java.util.List;

/** How a fact names one of its endpoints: an existing entity's uuid, or a name that is found or created. */
public sealed interface EntityRef {

    /** An existing entity; unknown uuids are refused. */
    record ById(String uuid) implements EntityRef {}

    /** The entity of that name in the fact's group, created (with these labels) if missing. */
    record ByName(String name, List<String> labels) implements EntityRef {
        public ByName {
            labels = labels == null ? List.of() : List.copyOf(labels);
        }
    }

    static EntityRef id(String uuid) {
        return new ById(uuid);
    }

    static EntityRef name(String name, String... labels) {
        return new ByName(name, List.of(labels));
    }
}
