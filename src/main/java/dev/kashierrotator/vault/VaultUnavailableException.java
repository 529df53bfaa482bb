package dev.kashierrotator.vault;

import dev.kashierrotator.rotation.PassingFailure;

/** Vault could not be reached or refused the service's token. Never carries response bodies. */
public class VaultUnavailableException extends PassingFailure {

    public VaultUnavailableException(String message) {
        super(message);
    }

    public VaultUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
