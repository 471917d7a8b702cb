package io.fastwebsockets.spring;

import io.fastwebsockets.upgrade.UpgradeOptions;

/**
 * Changes the upgrade options every endpoint is built with, after the {@code fastwebsockets.*} properties have been
 * applied: for what the properties do not cover (an Origin predicate, a subprotocol selector). Declare beans of this
 * type; they are applied in their {@link org.springframework.core.annotation.Order order}.
 */
@FunctionalInterface
public interface UpgradeOptionsCustomizer {
    /**
     * Customizes the options.
     *
     * @param builder the options so far
     */
    void customize(UpgradeOptions.Builder builder);
}
