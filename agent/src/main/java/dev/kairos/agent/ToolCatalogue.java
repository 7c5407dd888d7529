package dev.kairos.agent;

import dev.kairos.inference.ToolSpec;

import java.util.List;
import java.util.Optional;

/**
 * Every tool the agent may call, from every provider, under stable model-facing names: the same
 * providers give the same names in the same order, so engines' prefix caches keep working.
 */
public interface ToolCatalogue {
    /** The tools in their stable order. */
    List<CatalogueTool> tools();

    /** The tool the model knows by this name. */
    default Optional<CatalogueTool> find(String modelName) {
        return tools().stream().filter(t -> t.modelName().equals(modelName)).findFirst();
    }

    /** The functions offered to the model, in the catalogue's order. */
    default List<ToolSpec> specs() {
        return tools().stream().map(CatalogueTool::spec).toList();
    }
}
