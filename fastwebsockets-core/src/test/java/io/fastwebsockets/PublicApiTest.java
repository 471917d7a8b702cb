package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The exported API is exactly what {@code src/test/resources/api/exported-api.txt} lists: every public type of every
 * exported package, with its public and protected constructors, methods and fields. A type or member that appears
 * (or disappears) without that file changing fails here, so nothing becomes API by accident. If the change is meant,
 * regenerate the file ({@code -Dapi.update=true} writes it to {@code target/exported-api.txt}) and review the diff.
 */
class PublicApiTest {
    /** The packages {@code module-info.java} exports to everyone. */
    static final Set<String> EXPORTED = Set.of("io.fastwebsockets", "io.fastwebsockets.deflate",
            "io.fastwebsockets.handshake", "io.fastwebsockets.server", "io.fastwebsockets.upgrade");

    @Test
    void moduleInfoExportsOnlyTheApiPackagesAndTheServletsQualifiedExport() throws IOException {
        ModuleDescriptor d;
        try (InputStream in = Files.newInputStream(classesRoot().resolve("module-info.class"))) {
            d = ModuleDescriptor.read(in);
        }
        Set<String> open = d.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(EXPORTED), open, "unqualified exports");
        Map<String, Set<String>> qualified = d.exports().stream().filter(ModuleDescriptor.Exports::isQualified)
                .collect(Collectors.toMap(ModuleDescriptor.Exports::source, ModuleDescriptor.Exports::targets));
        assertEquals(Map.of("io.fastwebsockets.internal.server", Set.of("io.fastwebsockets.servlet")), qualified,
                "qualified exports");
    }

    @Test
    void theExportedPackagesHoldExactlyTheListedPublicApi() throws Exception {
        List<String> actual = describe(EXPORTED);
        String expected;
        try (InputStream in = PublicApiTest.class.getResourceAsStream("/api/exported-api.txt")) {
            expected = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String got = String.join("\n", actual) + "\n";
        if (Boolean.getBoolean("api.update")) {
            Files.writeString(classesRoot().getParent().resolve("exported-api.txt"), got);
        }
        if (!got.equals(expected)) {
            Set<String> want = new TreeSet<>(expected.lines().toList());
            Set<String> have = new TreeSet<>(actual);
            List<String> added = have.stream().filter(l -> !want.contains(l)).toList();
            List<String> removed = want.stream().filter(l -> !have.contains(l)).toList();
            fail("the exported API changed; if that is meant, update src/test/resources/api/exported-api.txt "
                    + "(run with -Dapi.update=true, copy target/exported-api.txt)\nnew:\n  "
                    + String.join("\n  ", added) + "\ngone:\n  " + String.join("\n  ", removed));
        }
    }

    /** One line per public type and per public or protected member, sorted within each type. */
    static List<String> describe(Set<String> packages) throws IOException, ClassNotFoundException {
        Path root = classesRoot();
        List<String> out = new ArrayList<>();
        for (String pkg : new TreeSet<>(packages)) {
            Path dir = root.resolve(pkg.replace('.', '/'));
            List<String> names;
            try (Stream<Path> files = Files.list(dir)) {
                names = files.map(p -> p.getFileName().toString())
                        .filter(n -> n.endsWith(".class") && !n.equals("package-info.class"))
                        .map(n -> pkg + "." + n.substring(0, n.length() - ".class".length()))
                        .sorted().toList();
            }
            for (String name : names) {
                Class<?> c = Class.forName(name, false, PublicApiTest.class.getClassLoader());
                if (!visible(c)) {
                    continue;
                }
                out.add(kind(c) + " " + c.getName().replace('$', '.'));
                Set<String> members = new TreeSet<>();
                for (Constructor<?> k : c.getDeclaredConstructors()) {
                    if (api(k)) {
                        members.add(signature(k, "new"));
                    }
                }
                for (Method m : c.getDeclaredMethods()) {
                    if (api(m) && !m.isSynthetic() && !m.isBridge()) {
                        members.add(signature(m, m.getGenericReturnType().getTypeName() + " " + m.getName()));
                    }
                }
                // Public methods inherited from a non-public superclass are API of this type too (javac gives them
                // synthetic bridges here, which the loop above skips).
                for (Class<?> s = c.getSuperclass(); s != null && !Modifier.isPublic(s.getModifiers());
                        s = s.getSuperclass()) {
                    for (Method m : s.getDeclaredMethods()) {
                        if (api(m) && !m.isSynthetic() && !m.isBridge()) {
                            members.add(signature(m, m.getGenericReturnType().getTypeName() + " " + m.getName()));
                        }
                    }
                }
                for (Field f : c.getDeclaredFields()) {
                    if (api(f) && !f.isSynthetic()) {
                        members.add(mods(f) + "field " + f.getGenericType().getTypeName() + " " + f.getName());
                    }
                }
                for (String m : members) {
                    out.add("  " + m);
                }
            }
        }
        return out;
    }

    // Public, and reachable: every enclosing class public too.
    private static boolean visible(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers()) || k.isAnonymousClass() || k.isLocalClass()) {
                return false;
            }
        }
        return true;
    }

    private static boolean api(Member m) {
        int mod = m.getModifiers();
        boolean extendable = !Modifier.isFinal(m.getDeclaringClass().getModifiers());
        return Modifier.isPublic(mod) || (Modifier.isProtected(mod) && extendable);
    }

    private static String kind(Class<?> c) {
        return c.isAnnotation() ? "@interface" : c.isInterface() ? "interface" : c.isEnum() ? "enum"
                : c.isRecord() ? "record" : (Modifier.isAbstract(c.getModifiers()) ? "abstract " : "")
                + (Modifier.isFinal(c.getModifiers()) ? "final " : "") + "class";
    }

    private static String mods(Member m) {
        int mod = m.getModifiers();
        return (Modifier.isProtected(mod) ? "protected " : "") + (Modifier.isStatic(mod) ? "static " : "");
    }

    private static String signature(Executable e, String head) {
        String params = Stream.of(e.getGenericParameterTypes()).map(t -> t.getTypeName())
                .collect(Collectors.joining(", "));
        String thrown = Stream.of(e.getGenericExceptionTypes()).map(t -> t.getTypeName())
                .collect(Collectors.joining(", "));
        return (mods(e) + head + "(" + params + ")" + (thrown.isEmpty() ? "" : " throws " + thrown))
                .replace('$', '.');
    }

    // The directory (or jar) the main classes were loaded from.
    private static Path classesRoot() throws IOException {
        try {
            URI uri = WebSocket.class.getProtectionDomain().getCodeSource().getLocation().toURI();
            Path p = Path.of(uri);
            if (Files.isDirectory(p)) {
                return p;
            }
            FileSystem jar = FileSystems.newFileSystem(p);
            return jar.getPath("/");
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
    }
}
