package dev.kashierrotator.vault;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.testing.RotatorTestResource;
import dev.kashierrotator.testing.SelfSignedTls;
import dev.kashierrotator.testing.TestJwt;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Kubernetes auth on the real OpenBao. The Kubernetes API server OpenBao asks to review the service
 * account token is the fabric8 mock server, answering the TokenReview for the service's account; the
 * token itself is a file, as kubelet projects it into the pod.
 */
public class KubernetesAuthTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String TOKEN = "k8s-auth-test-token";
    static final String MOUNT = "kubernetes-" + UUID.randomUUID().toString().substring(0, 8);
    static KubernetesMockServer apiServer;
    static String serviceAccountJwt;

    @Override
    public Map<String, String> start() {
        OpenBao bao = OpenBao.get();
        ObjectMapper json = new ObjectMapper();
        apiServer = new KubernetesMockServer(false);
        apiServer.init();
        // Not TestJwt.claims: a service account token carries no audience of this service.
        serviceAccountJwt =
                TestJwt.sign(io.smallrye.jwt.build.Jwt.subject("system:serviceaccount:payments:kashier-key-rotator")
                        .expiresIn(300)
                        .issuer("https://kubernetes.default.svc.cluster.local")
                        .claim(
                                "kubernetes.io",
                                Map.of(
                                        "namespace",
                                        "payments",
                                        "serviceaccount",
                                        Map.of("name", "kashier-key-rotator", "uid", "0b8e4f52-sa"))));
        apiServer
                .expect()
                .post()
                .withPath("/apis/authentication.k8s.io/v1/tokenreviews")
                .andReturn(
                        201,
                        Map.of(
                                "apiVersion",
                                "authentication.k8s.io/v1",
                                "kind",
                                "TokenReview",
                                "status",
                                Map.of(
                                        "authenticated",
                                        true,
                                        "user",
                                        Map.of(
                                                "username", "system:serviceaccount:payments:kashier-key-rotator",
                                                "uid", "0b8e4f52-sa",
                                                "groups",
                                                        new String[] {
                                                            "system:serviceaccounts", "system:serviceaccounts:payments"
                                                        }))))
                .always();
        try {
            bao.api("POST", "sys/auth/" + MOUNT, "{\"type\": \"kubernetes\"}");
            bao.api(
                    "POST",
                    "auth/" + MOUNT + "/config",
                    json.writeValueAsString(Map.of(
                            "kubernetes_host",
                            "http://127.0.0.1:" + apiServer.getPort(),
                            "disable_local_ca_jwt",
                            true,
                            // Required by OpenBao even for a plain-http API server, where it goes unused.
                            "kubernetes_ca_cert",
                            Files.readString(SelfSignedTls.create("k8s-api-ca").caPem),
                            "token_reviewer_jwt",
                            "reviewer-token")));
            bao.api(
                    "PUT",
                    "sys/policies/acl/" + MOUNT,
                    json.writeValueAsString(Map.of(
                            "policy",
                            AppRoleTestResource.policy("k8sauth/kashier", "k8sauth/kashier-rotator", "k8sauth/apps"))));
            bao.api(
                    "POST",
                    "auth/" + MOUNT + "/role/kashier-key-rotator",
                    json.writeValueAsString(Map.of(
                            "bound_service_account_names",
                            "kashier-key-rotator",
                            "bound_service_account_namespaces",
                            "payments",
                            "token_policies",
                            MOUNT,
                            "token_ttl",
                            "60s")));
            Path jwtFile =
                    Files.createDirectories(Path.of("target", "k8s-auth")).resolve("token");
            Files.writeString(jwtFile, serviceAccountJwt);

            Map<String, String> c = new HashMap<>();
            c.put("rotator.vault.address", bao.address());
            c.put("rotator.vault.auth.method", "kubernetes");
            c.put("rotator.vault.auth.mount", MOUNT);
            c.put("rotator.vault.auth.role", "kashier-key-rotator");
            c.put("rotator.vault.auth.jwt-file", jwtFile.toAbsolutePath().toString());
            c.put("rotator.vault.key-prefix", "k8sauth/kashier");
            c.put("rotator.vault.state-prefix", "k8sauth/kashier-rotator");
            c.put("rotator.bootstrap-token", TOKEN);
            c.put("rotator.accounts.main.mid", "MID-5000-005");
            RotatorTestResource.key(c, "k8s-auth-pay", "main", "test", "payment-api-key", null);
            RotatorTestResource.vaultKv(c, "reports", 0, "k8sauth/apps/reports", List.of("k8s-auth-pay"));
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (apiServer != null) {
            apiServer.destroy();
        }
        dev.kashierrotator.testing.Dependents.stopAll();
        OpenBao.stopShared();
    }
}
