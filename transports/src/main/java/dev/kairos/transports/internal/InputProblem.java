package dev.kairos.transports.internal;

/**
 * Why input asked of a 2026-07-28 client cannot be used: the client never declared the capability
 * the question needs, or its answer does not have the shape the question asked for.
 */
public sealed class InputProblem extends RuntimeException {
    InputProblem(String message) {
        super(message, null, false, false);
    }

    /** The request needs a client capability ({@code elicitation}, {@code sampling}, {@code roots}) not declared in {@code _meta}. */
    public static final class MissingCapability extends InputProblem {
        private final String capability;

        public MissingCapability(String capability) {
            super("this request needs the client capability '" + capability + "', which the request's _meta does not declare");
            this.capability = capability;
        }

        public String capability() {
            return capability;
        }
    }

    /** An answer in {@code inputResponses} that is not a valid result of the request it answers. */
    public static final class InvalidAnswer extends InputProblem {
        public InvalidAnswer(String key, String method) {
            super("inputResponses." + key + " is not a valid answer to " + method);
        }
    }
}
