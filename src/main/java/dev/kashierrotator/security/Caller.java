package dev.kashierrotator.security;

import jakarta.enterprise.context.RequestScoped;

/** Who is calling the API in this request, once authenticated. */
@RequestScoped
public class Caller {

    private String subject;

    public String subject() {
        return subject;
    }

    void authenticate(String subject) {
        this.subject = subject;
    }
}
