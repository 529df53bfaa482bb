package dev.kashierrotator.rollout;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * When a workload's rollout counts as finished, as {@code kubectl rollout status} judges it: the controller
 * saw the newest template, and every pod is updated and ready. The end-to-end proof is RealCluster (ControlPlaneIT) (a real
 * API server and controllers); these are the statuses one by one.
 */
@Tag("fast")
class RolloutStatusTest {

    /** Three replicas wanted, three pods. */
    private static Deployment deployment(long generation, long observed, int updated, int ready, int available) {
        return deployment(3, generation, observed, 3, updated, ready, available);
    }

    private static Deployment deployment(
            int desired, long generation, long observed, int pods, int updated, int ready, int available) {
        return new DeploymentBuilder()
                .withNewMetadata()
                .withGeneration(generation)
                .endMetadata()
                .withNewSpec()
                .withReplicas(desired)
                .endSpec()
                .withNewStatus()
                .withObservedGeneration(observed)
                .withReplicas(pods)
                .withUpdatedReplicas(updated)
                .withReadyReplicas(ready)
                .withAvailableReplicas(available)
                .endStatus()
                .build();
    }

    private static StatefulSet statefulSet(long observed, int updated, int ready, String current, String update) {
        return new StatefulSetBuilder()
                .withNewMetadata()
                .withGeneration(2L)
                .endMetadata()
                .withNewSpec()
                .withReplicas(2)
                .endSpec()
                .withNewStatus()
                .withObservedGeneration(observed)
                .withUpdatedReplicas(updated)
                .withReadyReplicas(ready)
                .withAvailableReplicas(ready)
                .withCurrentRevision(current)
                .withUpdateRevision(update)
                .endStatus()
                .build();
    }

    private static DaemonSet daemonSet(long observed, int desired, int updated, int ready) {
        return new DaemonSetBuilder()
                .withNewMetadata()
                .withGeneration(4L)
                .endMetadata()
                .withNewStatus()
                .withObservedGeneration(observed)
                .withDesiredNumberScheduled(desired)
                .withUpdatedNumberScheduled(updated)
                .withNumberReady(ready)
                .withNumberAvailable(ready)
                .endStatus()
                .build();
    }

    @Test
    void aDeploymentIsDoneWhenEveryReplicaIsNewReadyAndAvailable() {
        assertTrue(RestartCoordinator.complete(deployment(5, 5, 3, 3, 3), 5));
        assertFalse(RestartCoordinator.complete(deployment(5, 4, 3, 3, 3), 5), "the controller has not seen it");
        assertFalse(RestartCoordinator.complete(deployment(5, 5, 2, 3, 3), 5), "an old pod is left");
        assertFalse(RestartCoordinator.complete(deployment(5, 5, 3, 2, 3), 5), "a pod is not ready");
        // Surge: the new pod runs but is not ready, the old one still serves; the counts of one alone look done.
        assertFalse(
                RestartCoordinator.complete(deployment(1, 5, 5, 2, 1, 1, 1), 5),
                "an old pod still runs beside the new");
        assertFalse(
                RestartCoordinator.complete(deployment(5, 5, 3, 3, 3), 6),
                "our own restart (generation 6) is not observed yet, though the status looks done");
    }

    @Test
    void aStatefulSetIsDoneWhenItsCurrentRevisionIsTheUpdatedOne() {
        assertTrue(RestartCoordinator.complete(statefulSet(2, 2, 2, "ledger-7", "ledger-7"), 2));
        assertFalse(RestartCoordinator.complete(statefulSet(2, 2, 2, "ledger-6", "ledger-7"), 2), "mid-rollout");
        assertFalse(RestartCoordinator.complete(statefulSet(2, 1, 2, "ledger-7", "ledger-7"), 2), "one pod old");
        assertFalse(RestartCoordinator.complete(statefulSet(1, 2, 2, "ledger-7", "ledger-7"), 2), "not observed");
    }

    @Test
    void aDaemonSetIsDoneWhenEveryScheduledPodIsNewAndReady() {
        assertTrue(RestartCoordinator.complete(daemonSet(4, 3, 3, 3), 4));
        assertFalse(RestartCoordinator.complete(daemonSet(4, 3, 2, 3), 4), "a node still runs the old pod");
        assertFalse(RestartCoordinator.complete(daemonSet(4, 3, 3, 2), 4), "a new pod is not ready");
        assertFalse(RestartCoordinator.complete(daemonSet(3, 3, 3, 3), 4), "not observed");
        assertTrue(RestartCoordinator.complete(daemonSet(4, 0, 0, 0), 4), "no node to run on: nothing to wait for");
    }
}
