package dev.kairos.server.memory;

import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryNotFoundException;
import dev.kairos.transports.Caller;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The tenancy rule for one caller: a named group must be one it may touch, or the request is refused naming the
 * group; no group means the caller's default group.
 */
record Tenancy(Caller caller) {

    /** The group to write to: {@code requested}, or the default group when absent. */
    String group(String field, String requested) {
        String g = requested == null || requested.isBlank() ? caller.defaultGroup() : requested;
        MemoryInput.groupId(field, g);
        check(field, g);
        return g;
    }

    /** The groups to read: {@code requested}, or the default group when empty. */
    List<String> groups(String field, List<String> requested) {
        if (requested == null || requested.isEmpty()) {
            return List.of(group(field, null));
        }
        var out = new LinkedHashSet<String>();
        for (int i = 0; i < requested.size(); i++) {
            String f = field + "[" + i + "]";
            String g = requested.get(i);
            MemoryInput.groupId(f, g);
            check(f, g);
            out.add(g);
        }
        return new ArrayList<>(out);
    }

    /**
     * Checks that something found by uuid lives in a group the caller may touch; otherwise it is reported as not
     * found, so that uuids do not reveal other tenants' data.
     */
    <T> T owned(String field, String kind, String uuid, String groupId, T value) {
        if (!caller.mayAccess(groupId)) {
            throw new MemoryNotFoundException(field, kind, uuid);
        }
        return value;
    }

    private void check(String field, String group) {
        if (!caller.mayAccess(group)) {
            throw new RefusedException(field + ": group '" + group + "' is not accessible to '" + caller.principal()
                    + "'" + (caller.groups().isEmpty() ? "" : " (it may use: " + String.join(", ", caller.groups().stream().sorted().toList()) + ")"));
        }
    }
}
