package dev.kashierrotator.util;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.net.http.HttpClient;
import java.time.Duration;

/**
 * One JDK HTTP client for Kashier and dependents. Redirects are never followed: a dependent that
 * redirects a key delivery elsewhere must not get the key sent on.
 */
public class HttpClientProducer {

    @Produces
    @Singleton
    HttpClient httpClient(Threads threads) {
        return builder().executor(threads.elastic("rotator-http")).build();
    }

    /** The settings every outbound client shares; callers add what is theirs (an executor, a trust store). */
    public static HttpClient.Builder builder() {
        return HttpClient.newBuilder()
                // Plain-HTTP dependents would otherwise get an h2c upgrade attempt on every new connection.
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5));
    }
}
