package dev.kairos.server.conformance;

/** Tiny media the fixtures return, base64-encoded, built for these fixtures. */
final class Samples {
    private Samples() {
    }

    /** A 1×1 red PNG. */
    static final String RED_PIXEL_PNG =
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mP4z8AAAAMBAQD3A0FDAAAAAElFTkSuQmCC";

    /** One millisecond of silence: 8 kHz, mono, 16-bit PCM WAV. */
    static final String SILENT_WAV =
            "UklGRjQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YRAAAAAAAAAAAAAAAAAAAAAAAAAA";
}
