package dev.kairos.inference;

import dev.kairos.inference.InferenceSettings.Engine;

import java.net.URI;
import java.util.List;
import java.util.Set;

/** What the capability probe learnt about one endpoint. Null numbers mean the engine did not say. */
public record EngineInfo(URI url, Engine engine, boolean reachable, boolean ready, String version, List<String> models,
                         Integer contextSize, Integer slots, Set<Capability> capabilities, List<String> notes) {

    /** Features a request may need. */
    public enum Capability { TOOLS, PARALLEL_TOOL_CALLS, STRUCTURED_OUTPUT, THINKING }

    public EngineInfo {
        models = models == null ? List.of() : List.copyOf(models);
        capabilities = capabilities == null ? Set.of() : Set.copyOf(capabilities);
        notes = notes == null ? List.of() : List.copyOf(notes);
    }

    /** Lines for a terminal. */
    public List<String> describe() {
        return List.of(
                url + "  " + (!reachable ? "UNREACHABLE" : ready ? "ready" : "NOT READY"),
                "  engine:       " + engine + (version == null ? "" : " " + version),
                "  models:       " + (models.isEmpty() ? "-" : String.join(", ", models)),
                "  context:      " + (contextSize == null ? "-" : contextSize + " tokens"),
                "  slots:        " + (slots == null ? "-" : slots),
                "  capabilities: " + (capabilities.isEmpty() ? "-" : capabilities.stream().map(Enum::name).sorted().toList()),
                "  notes:        " + (notes.isEmpty() ? "-" : String.join("; ", notes)));
    }
}
