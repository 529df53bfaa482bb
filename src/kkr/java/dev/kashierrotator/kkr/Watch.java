package dev.kashierrotator.kkr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code --wait} and {@code --watch}: a rotation's progress from the service's event stream until it ends.
 * On a terminal the view (steps, and each wave as a bar of dependents confirmed / failed) is redrawn in
 * place; otherwise each change is one plain line. When the rotation waits for a person, the instructions
 * are printed and the answer can be given right here: the key at a hidden prompt (or one line of standard
 * input), or Enter once the dashboard step is done. With no answer the exit code says a person is needed.
 */
final class Watch {

    private static final Set<String> OVER = Set.of("COMPLETED", "FAILED", "ROLLED_BACK", "ABORTED");
    private static final Set<String> TAKES_KEY = Set.of("ISSUE_NEW_KEY", "CHANGE_SECRET_KEY");

    private final Api api;
    private final PrintStream out;
    private final PrintStream err;
    private final BufferedReader in;
    private final boolean json;
    private final boolean terminal = System.console() != null && System.getenv("KKR_FORCE_STDIN") == null;
    private ObjectNode r;
    private int drawn;
    private String asked;
    private final List<String> lines = new ArrayList<>();

    Watch(Api api, PrintStream out, PrintStream err, BufferedReader in, boolean json) {
        this.api = api;
        this.out = out;
        this.err = err;
        this.in = in;
        this.json = json;
    }

