package io.roomote.agents.command;

import io.roomote.agents.AgentRequest;
import io.roomote.agents.process.ProcessAgentDriver;
import io.roomote.core.config.ConfigurationException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code command}: any agent, from a command template in {@code ROOMOTE_AGENT_COMMAND}, e.g.
 * {@code my-agent --model {model} --prompt-file {promptFile}}. Placeholders: {@code {prompt}} (the prompt as
 * one argument), {@code {promptFile}}, {@code {workspace}}, {@code {model}}. Words split on spaces; single or
 * double quotes group. No shell runs it, so nothing in the prompt is interpreted.
 */
public final class CommandAgentDriver extends ProcessAgentDriver {

    public static final String SETTING = "ROOMOTE_AGENT_COMMAND";

    @Override
    public String name() {
        return "command";
    }

    @Override
    protected List<String> command(AgentRequest request, Path promptFile) {
        String template = request.config().get(SETTING).orElseThrow(() -> new ConfigurationException(
                "agent 'command' needs " + SETTING + ", e.g. my-agent --prompt-file {promptFile}"));
        List<String> argv = new ArrayList<>();
        for (String word : split(template)) {
            argv.add(word.replace("{promptFile}", promptFile.toString())
                    .replace("{workspace}", request.workspace().toString())
                    .replace("{model}", request.model().orElse(""))
                    .replace("{prompt}", request.prompt()));
        }
        return argv;
    }

    static List<String> split(String template) {
        List<String> words = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        char quote = 0;
        boolean inWord = false;
        for (char c : template.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    current.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(current.toString());
                    current.setLength(0);
                    inWord = false;
                }
            } else {
                current.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new ConfigurationException(SETTING + " has an unclosed quote: " + template);
        }
        if (inWord) {
            words.add(current.toString());
        }
        if (words.isEmpty()) {
            throw new ConfigurationException(SETTING + " is empty");
        }
        return words;
    }
}
