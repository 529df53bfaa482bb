package dev.kashierrotator.kkr;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kashierrotator.util.Printable;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Text for people (aligned tables, facts), or the API's JSON as it came for {@code --output json}. */
final class Output {

    private final PrintStream out;
    private final boolean json;

    Output(PrintStream out, boolean json) {
        this.out = out;
        this.json = json;
    }

    boolean json() {
        return json;
    }

    void print(JsonNode value, Runnable text) {
        if (json) {
            try {
                out.println(Api.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            text.run();
        }
    }

    void table(List<String> header, JsonNode rows, Function<JsonNode, List<String>> cells) {
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        // A cell is one line: a line break in it would start a row of its own.
        rows.forEach(r -> all.add(cells.apply(r).stream().map(Printable::line).toList()));
        int[] width = new int[header.size()];
        for (List<String> row : all) {
            for (int i = 0; i < row.size(); i++) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        for (List<String> row : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(i == row.size() - 1 ? row.get(i) : String.format("%-" + (width[i] + 2) + "s", row.get(i)));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    /** One object's fields, one per line (nested ones as JSON). */
    void facts(JsonNode object) {
        int width = 0;
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            width = Math.max(width, names.next().length());
        }
        for (Iterator<Map.Entry<String, JsonNode>> f = object.fields(); f.hasNext(); ) {
            Map.Entry<String, JsonNode> e = f.next();
            String v = e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString();
            out.println(String.format("%-" + (width + 2) + "s", e.getKey()) + (e.getValue().isNull() ? "-" : Printable.line(v)));
        }
    }

    static String age(JsonNode seconds) {
        if (seconds == null || seconds.isNull() || seconds.isMissingNode()) {
            return "-";
        }
        long s = seconds.asLong();
        long d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60;
        return d > 0 ? d + "d" + h + "h" : h > 0 ? h + "h" + m + "m" : m > 0 ? m + "m" : s + "s";
    }
}
