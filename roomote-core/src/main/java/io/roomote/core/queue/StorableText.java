package io.roomote.core.queue;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.spi.ValidationProblem;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Text and JSON that PostgreSQL can store as given. {@code text} and {@code jsonb} refuse NUL ({@code \u0000}), and
 * a lone UTF-16 surrogate ({@code "\ud800"}) is not Unicode: the driver would silently store it as {@code ?}.
 * A JSON number too large for a double ({@code 1e999}) would be stored as the string {@code "Infinity"}. A payload
 * nested deeper than {@link #MAX_DEPTH} levels could be stored but not written back out inside an answer (Jackson
 * writes at most 1,000 levels). Such input is refused with a problem that names where it is, before anything is
 * written.
 */
public final class StorableText {

    /** Deepest nesting of arrays and objects inside a stored JSON value. */
    public static final int MAX_DEPTH = 100;

    private StorableText() {
    }

    /** Why {@code s} cannot be stored as text, or empty when it can. */
    public static Optional<String> problem(String s) {
        if (s == null) {
            return Optional.empty();
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0) {
                return Optional.of("contains a NUL character (\\u0000), which cannot be stored; remove it");
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return Optional.of(loneSurrogate(c));
            }
            if (Character.isLowSurrogate(c)) {
                return Optional.of(loneSurrogate(c));
            }
        }
        return Optional.empty();
    }

    private static String loneSurrogate(char c) {
        return String.format("contains a lone surrogate (\\u%04x), which is not valid Unicode", (int) c);
    }

    /** Every string (values and field names) and number in {@code node} that cannot be stored, with its path. */
    public static List<ValidationProblem> problems(JsonNode node, String path) {
        List<ValidationProblem> problems = new ArrayList<>();
        collect(node, path, 0, problems);
        return problems;
    }

    private static void collect(JsonNode node, String path, int depth, List<ValidationProblem> problems) {
        if (node == null) {
            return;
        }
        if (depth > MAX_DEPTH) {
            problems.add(new ValidationProblem(path, "is nested deeper than " + MAX_DEPTH + " levels"));
            return;
        }
        if (node.isTextual()) {
            problem(node.textValue()).ifPresent(p -> problems.add(new ValidationProblem(path, p)));
        } else if (node.isFloatingPointNumber() && !node.isBigDecimal() && !Double.isFinite(node.doubleValue())) {
            problems.add(new ValidationProblem(path, "is a number out of range"));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collect(node.get(i), path + "[" + i + "]", depth + 1, problems);
            }
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                Optional<String> keyProblem = problem(field.getKey());
                String child = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                if (keyProblem.isPresent()) {
                    // The key itself is unprintable: name the object and say it is a field name.
                    problems.add(new ValidationProblem(path, "has a field name that " + keyProblem.get()));
                    continue;
                }
                collect(field.getValue(), child, depth + 1, problems);
            }
        }
    }

    /** {@code s} with every NUL and lone surrogate replaced by U+FFFD: for messages that quote outside text. */
    public static String replaceUnstorable(String s) {
        if (s == null || problem(s).isEmpty()) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(++i));
            } else if (c == 0 || Character.isSurrogate(c)) {
                b.append('\uFFFD');
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
