package dev.kairos.server.memory;

import dev.kairos.transports.Caller;

import java.util.LinkedHashSet;
import java.util.Set;

/** One tool call as a handler sees it: who calls, the arguments, and which resources the call changed. */
final class Call {
    private final Caller caller;
    private final Args args;
    private final Tenancy tenancy;
    private final Set<String> changed = new LinkedHashSet<>();
    private final Progress progress;

    /** Progress of a long call, for the client (MCP progress notifications) or its task's status. */
    @FunctionalInterface
    interface Progress {
        Progress NONE = (done, total, message) -> {
        };

        void report(double done, Double total, String message);
    }

    Call(Caller caller, Args args) {
        this(caller, args, Progress.NONE);
    }

    Call(Caller caller, Args args, Progress progress) {
        this.caller = caller;
        this.args = args;
        this.tenancy = new Tenancy(caller);
        this.progress = progress;
    }

    /** Where a long call reports how far it got; does nothing when the client asked for no progress. */
    Progress progress() {
        return progress;
    }

    Caller caller() {
        return caller;
    }

    Args args() {
        return args;
    }

    Tenancy tenancy() {
        return tenancy;
    }

    /** Records that an entity changed, so its resource's subscribers hear of it once the call succeeds. */
    void entityChanged(String uuid) {
        if (uuid != null) {
            changed.add(MemoryResources.entityUri(uuid));
        }
    }

    void episodeChanged(String uuid) {
        if (uuid != null) {
            changed.add(MemoryResources.episodeUri(uuid));
        }
    }

    /** For toolsets that expose a whole-graph resource (server-memory's {@code memory://knowledge-graph}). */
    void resourceChanged(String uri) {
        changed.add(uri);
    }

    Set<String> changed() {
        return changed;
    }
}
