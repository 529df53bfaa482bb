package dev.kashierrotator.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A URL in a message keeps where it points and loses what may be a credential (edges review L4). */
@Tag("fast")
class UrlsTest {

    @Test
    void userInfoQueryAndFragmentAreLeftOut() {
        assertEquals(
                "https://hooks.example:8443/rotation",
                Urls.shown("https://svc:hunter2@hooks.example:8443/rotation?token=abc#x"));
        assertEquals("http://127.0.0.1/a/b", Urls.shown("http://127.0.0.1/a/b"));
        assertEquals("(a URL)", Urls.shown("not a url at all"));
    }
}
