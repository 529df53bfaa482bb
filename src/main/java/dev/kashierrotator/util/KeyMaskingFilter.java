package dev.kashierrotator.util;

import io.quarkus.logging.LoggingFilter;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logmanager.ExtLogRecord;

/**
 * Second line of defence: whatever a log line says, anything shaped like a Kashier key is masked
 * before a handler writes it: a secret key (32 hex, {@code $}, 96 hex) and a payment API key (a bare
 * UUID; ids that merely contain one, such as {@code pk-<uuid>}, are left alone). Exceptions attached
 * to the record are replaced by masked copies when their messages hold such a string. The code never
 * logs key values on purpose; this catches the mistake that slips through a review.
 */
@LoggingFilter(name = "mask-kashier-keys")
public final class KeyMaskingFilter implements Filter {

    private static final Pattern KEY_SHAPED = Pattern.compile(
            KeyShapes.SECRET_KEY + "|(?<![0-9A-Za-z_-])" + KeyShapes.PAYMENT_API_KEY + "(?![0-9A-Za-z_-])");

    /** Whether the text holds something shaped like a Kashier key (to refuse it where no key belongs). */
    public static boolean containsKeyShape(String text) {
        return text != null && KEY_SHAPED.matcher(text).find();
    }

    /** What a masked key reads as. */
    public static final String MASK = "[masked-kashier-key]";

    @Override
    public boolean isLoggable(LogRecord record) {
        if (record instanceof ExtLogRecord ext) {
            String formatted = ext.getFormattedMessage();
            String masked = mask(formatted);
            if (masked != formatted) {
                ext.setMessage(masked, ExtLogRecord.FormatStyle.NO_FORMAT);
                ext.setParameters(null);
            }
        } else if (record.getMessage() != null && record.getParameters() == null) {
            record.setMessage(mask(record.getMessage()));
        }
        if (record.getThrown() != null && holdsKey(record.getThrown())) {
            record.setThrown(masked(record.getThrown()));
        }
        return true;
    }

    /** The text with every key-shaped string masked; the same instance when there was none. */
    public static String mask(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = KEY_SHAPED.matcher(text);
        return m.find() ? m.replaceAll(Matcher.quoteReplacement(MASK)) : text;
    }

    private static boolean holdsKey(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null && mask(c.getMessage()) != c.getMessage()) {
                return true;
            }
        }
        return false;
    }

    /** A copy of the exception chain with masked messages, same classes named and same stack traces. */
    private static Throwable masked(Throwable t) {
        Throwable copy = new MaskedException(
                t.getClass().getName() + ": " + mask(t.getMessage()),
                t.getCause() == null || t.getCause() == t ? null : masked(t.getCause()));
        copy.setStackTrace(t.getStackTrace());
        return copy;
    }

    /** Stands in for an exception whose message held a key. */
    static final class MaskedException extends RuntimeException {
        MaskedException(String message, Throwable cause) {
            super(message, cause, false, true);
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }
}
