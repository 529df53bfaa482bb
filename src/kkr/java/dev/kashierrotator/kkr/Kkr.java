package dev.kashierrotator.kkr;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * kkr: the command line of Kashier Key Rotator (docs/kkr.md). A client of the REST API: every command is
 * one or a few calls, with {@code --output json} for scripts and exit codes they can branch on. A key is
 * read from a hidden prompt or standard input, never from the arguments, and never printed.
 */
public final class Kkr {

    /** Kashier's key shapes: a payment API key (UUID) and a secret key (32 hex, $, 96 hex). */
    private static final Pattern KEY_SHAPE = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32}\\$[0-9a-fA-F]{96}");

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final BufferedReader in;
    /** Where kkr login keeps the address and the token: $XDG_CONFIG_HOME/kkr, else $HOME/.config/kkr. */
    private final Path config;

    Kkr(PrintStream out, PrintStream err, Map<String, String> env, BufferedReader in) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.in = in;
        String xdg = env.get("XDG_CONFIG_HOME");
        // $HOME as the shell has it: Java's user.home comes from the password database and ignores it.
        String home = env.get("HOME");
        Path base = xdg != null && !xdg.isBlank()
                ? Path.of(xdg)
                : Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"), ".config");
        this.config = base.resolve("kkr");
    }

    public static void main(String[] argv) {
        Kkr kkr = new Kkr(
                System.out,
                System.err,
                System.getenv(),
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        System.exit(kkr.run(argv));
    }

    int run(String[] argv) {
        try {
            for (String a : argv) {
                if (KEY_SHAPE.matcher(a).find()) {
                    throw Failure.usage("an argument looks like a Kashier key: keys never go on the command line "
                            + "(shell history, the process list). Run 'kkr confirm <rotation>' and paste the key "
                            + "at the hidden prompt, or pipe it on standard input.");
                }
            }
            Args args = new Args(argv);
            if (args.words.isEmpty() || args.flag("help") || args.words.get(0).equals("help")) {
                out.print(USAGE);
                return args.words.isEmpty() && !args.flag("help") ? Failure.USAGE : Failure.OK;
            }
            return dispatch(args);
        } catch (Failure f) {
            err.println("kkr: " + f.getMessage());
            return f.code;
        }
    }

    private int dispatch(Args a) {
        String command = a.words.get(0);
        switch (command) {
            case "completion":
                a.only();
                out.print(Completion.script(a.word(1, "the shell: bash or zsh")));
                return Failure.OK;
            case "login":
                a.only();
                return login(a);
            default:
                break;
        }
        Api api = api(a);
        Output o = new Output(out, "json".equals(a.option("output")));
        switch (command) {
            case "whoami" -> {
                a.only();
                JsonNode me = api.get("/api/v1/whoami");
                o.print(me, () -> out.println(me.path("subject").asText() + " (" + me.path("role").asText()
                        + "; modes " + join(me.path("modes")) + "; may " + join(me.path("permissions")) + ")"));
            }
            case "keys" -> {
                a.only();
                JsonNode keys = api.get("/api/v1/keys");
                o.print(keys, () -> o.table(
                        List.of("ID", "MODE", "KIND", "FINGERPRINT", "AGE", "NEXT ROTATION", "RUNNING"),
                        keys,
                        k -> List.of(
                                k.path("id").asText(),
                                k.path("mode").asText(),
                                k.path("kind").asText(),
                                k.path("fingerprint").asText("-"),
                                Output.age(k.path("ageSeconds")),
                                k.path("nextRotationAt").asText("-"),
                                k.path("rotationInProgress").asBoolean() ? "yes" : "no")));
            }
            case "key" -> {
                a.only();
                JsonNode k = api.get("/api/v1/keys/" + a.word(1, "the key id"));
                o.print(k, () -> o.facts(k));
            }
            case "rotate" -> {
                a.only("reason", "emergency", "order", "dry-run", "wait");
                return rotate(a, api, o);
            }
            case "status" -> {
                a.only("watch");
                String id = a.word(1, "the rotation id");
                if (a.flag("watch")) {
                    return new Watch(api, out, err, in, o.json()).follow(id);
                }
                JsonNode r = api.get("/api/v1/rotations/" + id);
                o.print(r, () -> Watch.describe(out, r));
                return Watch.exitCode(r.path("state").asText());
            }
            case "confirm" -> {
                a.only();
                return confirm(api, o, a.word(1, "the rotation id"));
            }
            case "abort" -> {
                a.only("reason");
                JsonNode r = api.post(
                        "/api/v1/rotations/" + a.word(1, "the rotation id") + "/abort",
                        Map.of("reason", a.required("reason", "say why")));
                o.print(r, () -> out.println("abort asked for: " + r.path("id").asText()
                        + " rolls back; follow it with 'kkr status " + r.path("id").asText() + " --watch'"));
            }
            case "rotations" -> {
                a.only("key", "state", "limit");
                StringBuilder q = new StringBuilder("/api/v1/rotations?limit=" + value(a.option("limit"), "50"));
                if (a.option("key") != null) {
                    q.append("&keyId=").append(a.option("key"));
                }
                if (a.option("state") != null) {
                    q.append("&state=").append(a.option("state"));
                }
                JsonNode list = api.get(q.toString());
                o.print(list, () -> o.table(
                        List.of("ID", "KEY", "STATE", "TRIGGER", "BY", "CREATED"),
                        list,
                        r -> List.of(
                                r.path("id").asText(),
                                r.path("keyId").asText(),
                                r.path("state").asText(),
                                r.path("emergency").asBoolean()
                                        ? "emergency " + r.path("order").asText()
                                        : r.path("trigger").asText(),
                                r.path("requestedBy").asText(),
                                r.path("createdAt").asText())));
            }
            case "audit" -> {
                a.only("limit");
                if (a.words.size() > 1 && a.words.get(1).equals("verify")) {
                    JsonNode v = api.get("/api/v1/audit/verify");
                    o.print(v, () -> out.println(v.path("intact").asBoolean()
                            ? "intact: " + v.path("eventsChecked").asText() + " events checked"
                            : "BROKEN at event " + v.path("brokenAt").asText() + ": " + v.path("problem").asText()));
                    return v.path("intact").asBoolean() ? Failure.OK : Failure.FAILED;
                }
                JsonNode events = api.get("/api/v1/audit?limit=" + value(a.option("limit"), "20"));
                o.print(events, () -> o.table(
                        List.of("SEQ", "TIME", "ACTOR", "ACTION", "KEY", "OUTCOME", "DETAIL"),
                        events,
                        e -> List.of(
                                e.path("seq").asText(),
                                e.path("time").asText(),
                                e.path("actor").asText(),
                                e.path("action").asText(),
                                e.path("keyId").asText("-"),
                                e.path("outcome").asText(),
                                e.path("detail").asText(""))));
            }
            case "pause" -> {
                a.only("reason", "until", "for");
                Map<String, String> body = new LinkedHashMap<>();
                body.put("reason", a.required("reason", "say why scheduled rotations must wait"));
                if (a.option("until") != null) {
                    body.put("until", a.option("until"));
                }
                if (a.option("for") != null) {
                    body.put("for", a.option("for"));
                }
                JsonNode s = api.post("/api/v1/schedule/pause", body);
                o.print(s, () -> out.println("scheduled rotations paused until " + s.path("until").asText()));
            }
            case "resume" -> {
                a.only("reason");
                Map<String, String> body = new LinkedHashMap<>();
                if (a.option("reason") != null) {
                    body.put("reason", a.option("reason"));
                }
                JsonNode s = api.post("/api/v1/schedule/resume", body);
                o.print(s, () -> out.println("scheduled rotations run"));
            }
            case "schedule" -> {
                a.only();
                JsonNode s = api.get("/api/v1/schedule");
                o.print(s, () -> o.facts(s));
            }
            default -> throw Failure.usage("unknown command '" + command + "' (kkr help)");
        }
        return Failure.OK;
    }

    private int rotate(Args a, Api api, Output o) {
        String key = a.word(1, "the key id");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("reason", a.required("reason", "say why the key rotates (shown to everyone; never a key)"));
        if (a.flag("emergency")) {
            body.put("emergency", true);
            if (a.option("order") != null) {
                body.put("order", a.option("order"));
            }
        } else if (a.option("order") != null) {
            throw Failure.usage("--order applies to --emergency rotations only");
        }
        if (a.flag("dry-run")) {
            body.put("dryRun", true);
            JsonNode plan = api.post("/api/v1/keys/" + key + "/rotations", body);
            o.print(plan, () -> {
                out.println("steps: " + join(plan.path("steps")));
                for (JsonNode w : plan.path("waves")) {
                    List<String> deps = new ArrayList<>();
                    w.path("dependents").forEach(d -> deps.add(d.path("id").asText()));
                    out.println("wave " + w.path("index").asText() + ": " + String.join(", ", deps));
                }
                out.println(plan.path("allWavesAtOnce").asBoolean()
                        ? "all waves at once"
                        : "soak " + plan.path("soak").asText() + " between waves");
            });
            return Failure.OK;
        }
        JsonNode r = api.post("/api/v1/keys/" + key + "/rotations", body);
        String id = r.path("id").asText();
        if (a.flag("wait")) {
            if (!o.json()) {
                out.println("rotation " + id + " started");
            }
            return new Watch(api, out, err, in, o.json()).follow(id);
        }
        o.print(r, () -> out.println(id));
        return Failure.OK;
    }

    /** Reads the key (hidden prompt, else standard input) and answers the step waiting for it. */
    int confirm(Api api, Output o, String id) {
        JsonNode r = api.get("/api/v1/rotations/" + id);
        JsonNode step = Watch.runningStep(r);
        if (!"AWAITING_DASHBOARD".equals(r.path("state").asText()) || step == null) {
            throw new Failure(Failure.REFUSED, "rotation " + id + " is " + r.path("state").asText()
                    + ": nothing waits for an answer");
        }
        Map<String, String> body = new LinkedHashMap<>();
        if (Watch.takesKey(r, step)) {
            String key = readSecret("New key (hidden): ");
            if (key == null || key.isBlank()) {
                throw Failure.usage("no key given: paste it at the prompt or pipe it on standard input");
            }
            body.put("newKey", key.strip());
        }
        JsonNode answered;
        try {
            answered = api.post("/api/v1/rotations/" + id + "/confirm", body);
        } catch (Failure refused) {
            if (!refused.answerRefused()) {
                throw refused;
            }
            throw new Failure(
                    Failure.REFUSED,
                    refused.getMessage() + "; the rotation still waits: try again with kkr confirm " + id);
        }
        o.print(answered, () -> out.println("answered " + step.path("name").asText() + " of " + id));
        return Failure.OK;
    }

    /** A secret from the terminal without echo, or one line of standard input when there is no terminal. */
    String readSecret(String prompt) {
        Console console = System.console();
        if (console != null && System.getenv("KKR_FORCE_STDIN") == null) {
            char[] chars = console.readPassword(prompt);
            return chars == null ? null : new String(chars);
        }
        try {
            return in.readLine();
        } catch (IOException e) {
            return null;
        }
    }

    private int login(Args a) {
        String url = a.option("url");
        if (url == null) {
            throw Failure.usage("--url is required: the service's address, such as https://kkr.payments.example");
        }
        String token = readSecret("Token for " + url + " (hidden): ");
        if (token == null || token.isBlank()) {
            throw Failure.usage("no token given");
        }
        Api api = new Api(url, token.strip(), caFile(a));
        JsonNode me = api.get("/api/v1/whoami");
        try {
            Files.createDirectories(config);
            Path tokenFile = config.resolve("token");
            Files.deleteIfExists(tokenFile);
            Files.createFile(tokenFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tokenFile, token.strip());
            Files.writeString(config.resolve("url"), url + "\n");
            if (a.option("ca-file") != null) {
                Files.writeString(config.resolve("ca-file"), Path.of(a.option("ca-file")).toAbsolutePath() + "\n");
            }
        } catch (IOException e) {
            throw new Failure(Failure.FAILED, "cannot write " + config + ": " + e.getMessage());
        }
        out.println("signed in to " + url + " as " + me.path("subject").asText() + " (" + me.path("role").asText()
                + "); token kept in " + config.resolve("token") + " (mode 0600)");
        return Failure.OK;
    }

    /** The connection: --url, KKR_URL or kkr login's; the token from KKR_TOKEN or a 0600 token file. */
    private Api api(Args a) {
        String url = first(a.option("url"), env.get("KKR_URL"), saved("url"));
        if (url == null) {
            throw Failure.usage("no service: give --url, set KKR_URL, or run 'kkr login --url <address>'");
        }
        String token = env.get("KKR_TOKEN");
        if (token == null || token.isBlank()) {
            String file = first(a.option("token-file"), env.get("KKR_TOKEN_FILE"));
            Path path = file != null ? Path.of(file) : config.resolve("token");
            if (file == null && !Files.exists(path)) {
                throw Failure.usage("no token: set KKR_TOKEN, give --token-file or KKR_TOKEN_FILE, or run 'kkr login'");
            }
            // kkr login's token is for the service it signed in to: never sent to another address.
            String signedIn = saved("url");
            if (file == null && signedIn != null && !sameService(url, signedIn)) {
                throw Failure.usage("the saved token is for " + signedIn + ", not " + url + ": run 'kkr login --url "
                        + url + "', or set KKR_TOKEN or KKR_TOKEN_FILE for it");
            }
            token = readTokenFile(path);
        }
        return new Api(url, token.strip(), caFile(a));
    }

    private static boolean sameService(String a, String b) {
        return a.strip().replaceAll("/+$", "").equalsIgnoreCase(b.strip().replaceAll("/+$", ""));
    }

    private Path caFile(Args a) {
        String ca = first(a.option("ca-file"), env.get("KKR_CA_FILE"), saved("ca-file"));
        return ca == null ? null : Path.of(ca);
    }

    /** A token file others can read is refused: the token is as good as a password. */
    static String readTokenFile(Path path) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
            if (!perms.equals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE))
                    && !perms.equals(Set.of(PosixFilePermission.OWNER_READ))) {
                throw Failure.usage("token file " + path + " has mode " + PosixFilePermissions.toString(perms)
                        + "; it must be readable by its owner only: chmod 600 " + path);
            }
            return Files.readString(path).strip();
        } catch (IOException e) {
            throw Failure.usage("cannot read token file " + path + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    private String saved(String name) {
        try {
            Path p = config.resolve(name);
            return Files.exists(p) ? Files.readString(p).strip() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    private static String value(String v, String otherwise) {
        return v == null ? otherwise : v;
    }

    static String join(JsonNode array) {
        List<String> s = new ArrayList<>();
        array.forEach(n -> s.add(n.asText()));
        return String.join(", ", s);
    }

    static final String USAGE = """
            kkr: the command line of Kashier Key Rotator

              kkr login --url URL [--ca-file F]      keep the service's address and a token (0600)
              kkr whoami
              kkr keys                               every key: fingerprint, age, next rotation
              kkr key ID
              kkr rotate ID --reason R [--emergency [--order push-first|revoke-first]] [--dry-run] [--wait]
              kkr status ROTATION [--watch]
              kkr confirm ROTATION                   answer the dashboard step (a key at a hidden prompt or on stdin)
              kkr abort ROTATION --reason R
              kkr rotations [--key ID] [--state S] [--limit N]
              kkr audit [--limit N] | kkr audit verify
              kkr schedule | kkr pause --reason R (--until T | --for 4h) | kkr resume [--reason R]
              kkr completion bash|zsh

            Connection: --url or KKR_URL; the token in KKR_TOKEN or a file readable by you only (--token-file,
            KKR_TOKEN_FILE, or kkr login's); --ca-file or KKR_CA_FILE for a private CA. https unless on this machine.
            Every command takes --output json. Exit codes: 0 done, 10 failed, 11 rolled back, 12 aborted,
            20 waiting for a person, 2 usage, 30 refused, 31 token not accepted, 40 unreachable.
            """;

}
