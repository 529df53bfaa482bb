package dev.kashierrotator.config;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * One of a closed set as the configuration gives it ({@code test}, {@code webhook}, {@code approle}), converted
 * as it is read: each such enum declares the converter its entries name ({@code @WithConverter}), a line calling
 * {@link #read}. Text that names no member is kept, not thrown on, so that the check naming its entry adds it
 * to the one collector of problems with every other ({@link #in}), as {@link DurationSetting} does for
 * durations.
 */
public final class Choice<E extends Enum<E>> {

    private final String text;
    private final E value;
    private final List<String> ids;

    private Choice(String text, E value, List<String> ids) {
        this.text = text;
        this.value = value;
        this.ids = ids;
    }

    /**
     * The member of {@code members} whose {@code id} is {@code text} (spaces around it aside), or the text kept
     * as it was; null for blank text, which the configuration reads as not set (a default applies, or a
     * required entry is named missing).
     */
    public static <E extends Enum<E>> Choice<E> read(String text, E[] members, Function<E, String> id) {
        if (text == null || text.isBlank()) {
            return null;
        }
        // Spaces around it are no part of it: "live, test" is a list of two.
        E found = Arrays.stream(members)
                .filter(m -> id.apply(m).equals(text.strip()))
                .findFirst()
                .orElse(null);
        return new Choice<>(text, found, Arrays.stream(members).map(id).toList());
    }

    /** The member, if the text names one. */
    public Optional<E> value() {
        return Optional.ofNullable(value);
    }

    /** The member of the entry {@code at}; when the text names none, a problem naming it and empty. */
    public Optional<E> in(String at, ConfigurationProblems problems) {
        if (value == null) {
            problems.add(at, "must be " + allowed() + ", got '" + text + "'");
        }
        return value();
    }

    /** {@code a, b or c}. */
    private String allowed() {
        return ids.size() == 1
                ? ids.get(0)
                : String.join(", ", ids.subList(0, ids.size() - 1)) + " or " + ids.get(ids.size() - 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Choice<?> other && Objects.equals(text, other.text);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(text);
    }

    @Override
    public String toString() {
        return text;
    }
}
