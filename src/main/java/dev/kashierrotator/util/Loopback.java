package dev.kashierrotator.util;

import java.util.regex.Pattern;

/**
 * Whether a URL's host is this machine's loopback, where plain http may go: {@code localhost}, an IPv4
 * literal in 127.0.0.0/8, or {@code ::1}. A host name that merely starts with {@code 127.}
 * ({@code 127.attacker.example}) is a name like any other. Shared by the service's transport checks and kkr.
 */
public final class Loopback {

    private static final Pattern IPV4_LOOPBACK = Pattern.compile(
            "127\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)");

    private Loopback() {}

    /** The host as {@link java.net.URI#getHost()} gives it (IPv6 in brackets), or null. */
    public static boolean host(String host) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(java.util.Locale.ROOT);
        return h.equals("localhost")
                || h.equals("[::1]")
                || h.equals("::1")
                || h.equals("[0:0:0:0:0:0:0:1]")
                || IPV4_LOOPBACK.matcher(h).matches();
    }
}
