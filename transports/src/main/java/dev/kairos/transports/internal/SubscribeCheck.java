package dev.kairos.transports.internal;

import io.modelcontextprotocol.spec.McpSchema;

/** Decides a {@code resources/subscribe} before the SDK takes it (which it would, for any uri). */
@FunctionalInterface
public interface SubscribeCheck {
    /** Lets every subscription through. */
    SubscribeCheck NONE = (caller, call) -> null;

    /**
     * @param caller the request's caller attribute as the auth handler set it (null for the local user)
     * @return the error to answer {@code call} with, or null to hand it to the SDK
     */
    McpSchema.JSONRPCResponse.JSONRPCError refusal(Object caller, McpSchema.JSONRPCRequest call);
}
