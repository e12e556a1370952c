package io.roomote.runner.dashboard;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import io.javalin.http.Context;
import io.javalin.rendering.template.JavalinJte;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Renders a page's view model with its JTE template ({@code src/main/jte/<name>.jte}, one parameter {@code page}).
 * The templates are compiled to Java classes of this package at build time (jte-maven-plugin), so this loads
 * them from the class path: no template source and no Java compiler are needed at run time, and a template that
 * does not compile fails the build. Content type HTML: every {@code ${...}} is escaped for where it stands.
 */
final class Templates {

    /** Control characters other than tab and line breaks (ANSI colours in agents' logs...) have no place in a page. */
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]");

    private final JavalinJte renderer = new JavalinJte(TemplateEngine.createPrecompiled(null, ContentType.Html,
            Templates.class.getClassLoader(), Templates.class.getPackageName()));

    String render(Context ctx, Views.PageModel page) {
        String html = renderer.render(page.template(), Map.of("page", page), ctx);
        return CONTROL.matcher(html).find() ? CONTROL.matcher(html).replaceAll("\uFFFD") : html;
    }
}
