package dev.kashierrotator.api;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/** OpenAPI description of the service; every {@code /api} call takes a bearer token. */
@OpenAPIDefinition(
        info =
                @Info(
                        title = "Kashier Key Rotator",
                        version = "v1",
                        description =
                                "Rotates Kashier API keys held in Vault and redistributes them to dependents in staged waves."))
@SecurityScheme(securitySchemeName = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer")
public class RotatorApplication extends Application {}
