package io.fastwebsockets.spring;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.servlet.ServletUpgrade;

/** Adapts the two handler shapes to the one {@link WebSocketRoute} keeps. */
final class Routes {
    private Routes() {
    }

    static ServletUpgrade.Handler collecting(ServletUpgrade.MessageHandler handler) {
        return (ws, request) -> handler.handle(new FragmentCollector(ws), request);
    }

    /**
     * The route a {@link WebSocketEndpoint}-annotated bean stands for.
     *
     * @throws IllegalStateException if the bean is neither handler type
     */
    static WebSocketRoute of(String beanName, Object bean, WebSocketEndpoint endpoint) {
        if (bean instanceof ServletUpgrade.MessageHandler h) {
            return WebSocketRoute.messages(endpoint.value(), h);
        }
        if (bean instanceof ServletUpgrade.Handler h) {
            return WebSocketRoute.frames(endpoint.value(), h);
        }
        throw new IllegalStateException("bean '" + beanName + "' is annotated @WebSocketEndpoint(\"" + endpoint.value()
                + "\") but is a " + bean.getClass().getName() + ", neither a ServletUpgrade.MessageHandler nor a "
                + "ServletUpgrade.Handler");
    }
}
