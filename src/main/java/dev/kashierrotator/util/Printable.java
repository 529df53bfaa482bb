package dev.kashierrotator.util;

/**
 * Text from outside (a reason, a request path, a dependent's answer) made safe to print on a terminal or
 * post to a chat: C0 and C1 control characters, DEL and the bidirectional overrides and isolates are what
 * a terminal or a renderer acts on rather than shows (an escape sequence can hide or rewrite lines). They
 * are replaced by {@code ?}; line breaks and tabs are kept where the text may span lines. Shared by the
 * service (its reasons, audit details and notifications) and kkr (everything it prints from the service).
 */
public final class Printable {

    private Printable() {}

    /** Whether a person would be shown this character as it is (not acted on by a terminal). */
    public static boolean shown(int c) {
        return !(Character.getType(c) == Character.CONTROL
                || (c >= 0x202A && c <= 0x202E)
                || (c >= 0x2066 && c <= 0x2069));
    }

    /** Whether the text holds a character {@link #shown} refuses, line breaks and tabs included. */
    public static boolean hasControl(String s) {
        return s != null && s.codePoints().anyMatch(c -> !shown(c));
    }

    /** The text with every control character replaced, except line breaks and tabs; null stays null. */
    public static String text(String s) {
        return replace(s, true);
    }

    /** The text on one line: line breaks and tabs replaced too. */
    public static String line(String s) {
        return replace(s, false);
    }

    private static String replace(String s, boolean keepLines) {
        if (s == null || !hasControl(s)) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (shown(c) || (keepLines && (c == '\n' || c == '\t'))) {
                b.appendCodePoint(c);
            } else {
                b.append('?');
            }
        });
        return b.toString();
    }
}
