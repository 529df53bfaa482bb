package dev.kashierrotator.inventory;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A workload a kubernetes-secret dependent restarts once its Secret changed, written as kubectl names it:
 * {@code deployment/NAME}, {@code statefulset/NAME} or {@code daemonset/NAME} (also {@code deploy/},
 * {@code sts/}, {@code ds/}); a bare {@code NAME} is a Deployment.
 */
public record Workload(Kind kind, String name) {

    /** The kinds of workload restarted by a change of their pod template, as {@code kubectl rollout restart} does. */
    public enum Kind {
        DEPLOYMENT("deployment", "deployments"),
        STATEFULSET("statefulset", "statefulsets"),
        DAEMONSET("daemonset", "daemonsets");

        private final String word;
        private final String resource;

        Kind(String word, String resource) {
            this.word = word;
            this.resource = resource;
        }

        /** How kubectl names one: {@code deployment}. */
        public String word() {
            return word;
        }

        /** The API's resource name, as RBAC rules name it: {@code deployments}. */
        public String resource() {
            return resource;
        }
    }

    private static final Map<String, Kind> KINDS = Map.of(
            "deployment", Kind.DEPLOYMENT,
            "deployments", Kind.DEPLOYMENT,
            "deploy", Kind.DEPLOYMENT,
            "statefulset", Kind.STATEFULSET,
            "statefulsets", Kind.STATEFULSET,
            "sts", Kind.STATEFULSET,
            "daemonset", Kind.DAEMONSET,
            "daemonsets", Kind.DAEMONSET,
            "ds", Kind.DAEMONSET);

    /** The workload an entry names; empty when its kind is not one of the three. */
    public static Optional<Workload> parse(String entry) {
        int slash = entry.indexOf('/');
        if (slash < 0) {
            return Optional.of(new Workload(Kind.DEPLOYMENT, entry));
        }
        Kind kind = KINDS.get(entry.substring(0, slash).toLowerCase(Locale.ROOT));
        return kind == null ? Optional.empty() : Optional.of(new Workload(kind, entry.substring(slash + 1)));
    }

    @Override
    public String toString() {
        return kind.word + "/" + name;
    }
}
