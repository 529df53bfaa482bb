package dev.kashierrotator.inventory;

import dev.kashierrotator.config.ConfigurationProblems;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Proxy;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.Converter;

/**
 * The dependents as configured ({@code rotator.dependents.<id>.*}), read in one pass over the configuration's
 * property names. Each setting is declared once, in {@link InventoryConfig.Dependent}, with its name, default
 * and converter (the mapping annotations, honoured here). The dependents are not a mapped part of
 * {@link InventoryConfig}: SmallRye Config 3.16 (Quarkus 3.33) builds each entry of a map of groups by looking
 * through every property name, so start-up grew with the square of the inventory (about 0.6 s of it for
 * 1,000 dependents, 1.5 s for 2,000); this read grows with its size. The mapping's own check of unknown
 * entries leaves this prefix alone ({@link MappingIgnores}); this read names an unknown setting itself.
 */
public final class DependentSettings {

    /** Where the dependents are configured. */
    public static final String PREFIX = "rotator.dependents.";

    private static final String ENV_PREFIX = "ROTATOR_DEPENDENTS_";

    /** Each setting of a dependent, by its name in the configuration. */
    private static final Map<String, Setting> SETTINGS = settings();

    private DependentSettings() {}

    /**
     * The dependents the configuration names, by id, each setting converted as the mapping would; an unknown
     * setting, a missing required one or a number that is none is added to {@code problems} (a dependent
     * missing a required setting is left out, named).
     */
    public static Map<String, InventoryConfig.Dependent> read(Config config, ConfigurationProblems problems) {
        // id -> settings given for it (unindexed names); the environment's variables, matched below.
        Map<String, Set<String>> given = new TreeMap<>();
        List<String> variables = new ArrayList<>();
        for (String name : config.getPropertyNames()) {
            if (name.startsWith(ENV_PREFIX)) {
                variables.add(name);
            }
            if (!name.startsWith(PREFIX)) {
                continue; // another entry, or one of a profile not active ("%dev.rotator...": active ones come
                // unprefixed)
            }
            String[] idAndSetting = split(name.substring(PREFIX.length()));
            if (idAndSetting != null) {
                given.computeIfAbsent(idAndSetting[0], k -> new TreeSet<>()).add(idAndSetting[1]);
            }
        }
        environment(variables, given);
        Map<String, InventoryConfig.Dependent> dependents = new LinkedHashMap<>();
        given.forEach((id, names) -> {
            String at = PREFIX + (id.contains(".") ? "\"" + id + "\"" : id);
            for (String name : names) {
                if (!SETTINGS.containsKey(name)) {
                    problems.add(
                            at + "." + name,
                            "not a setting of a dependent; the settings are " + String.join(", ", SETTINGS.keySet()));
                }
            }
            Map<Method, Object> values = new HashMap<>();
            boolean complete = true;
            for (Setting s : SETTINGS.values()) {
                Optional<?> value = s.read(config, at + "." + s.name, names.contains(s.name), problems);
                if (value.isEmpty() && s.required()) {
                    problems.add(at + "." + s.name, "required for every dependent");
                    complete = false;
                }
                values.put(s.method, s.optional ? value : value.orElse(null));
            }
            if (complete) {
                dependents.put(id, view(id, values));
            }
        });
        return dependents;
    }

    /**
     * The dependent's id and its setting's name (without a list's index) from what follows the prefix:
     * {@code billing.url}, {@code "a.b".keys[0]}; null for a name that is neither.
     */
    private static String[] split(String rest) {
        String id;
        int after;
        if (rest.startsWith("\"")) {
            int close = rest.indexOf('"', 1);
            if (close < 0) {
                return null;
            }
            id = rest.substring(1, close);
            after = close + 1;
        } else {
            after = rest.indexOf('.');
            if (after < 0) {
                return null;
            }
            id = rest.substring(0, after);
        }
        if (after >= rest.length() || rest.charAt(after) != '.') {
            return null;
        }
        String setting = rest.substring(after + 1);
        int index = setting.indexOf('[');
        return new String[] {id, index < 0 ? setting : setting.substring(0, index)};
    }

    /**
     * Settings given only as environment variables ({@code ROTATOR_DEPENDENTS_BILLING_SIGNING_SECRET}) of a
     * dependent named elsewhere: as the mapping did, the variable's name is matched to a known setting.
     */
    private static void environment(List<String> variables, Map<String, Set<String>> given) {
        Map<String, String> idOfEnvPrefix = new HashMap<>();
        given.keySet().forEach(id -> idOfEnvPrefix.put(ENV_PREFIX + envForm(id) + "_", id));
        Map<String, String> settingOfEnvName = new HashMap<>();
        SETTINGS.keySet().forEach(name -> settingOfEnvName.put(envForm(name), name));
        for (String name : variables) {
            idOfEnvPrefix.forEach((prefix, id) -> {
                if (name.startsWith(prefix)) {
                    String setting = settingOfEnvName.get(name.substring(prefix.length()));
                    if (setting != null) {
                        given.get(id).add(setting);
                    }
                }
            });
        }
    }

