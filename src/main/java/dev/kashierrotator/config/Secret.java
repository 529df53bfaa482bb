package dev.kashierrotator.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A configuration entry that holds a secret (a token, a signing key, a URL that is itself a credential):
 * it must reach the service from a Kubernetes Secret (an environment variable, {@code ${NAME}} in the
 * configuration), never as a literal in the chart's ConfigMap. The chart refuses a literal for each entry
 * so marked, and {@code HelmChartTest} finds them here, so a new one cannot be added without its guard.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Secret {

    /** For an entry that is a secret only for some kinds of its group (a Slack URL): the {@code type} value. */
    String whenType() default "";
}
