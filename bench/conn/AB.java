// Part of bench/conn_ab.sh: see there.
import java.lang.reflect.Method;
import java.net.*;
import java.nio.file.Path;
import java.util.*;

/** Same-run A/B: the two builds in two class loaders, rounds alternated. Args: size per rounds dirA... dirB... */
public class AB {
    public static void main(String[] a) throws Exception {
        int size = Integer.parseInt(a[0]), per = Integer.parseInt(a[1]), rounds = Integer.parseInt(a[2]);
        Method[] round = new Method[2];
        for (int k = 0; k < 2; k++) {
            String[] dirs = a[3 + k].split(":");
            URL[] urls = new URL[dirs.length];
            for (int i = 0; i < dirs.length; i++) urls[i] = Path.of(dirs[i]).toUri().toURL();
            ClassLoader cl = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
            Class<?> c = cl.loadClass("ConnRound");
            c.getMethod("setup", int.class).invoke(null, size);
            round[k] = c.getMethod("round", int.class);
        }
        for (int w = 0; w < 3; w++) for (int k = 0; k < 2; k++) round[k].invoke(null, per);
        List<Double> r0 = new ArrayList<>(), r1 = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            int first = r % 2;
            for (int j = 0; j < 2; j++) {
                int k = (first + j) % 2;
                double v = (double) round[k].invoke(null, per);
                (k == 0 ? r0 : r1).add(v);
            }
        }
        Collections.sort(r0); Collections.sort(r1);
        System.out.printf("size %d: A median %.1f ns/msg, B median %.1f ns/msg, B/A %.3f  (A %s) (B %s)%n", size,
                r0.get(rounds / 2), r1.get(rounds / 2), r1.get(rounds / 2) / r0.get(rounds / 2), r0, r1);
    }
}
