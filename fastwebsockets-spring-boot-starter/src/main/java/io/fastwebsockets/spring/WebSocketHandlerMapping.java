package io.fastwebsockets.spring;

import org.springframework.web.servlet.handler.AbstractUrlHandlerMapping;

/**
 * Maps each endpoint's path pattern to the request handler that upgrades it, inside the {@code DispatcherServlet}
 * (so the servlet filters, Spring Security's among them, run first). Ordered like Spring's own WebSocket handler
 * mapping: after the annotated controllers' mapping.
 */
final class WebSocketHandlerMapping extends AbstractUrlHandlerMapping {
    WebSocketHandlerMapping(WebSocketEndpoints endpoints) {
        setOrder(1);
        endpoints.requestHandlers().forEach(this::registerHandler);
    }
}
