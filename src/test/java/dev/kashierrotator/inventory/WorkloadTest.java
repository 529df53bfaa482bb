package dev.kashierrotator.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.inventory.Workload.Kind;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The restart entries of a kubernetes-secret dependent, written as kubectl names workloads. */
@Tag("fast")
class WorkloadTest {

    @Test
    void kubectlsNamesAndABareDeployment() {
        Map<String, Workload> cases = Map.of(
                "billing-api", new Workload(Kind.DEPLOYMENT, "billing-api"),
                "deployment/billing-api", new Workload(Kind.DEPLOYMENT, "billing-api"),
                "deploy/billing-api", new Workload(Kind.DEPLOYMENT, "billing-api"),
                "statefulset/ledger", new Workload(Kind.STATEFULSET, "ledger"),
                "StatefulSets/ledger", new Workload(Kind.STATEFULSET, "ledger"),
                "sts/ledger", new Workload(Kind.STATEFULSET, "ledger"),
                "daemonset/agent", new Workload(Kind.DAEMONSET, "agent"),
                "ds/agent", new Workload(Kind.DAEMONSET, "agent"));
        cases.forEach((entry, expected) -> assertEquals(Optional.of(expected), Workload.parse(entry), entry));
        assertEquals(
                "statefulset/ledger", Workload.parse("sts/ledger").orElseThrow().toString());
        assertEquals("statefulsets", Kind.STATEFULSET.resource());
    }

    @Test
    void otherKindsAreNotWorkloadsToRestart() {
        for (String entry : new String[] {"cronjob/nightly", "job/x", "pod/x", "replicaset/x"}) {
            assertTrue(Workload.parse(entry).isEmpty(), entry);
        }
    }
}
