package dev.kashierrotator.util;

import java.net.URI;

/**
 * A URL as messages show it: scheme, host, port and path, without user info, query or fragment, where a
 * token may ride ({@code https://user:pass@host/hook?token=...}). Errors that name a dependent's URL reach
 * every viewer, the event streams and the notification channels.
 */
public final class Urls {

    private Urls() {}

    public static String shown(String url) {
        if (url == null) {
            return null;
        }
        try {
            URI u = URI.create(url.strip());
            if (u.getScheme() == null || u.getHost() == null) {
                return "(a URL)";
            }
            return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort())
                    + (u.getRawPath() == null ? "" : u.getRawPath());
        } catch (IllegalArgumentException e) {
            return "(a URL)";
        }
    }
}
