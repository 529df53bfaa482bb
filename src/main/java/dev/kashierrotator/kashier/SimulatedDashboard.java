package dev.kashierrotator.kashier;

import dev.kashierrotator.rotation.Dashboard;

/**
 * A dashboard that makes keys itself: the Kashier simulator's, for the local run and the tests. It lives
 * in {@code src/local/java}, which the production build ({@code ./mvnw package -Dproduction}) leaves out,
 * so the production artifact holds no code that can mint a key.
 */
public interface SimulatedDashboard extends Dashboard {}
