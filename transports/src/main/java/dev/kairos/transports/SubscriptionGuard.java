package dev.kairos.transports;

/**
 * Who may subscribe to which resource. The SDK takes any {@code resources/subscribe}; a server whose
 * resources belong to tenants checks here, so that a subscription cannot tell a caller anything
 * (that a resource exists, when it changes) that {@code resources/read} would not.
 *
 * <p>The HTTP host asks before a subscription reaches the SDK. Over stdio the caller is the local
 * user, who may read everything, so no check is made there.
 */
@FunctionalInterface
public interface SubscriptionGuard {
    /** Lets every subscription through. */
    SubscriptionGuard ANY = (caller, uri) -> { };

    /**
     * Returns normally to allow the subscription; to refuse it, throws the
     * {@link io.modelcontextprotocol.spec.McpError} that a {@code resources/read} of {@code uri} by
     * this caller would get, so that both answers look alike.
     */
    void check(Caller caller, String uri);

    /** Both guards must allow. */
    default SubscriptionGuard and(SubscriptionGuard other) {
        return (caller, uri) -> {
            check(caller, uri);
            other.check(caller, uri);
        };
    }
}
