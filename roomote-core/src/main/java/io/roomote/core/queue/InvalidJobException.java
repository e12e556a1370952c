package io.roomote.core.queue;

import io.roomote.spi.ValidationProblem;

import java.util.List;
import java.util.stream.Collectors;

/** A job was refused before anything was written; {@link #problems()} lists every reason with its path. */
public class InvalidJobException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<ValidationProblem> problems;

    public InvalidJobException(List<ValidationProblem> problems) {
        super(problems.stream().map(p -> p.path() + ": " + p.message()).collect(Collectors.joining("; ")));
        this.problems = List.copyOf(problems);
    }

    public List<ValidationProblem> problems() {
        return problems;
    }
}
