package io.roomote.jenkins.bridge.step;

import java.util.List;

/** The {@code roomoteFix} step cannot start: every problem, each saying what to change. */
public final class InvalidStepArgumentsException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public InvalidStepArgumentsException(List<String> problems) {
        super("roomoteFix: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
