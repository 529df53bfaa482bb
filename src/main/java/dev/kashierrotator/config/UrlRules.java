package dev.kashierrotator.config;

import dev.kashierrotator.util.Loopback;
import java.net.URI;
import java.util.Optional;

/**
 * The rules every URL of the configuration follows (a key, a token or a notification travels to it), each
 * breach added to the one collector: it is an http(s) URL, https for live mode, and in production
 * ({@code rotator.security.https-only}) https unless on loopback, unless plain http was allowed on purpose
 * ({@code rotator.security.allow-insecure-live-urls}).
 */
public final class UrlRules {

    private final ConfigurationProblems problems;
    private final boolean insecureLiveAllowed;
    private final boolean productionTransport;

    public UrlRules(RotatorConfig.Security security, ConfigurationProblems problems) {
        this.problems = problems;
        this.insecureLiveAllowed = security.allowInsecureLiveUrls();
        this.productionTransport = security.httpsOnly() && !insecureLiveAllowed;
    }

    /** Production transport: https-only, without plain http allowed on purpose. */
    public boolean production() {
        return productionTransport;
    }

    /** A problem unless it is an http(s) URL. */
    public void httpUrl(String at, Optional<String> url) {
        if (url.isEmpty() || url.get().isBlank()) {
            problems.add(at, "an http(s) URL is required");
            return;
        }
        try {
            URI uri = URI.create(url.get());
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                problems.add(at, "'" + url.get() + "' is not an http(s) URL");
            }
        } catch (IllegalArgumentException e) {
            problems.add(at, "'" + url.get() + "' is not an http(s) URL");
        }
    }

    /**
     * In production (https-only) every URL a key or a token travels to must be https, except one on
     * the pod's own loopback (a Vault Agent or a sidecar), unless plain http was allowed on purpose. Nothing
     * outside production.
     */
    public void httpsOrLoopback(String at, Optional<String> url) {
        if (!productionTransport || url.isEmpty() || !url.get().regionMatches(true, 0, "http://", 0, 7)) {
            return;
        }
        String host;
        try {
            host = URI.create(url.get()).getHost();
        } catch (IllegalArgumentException e) {
            return;
        }
        if (!Loopback.host(host)) {
            problems.add(
                    at,
                    "must be https in production (rotator.security.https-only), got '" + url.get()
                            + "'; plain http is allowed to loopback only (or with rotator.security.allow-insecure-live-urls)");
        }
    }

    /**
     * A problem unless the URL is https (when it is a URL at all; {@link #httpUrl} reports that), for a live
     * key; nothing when plain http was allowed on purpose.
     */
    public void httpsOnly(String at, Optional<String> url, String why) {
        if (!insecureLiveAllowed && url.isPresent() && url.get().regionMatches(true, 0, "http://", 0, 7)) {
            problems.add(
                    at,
                    "must be https for " + why + ", got '" + url.get() + "' (plain http is allowed only "
                            + "for a local simulator, with rotator.security.allow-insecure-live-urls=true)");
        }
    }
}
