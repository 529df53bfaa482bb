package dev.kashierrotator.testing;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * An identity provider for tests: one RSA key pair kept as PEM files under {@code target/test-jwt}, so
 * the service (through {@code mp.jwt.verify.publickey.location}) and the tests (signing) share it.
 */
public final class TestJwt {

    public static final String ISSUER = "https://idp.example.test/realms/payments";
    private static final Path DIR = Path.of("target", "test-jwt");

    private TestJwt() {}

    /** The PEM public key file the service verifies tokens with. */
    public static synchronized Path publicKeyFile() {
        Path pub = DIR.resolve("public.pem");
        if (!Files.exists(pub)) {
            try {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
                KeyPair pair = g.generateKeyPair();
                Files.createDirectories(DIR);
                Files.writeString(
                        DIR.resolve("private.pem"),
                        pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
                Files.writeString(pub, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return pub.toAbsolutePath();
    }

    /** The public key as PEM text. */
    public static String publicKeyPem() {
        try {
            return Files.readString(publicKeyFile(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Claims for a token from the test issuer, valid for five minutes; sign with {@link #sign}. */
    /** The audience tokens for this service carry. */
    public static final String AUDIENCE = "kashier-key-rotator";

    public static JwtClaimsBuilder claims(String subject) {
        return Jwt.issuer(ISSUER).audience(AUDIENCE).subject(subject).expiresIn(300);
    }

    public static String sign(JwtClaimsBuilder claims) {
        return claims.sign(privateKey());
    }

    /** A token signed by some other key: a forgery. */
    public static String forge(JwtClaimsBuilder claims) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return claims.sign(g.generateKeyPair().getPrivate());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PrivateKey privateKey() {
        publicKeyFile();
        try {
            String pem = Files.readString(DIR.resolve("private.pem"), StandardCharsets.US_ASCII);
            byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
