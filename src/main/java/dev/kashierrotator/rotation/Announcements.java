package dev.kashierrotator.rotation;

/**
 * Where the engine and the scheduler tell people what happened: a port. The notification channels are its
 * adapter ({@code notify.Notifier}); telling never blocks or fails the caller.
 */
public interface Announcements {

    /** Hands the notice over for sending; returns at once. */
    void announce(Notice notice);

    /** Tells nobody (engines built without channels, such as the fast tier's). */
    Announcements NONE = notice -> {};
}
