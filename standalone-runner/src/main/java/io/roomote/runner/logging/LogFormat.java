package io.roomote.runner.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import io.roomote.core.config.ConfigurationException;
import io.roomote.spi.Configuration;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.Locale;

/**
 * {@code ROOMOTE_LOG_FORMAT}: {@code text} (the pattern of logback.xml) or {@code json} (one JSON object per
 * line, Logback's own {@link JsonEncoder}, with the MDC: {@code jobId}, {@code jobType}, {@code attempt},
 * {@code runner} on lines about a job). Applied at start, after the settings (env file included) are read,
 * by giving the process log's appenders the JSON encoder.
 */
public enum LogFormat {
    TEXT, JSON;

    public static final String VARIABLE = "ROOMOTE_LOG_FORMAT";

    public static LogFormat from(Configuration settings) {
        String raw = settings.get(VARIABLE).map(String::trim).orElse("text");
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "text", "" -> TEXT;
            case "json" -> JSON;
            default -> throw new ConfigurationException(VARIABLE + " must be text or json, got '" + raw
                    + "'; unset it for text");
        };
    }

    /** Switches the root logger's output streams (stdout) to this format; text leaves logback.xml's as it is. */
    public void apply() {
        if (this == TEXT || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            if (it.next() instanceof OutputStreamAppender<ILoggingEvent> out && !(out.getEncoder() instanceof JsonEncoder)) {
                JsonEncoder json = new JsonEncoder();
                json.setContext(context);
                // The message once, formatted; Logback's raw template and arguments would repeat it.
                json.setWithFormattedMessage(true);
                json.setWithMessage(false);
                json.setWithArguments(false);
                json.setWithSequenceNumber(false);
                json.setWithNanoseconds(false);
                json.setWithContext(false);
                json.start();
                out.stop();
                out.setEncoder(json);
                out.start();
            }
        }
    }
}
