package io.fastwebsockets.spring;

/**
 * Both containers and Spring Security are on the test class path; each test picks what it runs on the way an
 * application without the others would get it: Boot's auto-configuration of the others excluded.
 */
final class Containers {
    private static final String EXCLUDE = "spring.autoconfigure.exclude=";
    private static final String JETTY =
            "org.springframework.boot.jetty.autoconfigure.servlet.JettyServletWebServerAutoConfiguration";
    private static final String TOMCAT =
            "org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration";
    private static final String SECURITY = "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration,"
            + "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration,"
            + "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration,"
            + "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration,"
            + "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration";

    /** Embedded Tomcat, no Spring Security. */
    static final String TOMCAT_ONLY = EXCLUDE + JETTY + "," + SECURITY;
    /** Embedded Jetty, no Spring Security. */
    static final String JETTY_ONLY = EXCLUDE + TOMCAT + "," + SECURITY;
    /** Embedded Tomcat with Spring Security. */
    static final String TOMCAT_SECURED = EXCLUDE + JETTY;
    /** Embedded Jetty with Spring Security. */
    static final String JETTY_SECURED = EXCLUDE + TOMCAT;

    private Containers() {
    }
}
