package dev.kairos.memory;

/** One search result with its fused score (higher is better; only comparable within one result list). */
public record Hit<T>(T value, double score) {
}
