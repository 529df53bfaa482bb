package dev.kashierrotator.vault;

import dev.kashierrotator.rotation.StaleWriteException;

/** A check-and-set write lost: someone else wrote the path since it was read. Expected under concurrency. */
public class CasConflictException extends StaleWriteException {

    public CasConflictException(String path, long expectedVersion) {
        super("check-and-set conflict on " + path + " (expected version " + expectedVersion + ")");
    }
}
