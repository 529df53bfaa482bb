package dev.kashierrotator.kube;

import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestClassOrder;

/**
 * The tests on the real control plane (one per test JVM, {@code KubeControlPlane}): one after another, as
 * one class, since each changes the cluster (an API server restarted, Secrets and Deployments deleted). The
 * integration tests run three classes at a time; this one is first (failsafe orders them by {@code @Order}),
 * so that its lane of about three minutes, mostly waiting on the cluster, runs beside the others rather than
 * after them.
 */
@Order(1)
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class ControlPlaneIT {

    @Nested
    @Order(1)
    class OnARealCluster extends RealCluster {}

    @Nested
    @Order(2)
    class EditsBehindTheServicesBack extends KubernetesEdits {}

    @Nested
    @Order(3)
    class AHelmRelease extends HelmRelease {}
}