    /**
     * Follows the rotation to its end (or to a person's step nobody answers here); answers its exit code. A
     * dropped stream is resumed with Last-Event-ID, so no change is missed.
     */
    int follow(String id) {
        String lastId = null;
        for (int reconnects = 0; reconnects < 1000; reconnects++) {
            try (Stream<String> stream = api.events("/api/v1/rotations/" + id + "/events", lastId)) {
                String eventId = null;
                String name = "message";
                StringBuilder data = new StringBuilder();
                for (Iterator<String> it = stream.iterator(); it.hasNext(); ) {
                    String line = it.next();
                    if (line.isEmpty()) {
                        if (data.length() > 0) {
                            apply(name, Api.parse(data.toString()));
                            if (eventId != null) {
                                lastId = eventId;
                            }
                            // Mid-version the rotation's state (sent last) is not current yet: judge nothing.
                            Integer done = wholeVersion(eventId) ? afterChange(id) : null;
                            if (done != null) {
                                return done;
                            }
                        }
                        name = "message";
                        data.setLength(0);
                        eventId = null;
                    } else if (line.startsWith("id:")) {
                        eventId = line.substring(3).strip();
                    } else if (line.startsWith("event:")) {
                        name = line.substring(6).strip();
                    } else if (line.startsWith("data:")) {
                        data.append(line.substring(5).strip());
                    }
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // The connection dropped or an event was garbled: reconnect from the last good one.
            }
            if (r != null && OVER.contains(r.path("state").asText())) {
                return finish();
            }
        }
        throw new Failure(Failure.UNREACHABLE, "the event stream of " + id + " kept dropping");
    }

    /**
     * Whether an event completes its record version ({@code <rotation>@<version>}, not
     * {@code <rotation>@<version>.<n>}), or is a whole rotation: only then is the shown state consistent.
     */
    static boolean wholeVersion(String eventId) {
        return eventId == null || !eventId.substring(eventId.lastIndexOf('@') + 1).contains(".");
    }

    private void apply(String name, JsonNode data) {
        switch (name) {
            case "rotation" -> {
                // The whole rotation (on connecting, or after a reconnection that could not be resumed
                // exactly): what differs from what was shown is still told, a line each.
                if (r != null) {
                    changes(r, data);
                }
                r = (ObjectNode) data;
            }
            case "state" -> {
                if (r != null) {
                    data.fields().forEachRemaining(f -> r.set(f.getKey(), f.getValue()));
                }
            }
            case "step" -> {
                if (r != null) {
                    ArrayNode steps = (ArrayNode) r.path("steps");
                    JsonNode step = data.path("step");
                    int i = indexOf(steps, "name", step.path("name").asText());
                    if (i >= 0) {
                        steps.set(i, step);
                    } else {
                        steps.add(step);
                    }
                    line("step " + step.path("name").asText() + " " + step.path("state").asText());
                }
            }
            case "wave" -> {
                if (r != null) {
                    for (JsonNode w : r.path("waves")) {
                        if (w.path("index").asInt() == data.path("index").asInt()) {
                            ((ObjectNode) w).set("state", data.path("state"));
                        }
                    }
                    line("wave " + data.path("index").asText() + " " + data.path("state").asText() + ": "
                            + data.path("confirmed").asText() + "/" + data.path("total").asText() + " confirmed"
                            + (data.path("failed").asInt() > 0 ? ", " + data.path("failed").asText() + " failed" : ""));
                }
            }
            case "dependent" -> {
                if (r != null) {
                    for (JsonNode w : r.path("waves")) {
                        if (w.path("index").asInt() == data.path("wave").asInt()) {
                            ArrayNode deps = (ArrayNode) w.path("dependents");
                            int i = indexOf(deps, "id", data.at("/dependent/id").asText());
                            if (i >= 0) {
                                deps.set(i, data.path("dependent"));
                            }
                        }
                    }
                }
            }
            default -> {}
        }
    }

    private void changes(JsonNode before, JsonNode after) {
        for (JsonNode s : after.path("steps")) {
            String was = "";
            for (JsonNode b : before.path("steps")) {
                if (b.path("name").asText().equals(s.path("name").asText())) {
                    was = b.path("state").asText();
                }
            }
            if (!was.equals(s.path("state").asText())) {
                line("step " + s.path("name").asText() + " " + s.path("state").asText());
            }
        }
        for (JsonNode w : after.path("waves")) {
            for (JsonNode b : before.path("waves")) {
                if (b.path("index").asInt() == w.path("index").asInt()
                        && !b.path("state").asText().equals(w.path("state").asText())) {
                    int total = w.path("dependents").size();
                    int confirmed = 0;
                    for (JsonNode d : w.path("dependents")) {
                        confirmed += d.path("state").asText().equals("CONFIRMED") ? 1 : 0;
                    }
                    line("wave " + w.path("index").asText() + " " + w.path("state").asText() + ": " + confirmed + "/"
                            + total + " confirmed");
                }
            }
        }
    }

    /** After each change: the view, a person's step, or the end. */
    private Integer afterChange(String id) {
        if (r == null) {
            return null;
        }
        draw();
        String state = r.path("state").asText();
        if (OVER.contains(state)) {
            return finish();
        }
        JsonNode step = runningStep(r);
        if ("AWAITING_DASHBOARD".equals(state) && step != null) {
            String question = step.path("name").asText() + "|" + step.path("detail").asText();
            if (!question.equals(asked)) {
                asked = question;
                return askPerson(id, step);
            }
        }
        return null;
    }

    private Integer askPerson(String id, JsonNode step) {
        err.println();
        err.println("Rotation " + id + " waits for you at the Kashier dashboard (" + step.path("name").asText() + "):");
        // The step's detail was cleaned when it was read (Api.parse): no escape sequence reaches the terminal.
        err.println(step.path("detail").asText());
        boolean key = takesKey(r, step);
        while (true) {
            String answer = readAnswer(key);
            if (answer == null || (key && answer.isBlank())) {
                err.println("Left waiting for a person: answer with 'kkr confirm " + id + "'.");
                return Failure.WAITING_FOR_PERSON;
            }
            try {
                api.post("/api/v1/rotations/" + id + "/confirm", key ? Map.of("newKey", answer.strip()) : Map.of());
                break;
            } catch (Failure refused) {
                if (!refused.answerRefused()) {
                    throw refused;
                }
                // A key pasted short, or from the wrong screen: the step still waits, so the person tries again.
                err.println("Not taken: " + refused.getMessage() + "\nThe rotation still waits for you.");
            }
        }
        err.println("Answered; the rotation goes on.");
        drawn = 0;
        return null;
    }

    /** The person's answer: the key, "done", or null for "leave it waiting". */
    private String readAnswer(boolean key) {
        String answer;
        if (terminal) {
            err.println();
            if (key) {
                char[] chars = System.console().readPassword("Paste the new key here (hidden; Enter alone leaves it waiting): ");
                answer = chars == null ? null : new String(chars);
            } else {
                answer = System.console().readLine("Press Enter once it is done in the dashboard (q leaves it waiting): ");
                answer = answer == null || answer.strip().equals("q") ? null : "done";
            }
        } else {
            if (!key) {
                err.println("Type done on standard input once it is done in the dashboard (anything else leaves it "
                        + "waiting).");
            }
            try {
                answer = in.readLine();
            } catch (IOException e) {
                answer = null;
            }
            // Without a terminal nobody may have read the instructions: only the word itself says it was done.
            if (!key && answer != null && !answer.strip().equalsIgnoreCase("done")) {
                answer = null;
            }
        }
        return answer;
    }

    private int finish() {
        String state = r.path("state").asText();
        if (json) {
            try {
                out.println(Api.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        } else {
            out.println(r.path("id").asText() + " " + state
                    + (r.path("error").isTextual() ? ": " + r.path("error").asText() : ""));
        }
        return exitCode(state);
    }

    private void line(String text) {
        lines.add(text);
    }

    /** The view: redrawn in place on a terminal; else the changes since the last draw, a line each. */
    private void draw() {
        if (json) {
            lines.clear();
            return;
        }
        if (!terminal) {
            lines.forEach(out::println);
            lines.clear();
            return;
        }
        lines.clear();
        List<String> view = new ArrayList<>();
        view.add(r.path("id").asText() + "  " + r.path("keyId").asText() + "  " + r.path("state").asText());
        for (JsonNode s : r.path("steps")) {
            // ASCII only: any terminal, any locale.
            String mark = switch (s.path("state").asText()) {
                case "DONE" -> "[x]";
                case "RUNNING" -> "[>]";
                case "FAILED" -> "[!]";
                case "SKIPPED" -> "[-]";
                default -> "[ ]";
            };
            view.add("  " + mark + " " + s.path("name").asText());
        }
        for (JsonNode w : r.path("waves")) {
            int total = w.path("dependents").size();
            int confirmed = 0;
            int failed = 0;
            for (JsonNode d : w.path("dependents")) {
                String st = d.path("state").asText();
                confirmed += st.equals("CONFIRMED") ? 1 : 0;
                failed += st.equals("FAILED") || st.equals("ROLLBACK_FAILED") ? 1 : 0;
            }
            view.add("  wave " + w.path("index").asText() + " " + bar(confirmed, failed, total) + " " + confirmed + "/"
                    + total + " confirmed" + (failed > 0 ? ", " + failed + " failed" : ""));
        }
        StringBuilder frame = new StringBuilder();
        if (drawn > 0) {
            frame.append("\033[").append(drawn).append("F\033[J");
        }
        view.forEach(v -> frame.append(v).append('\n'));
        out.print(frame);
        out.flush();
        drawn = view.size();
    }

    static String bar(int confirmed, int failed, int total) {
        int width = 20;
        if (total == 0) {
            return "[" + " ".repeat(width) + "]";
        }
        int ok = confirmed * width / total;
        int bad = Math.min(width - ok, (failed * width + total - 1) / total);
        return "[" + "#".repeat(ok) + "x".repeat(bad) + ".".repeat(width - ok - bad) + "]";
    }

    static JsonNode runningStep(JsonNode r) {
        for (JsonNode s : r.path("steps")) {
            if ("RUNNING".equals(s.path("state").asText())) {
                return s;
            }
        }
        return null;
    }

    /** Whether the step waiting for a person takes a key (not when it waits for dependents to be fixed). */
    static boolean takesKey(JsonNode r, JsonNode step) {
        return TAKES_KEY.contains(step.path("name").asText()) && r.path("blockedBy").isEmpty();
    }

    static int exitCode(String state) {
        return switch (state) {
            case "COMPLETED" -> Failure.OK;
            case "FAILED" -> Failure.FAILED;
            case "ROLLED_BACK" -> Failure.ROLLED_BACK;
            case "ABORTED" -> Failure.ABORTED;
            case "AWAITING_DASHBOARD" -> Failure.WAITING_FOR_PERSON;
            default -> Failure.OK;
        };
    }

    /** A rotation in plain lines (kkr status). */
    static void describe(PrintStream out, JsonNode r) {
        out.println(r.path("id").asText() + "  " + r.path("keyId").asText() + "  " + r.path("state").asText()
                + (r.path("error").isTextual() ? ": " + r.path("error").asText() : ""));
        for (JsonNode s : r.path("steps")) {
            out.println("  " + s.path("state").asText() + "  " + s.path("name").asText());
        }
        JsonNode step = runningStep(r);
        if ("AWAITING_DASHBOARD".equals(r.path("state").asText()) && step != null) {
            out.println();
            out.println(step.path("detail").asText());
        }
    }

    private static int indexOf(ArrayNode array, String field, String value) {
        for (int i = 0; i < array.size(); i++) {
            if (value.equals(array.get(i).path(field).asText())) {
                return i;
            }
        }
        return -1;
    }
}
