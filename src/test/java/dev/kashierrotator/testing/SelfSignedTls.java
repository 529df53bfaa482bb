package dev.kashierrotator.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** A self-signed certificate for 127.0.0.1, made with the JDK's keytool: a server context and its CA as PEM. */
public final class SelfSignedTls {

    private static final char[] PASSWORD = "changeit".toCharArray();

    public final SSLContext server;
    /** The certificate (its own CA), PEM. */
    public final Path caPem;
    /** The private key, PKCS#8 PEM: with {@link #caPem}, what a Kubernetes TLS Secret mounts. */
    public final Path keyPem;

    private SelfSignedTls(SSLContext server, Path caPem, Path keyPem) {
        this.server = server;
        this.caPem = caPem;
        this.keyPem = keyPem;
    }

    public static SelfSignedTls create(String name) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "tls").toAbsolutePath());
            Path store = dir.resolve(name + ".p12");
            Path pem = dir.resolve(name + "-ca.pem");
            Files.deleteIfExists(store);
            String keytool =
                    Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            run(
                    keytool,
                    "-genkeypair",
                    "-alias",
                    "dep",
                    "-keyalg",
                    "RSA",
                    "-keysize",
                    "2048",
                    "-validity",
                    "2",
                    "-dname",
                    "CN=127.0.0.1",
                    "-ext",
                    "SAN=ip:127.0.0.1",
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    store.toString(),
                    "-storepass",
                    "changeit",
                    "-keypass",
                    "changeit");
            run(
                    keytool,
                    "-exportcert",
                    "-rfc",
                    "-alias",
                    "dep",
                    "-keystore",
                    store.toString(),
                    "-storepass",
                    "changeit",
                    "-file",
                    pem.toString());
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, PASSWORD);
            }
            Path key = dir.resolve(name + "-key.pem");
            Files.writeString(
                    key,
                    "-----BEGIN PRIVATE KEY-----\n"
                            + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'})
                                    .encodeToString(ks.getKey("dep", PASSWORD).getEncoded())
                            + "\n-----END PRIVATE KEY-----\n");
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, PASSWORD);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return new SelfSignedTls(ctx, pem, key);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a test certificate", e);
        }
    }

    private static void run(String... command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) {
                throw new IOException("keytool failed: " + String.join(" ", command));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
