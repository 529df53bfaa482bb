package dev.kashierrotator.vault;

/** Vault could not be reached or refused the service's token. Never carries response bodies. */
public class VaultUnavailableException extends RuntimeException {

    public VaultUnavailableException(String message) {
        super(message);
    }

    public VaultUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