    private static String envForm(String name) {
        return name.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    /** The dependent as {@link InventoryConfig.Dependent}: each method answers its setting. */
    private static InventoryConfig.Dependent view(String id, Map<Method, Object> values) {
        return (InventoryConfig.Dependent) Proxy.newProxyInstance(
                InventoryConfig.Dependent.class.getClassLoader(),
                new Class<?>[] {InventoryConfig.Dependent.class},
                (proxy, method, args) -> {
                    if (values.containsKey(method)) {
                        return values.get(method);
                    }
                    return switch (method.getName()) {
                        case "equals" -> proxy == args[0];
                        case "hashCode" -> System.identityHashCode(proxy);
                        // Never the values: the signing secret is one.
                        case "toString" -> "dependent " + id;
                        default -> throw new UnsupportedOperationException(method.toString());
                    };
                });
    }

    private static Map<String, Setting> settings() {
        Map<String, Setting> all = new LinkedHashMap<>();
        Arrays.stream(InventoryConfig.Dependent.class.getMethods())
                .filter(m -> !m.isDefault() && m.getParameterCount() == 0)
                .sorted(Comparator.comparing(Method::getName))
                .map(Setting::of)
                .forEach(s -> all.put(s.name, s));
        return all;
    }

    /** The kinds of value a dependent's setting holds. */
    private enum Shape {
        TEXT,
        NUMBER,
        LIST,
        CONVERTED
    }

    /** One setting: its accessor, name, shape, whether optional, default and converter. */
    private static final class Setting {
        final Method method;
        final String name;
        final Shape shape;
        final boolean optional;
        final String fallback;
        final Converter<?> converter;

        private Setting(
                Method method, String name, Shape shape, boolean optional, String fallback, Converter<?> converter) {
            this.method = method;
            this.name = name;
            this.shape = shape;
            this.optional = optional;
            this.fallback = fallback;
            this.converter = converter;
        }

        static Setting of(Method m) {
            WithName named = m.getAnnotation(WithName.class);
            // Named as the mapping names it, by SmallRye's own strategy.
            String name = named != null ? named.value() : ConfigMapping.NamingStrategy.KEBAB_CASE.apply(m.getName());
            WithDefault fallback = m.getAnnotation(WithDefault.class);
            WithConverter converted = m.getAnnotation(WithConverter.class);
            Type type = m.getGenericReturnType();
            boolean optional = m.getReturnType() == Optional.class;
            Type inner = optional ? ((ParameterizedType) type).getActualTypeArguments()[0] : type;
            Class<?> raw = inner instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) inner;
            Shape shape;
            if (converted != null) {
                shape = Shape.CONVERTED;
            } else if (raw == String.class) {
                shape = Shape.TEXT;
            } else if (raw == int.class || raw == Integer.class) {
                shape = Shape.NUMBER;
            } else if (raw == List.class) {
                shape = Shape.LIST;
            } else {
                throw new IllegalStateException("a dependent's setting of a type this read does not know: " + m);
            }
            try {
                return new Setting(
                        m,
                        name,
                        shape,
                        optional,
                        fallback == null ? null : fallback.value(),
                        converted == null
                                ? null
                                : converted.value().getDeclaredConstructor().newInstance());
            } catch (NoSuchMethodException
                    | InstantiationException
                    | IllegalAccessException
                    | InvocationTargetException e) {
                throw new IllegalStateException("cannot make the converter of " + m, e);
            }
        }

        boolean required() {
            return !optional && fallback == null;
        }

        /** The setting's value at {@code entry} (looked up only when given or possibly from the environment). */
        Optional<?> read(Config config, String entry, boolean given, ConfigurationProblems problems) {
            if (!given) {
                return fallback == null ? Optional.empty() : convert(fallback, entry, problems);
            }
            // A list as SmallRye reads one (comma-separated, or indexed as YAML writes it); else one value.
            Optional<?> value = shape == Shape.LIST
                    ? config.getOptionalValues(entry, String.class).map(DependentSettings::stripped)
                    : config.getOptionalValue(entry, String.class).flatMap(text -> convert(text, entry, problems));
            return value.isPresent() ? value : read(config, entry, false, problems);
        }

        private Optional<?> convert(String text, String entry, ConfigurationProblems problems) {
            return switch (shape) {
                case TEXT -> Optional.of(text);
                case LIST -> Optional.of(stripped(List.of(text.split(","))));
                case CONVERTED -> Optional.ofNullable(converter.convert(text));
                case NUMBER -> {
                    try {
                        yield Optional.of(Integer.parseInt(text.strip()));
                    } catch (NumberFormatException e) {
                        problems.add(entry, "must be a whole number, got '" + text + "'");
                        yield Optional.of(0);
                    }
                }
            };
        }
    }

    private static List<String> stripped(List<String> items) {
        return items.stream().map(String::strip).toList();
    }
}
