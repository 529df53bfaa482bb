package dev.kashierrotator.rotation;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.util.Threads;
import io.quarkus.logging.Log;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs rotations: takes a held rotation from its first unfinished step, runs each step, and applies
 * what it came to. A step that must wait (a grace period, a retry's backoff, a person) lets go of its
 * worker thread; the runner schedules the rotation again when it is due, on one configured executor.
 */
final class RotationRunner implements LeaseKeeper.Watcher {

    private static final Duration MAX_STEP_BACKOFF = Duration.ofSeconds(30);

    private final Announcements announcements;
    private final StepTools t;
    private final RotatorConfig.Engine settings;
    private final String instanceId;
    private final EngineMetrics metrics;
    private final Map<StepName, RotationStep> steps = new EnumMap<>(StepName.class);
    private final Rollback rollback;
    private final ScheduledExecutorService workers;
    /** Rotations this replica holds that wait for a person, by id: key, step and since when. */
    private final Map<String, Awaiting> awaiting = new ConcurrentHashMap<>();
    /** Rotations retried past step-attempts because their old key is dead, by id: key, step and cause. */
    private final Map<String, String> retrying = new ConcurrentHashMap<>();

    RotationRunner(
            StepTools tools,
            RotatorConfig.Engine settings,
            String instanceId,
            EngineMetrics metrics,
            Announcements announcements,
            Threads threads) {
        this.t = tools;
        this.announcements = announcements;
        this.settings = settings;
        this.instanceId = instanceId;
        this.metrics = metrics;
        this.rollback = new Rollback(tools);
        for (RotationStep step : List.of(
                new IssueNewKeyStep(tools),
                new ChangeSecretKeyStep(tools),
                new VerifyNewKeyStep(tools),
                new StagePendingStep(tools),
                new PromoteStep(tools, StepName.PROMOTE),
                new PromoteStep(tools, StepName.STORE_NEW_KEY),
                new RolloutStep(tools),
                new GraceStep(tools),
                new ExpireOldKeyStep(tools))) {
            steps.put(step.name(), step);
        }
        this.workers = threads.scheduler("rotation", settings.workers());
    }

    void shutdown() {
        workers.shutdownNow();
    }

    /** Runs the rotation on a worker (it must be held). */
    void submit(String rotationId) {
        workers.execute(() -> run(rotationId));
    }

    @Override
    public void wake(String rotationId) {
        submit(rotationId);
    }

    /** Runs the rotation now if this replica holds it and no worker is inside it. */
    void wakeIfIdle(String rotationId) {
        Hold hold = t.leases().get(rotationId);
        if (hold != null && !hold.running.get()) {
            submit(rotationId);
        }
    }

    @Override
    public Optional<Instant> awaitingSince(String rotationId) {
        return Optional.ofNullable(awaiting.get(rotationId)).map(Awaiting::since);
    }

    List<Awaiting> awaiting() {
        return List.copyOf(awaiting.values());
    }

    Map<String, String> retrying() {
        return Map.copyOf(retrying);
    }

    /** How this run let go of the rotation. */
    private record Pause(Instant continueAt, boolean keepHold) {
        static final Pause RELEASE = new Pause(null, false);
        static final Pause PARKED = new Pause(null, true);

        static Pause until(Instant at) {
            return new Pause(at, true);
        }
    }

    /** Runs (or resumes) a rotation from its first unfinished step. */
    private void run(String rotationId) {
        Hold hold = t.leases().get(rotationId);
        if (hold == null || !hold.running.compareAndSet(false, true)) {
            return;
        }
        Pause pause = Pause.RELEASE;
        Rotation r = null;
        try {
            r = t.rotations().get(rotationId).orElseThrow();
            if (r.state().isFinal()) {
                return;
            }
            pause = advance(r, t.inventory().key(r.keyId()).orElseThrow(), hold);
        } catch (LeaseLost e) {
            Log.warnf("rotation %s stopped on this replica: %s", rotationId, e.getMessage());
        } catch (PassingFailure e) {
            // Recording a transition failed, outside a step's retries. Failing the rotation would need Vault
            // too, and could strand a key that is already changed: try again later, from what Vault holds.
            Log.warnf(
                    "rotation %s: Vault unavailable (%s); trying again in %d ms",
                    rotationId, e.getMessage(), longestBackoff().toMillis());
            pause = Pause.until(t.clock().instant().plus(longestBackoff()));
        } catch (StepFailed e) {
            fail(r, e.getMessage(), hold);
        } catch (RuntimeException e) {
            Log.errorf("rotation %s stopped: %s: %s", rotationId, e.getClass().getSimpleName(), e.getMessage());
            if (r != null) {
                fail(r, "internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage(), hold);
            }
        } finally {
            hold.wakeAt = pause.continueAt();
            hold.idleSince = t.clock().instant();
            hold.running.set(false);
            if (!pause.keepHold()) {
                t.leases().remove(rotationId);
            }
            if (pause.continueAt() != null) {
                // Scheduled once this run has let go: a continuation due at once would otherwise find the
                // rotation still running, return, and leave it held with nobody working on it.
                long delay = Math.max(
                        0,
                        Duration.between(t.clock().instant(), pause.continueAt())
                                .toMillis());
                workers.schedule(() -> run(rotationId), delay, TimeUnit.MILLISECONDS);
            }
        }
    }

    private Pause advance(Rotation r, KeySpec key, Hold hold) {
        if (r.lease().epoch() > hold.claim().epoch()) {
            // Another replica took it over with a newer claim (this one's renewals failed, say): stop, never
            // write our older epoch over theirs.
            hold.lost = true;
            metrics.superseded();
            throw new LeaseLost("rotation " + r.id() + " is run by " + r.lease().owner() + " under epoch "
                    + r.lease().epoch() + ", newer than this replica's "
                    + hold.claim().epoch());
        }
        awaiting.remove(r.id());
        if (r.resumeFromDashboard()) {
            t.writer().save(r, hold);
        }
        if (r.state() == RotationState.PENDING
                || !r.runsUnder(instanceId, hold.claim().epoch())) {
            r.runBy(instanceId, hold.claim().epoch());
            t.writer().save(r, hold);
        }
        if (r.rollingBack()) {
            // A rollback was cut short: finish it, with the cause it started with.
            boolean aborted = r.abort().at() != null && r.abort().refusal() == null;
            return rollBack(
                    r,
                    key,
                    hold,
                    aborted ? RotationState.ABORTED : RotationState.ROLLED_BACK,
                    aborted ? null : r.rollBackCause(),
                    false);
        }
        for (StepName name : r.plan()) {
            if (AbortRules.pending(r, hold)) {
                String refusal = t.aborts().refusal(r);
                if (refusal == null) {
                    return rollBack(r, key, hold, RotationState.ABORTED, null, false);
                }
                refuseAbort(r, hold, refusal);
            }
            Step step = r.step(name);
            if (step.over()) {
                continue;
            }
            StepOutcome outcome = runStep(r, key, name, hold);
            if (outcome instanceof StepOutcome.Done) {
                continue;
            }
            if (outcome instanceof StepOutcome.WaitUntil wait) {
                return Pause.until(wait.until());
            }
            if (outcome instanceof StepOutcome.AwaitsPerson) {
                return Pause.PARKED;
            }
            if (outcome instanceof StepOutcome.Failed failed) {
                fail(r, failed.reason(), hold);
                return Pause.RELEASE;
            }
            if (outcome instanceof StepOutcome.RollBack back) {
                return rollBack(r, key, hold, RotationState.ROLLED_BACK, name + ": " + back.cause(), true);
            }
            return abortNow(r, key, hold);
        }
        r.completed();
        finish(r, key, hold);
        Log.infof(
                "rotation %s of key %s completed: fingerprint %s -> %s",
                r.id(), r.keyId(), r.oldKey().fingerprint(), r.newFingerprint());
        return Pause.RELEASE;
    }

    /** An abort asked for during a step: roll back if the old key still works, else say no and go on. */
    private Pause abortNow(Rotation r, KeySpec key, Hold hold) {
        String refusal = t.aborts().refusal(r);
        if (refusal == null) {
            return rollBack(r, key, hold, RotationState.ABORTED, null, true);
        }
        // Accepted while it could still be honoured, too late now: say so and go on forward.
        try {
            refuseAbort(r, hold, refusal);
            return Pause.until(t.clock().instant());
        } catch (RuntimeException again) {
            Log.warnf(
                    "rotation %s: could not record the refused abort (%s); it resumes from Vault",
                    r.id(), again.getClass().getSimpleName());
            return Pause.RELEASE;
        }
    }

    /**
     * Rolls back. With {@code orLeave}, a rollback cut short (Vault unreachable, lease lost) leaves the
     * rotation unfinished in Vault, to be resumed, rollback and all, by whichever replica holds its
     * lease next; without it, the failure is handled like any other in this run.
     */
    private Pause rollBack(Rotation r, KeySpec key, Hold hold, RotationState outcome, String cause, boolean orLeave) {
        try {
            rollback.run(r, key, hold, outcome, cause);
            finish(r, key, hold);
            Log.warnf("rotation %s of key %s %s: %s", r.id(), r.keyId(), outcome, r.error());
        } catch (LeaseLost e) {
            if (!orLeave) {
                throw e;
            }
            Log.warnf("rotation %s stopped on this replica: %s", r.id(), e.getMessage());
        } catch (RuntimeException e) {
            if (!orLeave) {
                throw e;
            }
            Log.errorf(
                    "rollback of rotation %s cut short (%s: %s); it resumes from Vault",
                    r.id(), e.getClass().getSimpleName(), e.getMessage());
        }
        return Pause.RELEASE;
    }

    /** Records that an accepted abort can no longer be honoured; the rotation goes on forward. */
    private void refuseAbort(Rotation r, Hold hold, String refusal) {
        hold.abortSeen = false;
        r.abortRefused(refusal);
        t.writer().save(r, hold);
        Log.warnf("rotation %s of key %s: %s", r.id(), r.keyId(), r.abort().refusal());
    }

    /**
     * Runs one attempt of a step and records what it came to. A passing failure is retried with backoff,
     * by scheduling the rotation again (no worker sleeps), up to {@code step-attempts}; past that the
     * rotation fails, unless the old key is dead, when giving up would strand dependents.
     */
    private StepOutcome runStep(Rotation r, KeySpec key, StepName name, Hold hold) {
        Step s = r.step(name);
        // RUNNING as persisted: a replica stopped inside this step (or a retry is due), and may have done
        // part of its work.
        boolean resumed = s.state() == StepState.RUNNING;
        int attempt = hold.nextAttempt(name);
        t.hooks().beforeStepRecorded(r, name.name());
        Instant startedBefore = s.startedAt();
        s.begin(t.clock().instant());
        if (attempt == 1) {
            t.writer().save(r, hold);
        } else {
            // A retry: the step is recorded RUNNING already, and Vault may be what is failing.
            t.writer().trySave(r, hold);
        }
        if (!resumed && attempt == 1 && AbortRules.pending(r, hold)) {
            // The abort landed before this step was recorded RUNNING (the write above merged it, or the lease
            // keeper saw it): the API accepted it while the step had not started, so nothing of it may
            // happen now, least of all an irreversible expiry.
            s.unbegin(startedBefore);
            hold.stepDone(name);
            return new StepOutcome.Abort();
        }
        Log.infof("rotation %s key %s: step %s started (attempt %d)", r.id(), r.keyId(), name, attempt);
        t.hooks().beforeStep(r, name.name());
        StepOutcome outcome = attempt(r, key, name, hold, resumed || attempt > 1);
        if (outcome instanceof StepOutcome.Done done) {
            retrying.remove(r.id());
            t.hooks().afterStep(r, name.name());
            s.done(done.detail(), t.clock().instant());
            // Recorded by the next write, which always comes before anything else happens: the next step's
            // RUNNING (or the end, a rollback, a refused abort). Until then Vault shows this step RUNNING, as
            // after a crash right after its work, and a resume runs it again, which finds its work done. One
            // write per step boundary instead of two: a single-user key's dead time is three writes shorter.
            hold.stepDone(name);
            Log.infof("rotation %s key %s: step %s done", r.id(), r.keyId(), name);
            return outcome;
        }
        if (outcome instanceof StepOutcome.AwaitsPerson person) {
            // Told once per question: a wait taken up again (a restart, another replica) is the same one.
            boolean asked = r.personWait().since() != null;
            r.awaitPerson(
                    s,
                    Instructions.forPerson(person.request(), r, key, name),
                    t.clock().instant());
            t.writer().save(r, hold);
            hold.stepDone(name);
            awaiting.put(
                    r.id(),
                    new Awaiting(r.id(), r.keyId(), name.name(), r.personWait().since()));
            if (!asked) {
                announcements.announce(Notice.personNeeded(r, name, t.clock().instant()));
            }
            Log.infof(
                    "rotation %s key %s: step %s waits for a person in the Kashier dashboard", r.id(), r.keyId(), name);
            return outcome;
        }
        if (outcome instanceof StepOutcome.Failed failed) {
            s.failed(failed.reason(), t.clock().instant());
            return new StepOutcome.Failed(name + ": " + failed.reason());
        }
        if (outcome instanceof StepOutcome.WaitUntil wait) {
            // Nothing to do until then (a grace period, a soak between waves): recorded, and not counted as a
            // failed attempt; the rotation is run again when it ends.
            s.note(wait.detail());
            Log.infof("rotation %s key %s: step %s: %s", r.id(), r.keyId(), name, wait.detail());
            t.writer().save(r, hold);
            hold.stepDone(name);
            return outcome;
        }
        if (outcome instanceof StepOutcome.Retry retry) {
            return retry(r, key, name, hold, s, attempt, retry.cause());
        }
        return outcome;
    }

    /** One attempt of the step; what the ports throw becomes an outcome here. */
    private StepOutcome attempt(Rotation r, KeySpec key, StepName name, Hold hold, boolean again) {
        try {
            return steps.get(name).run(r, key, hold, again);
        } catch (Dashboard.NeedsPerson e) {
            return new StepOutcome.AwaitsPerson(e);
        } catch (StepFailed e) {
            return new StepOutcome.Failed(e.getMessage());
        } catch (PassingFailure | StaleWriteException e) {
            return new StepOutcome.Retry(e.getMessage());
        }
    }

    private StepOutcome retry(Rotation r, KeySpec key, StepName name, Hold hold, Step s, int attempt, String cause) {
        Instant now = t.clock().instant();
        boolean spent = attempt >= settings.stepAttempts();
        if (spent && name == StepName.VERIFY_NEW_KEY && r.oldKeyDead()) {
            // Kashier's API is what failed, and the old key is dead anyway: holding the new key back helps
            // nobody. It goes out unverified (a manual answer was probed when it was sent).
            retrying.remove(r.id());
            s.done(
                    "not verified: Kashier's " + key.mode() + " API did not answer after " + attempt
                            + " attempts (" + cause + "); the old key is already dead, so the new key "
                            + r.newFingerprint() + " goes out unverified"
                            + (t.dashboard().automated() ? "" : " (Kashier accepted it when it was sent)"),
                    now);
            t.writer().save(r, hold);
            hold.stepDone(name);
            Log.warnf("rotation %s key %s: %s", r.id(), r.keyId(), s.detail());
            return new StepOutcome.Done(s.detail());
        }
        if (spent && r.oldKeyDead()) {
            // Giving up would leave every dependent on a dead key with the only working one parked in Vault:
            // keep trying, at the longest backoff, and say so (metric, readiness).
            retrying.put(r.id(), r.keyId() + ", " + name + ": " + cause);
            s.note("attempt " + attempt + " failed (" + cause + "); the old key is dead, so this step is "
                    + "retried until it succeeds (every " + longestBackoff().toMillis() + " ms)");
            Log.errorf("rotation %s key %s: step %s: %s", r.id(), r.keyId(), name, s.detail());
            t.writer().trySave(r, hold);
            return new StepOutcome.WaitUntil(now.plus(longestBackoff()), s.detail());
        }
        if (spent) {
            s.failed(cause, now);
            return new StepOutcome.Failed(name + ": gave up after " + attempt + " attempts: " + cause);
        }
        Duration pause = backoff(attempt);
        s.note("attempt " + attempt + " failed (" + cause + "); retrying in " + pause.toMillis() + " ms");
        Log.warnf("rotation %s key %s: step %s: %s", r.id(), r.keyId(), name, s.detail());
        t.writer().trySave(r, hold);
        return new StepOutcome.WaitUntil(now.plus(pause), s.detail());
    }

    private void fail(Rotation r, String error, Hold hold) {
        r.failed(error);
        Log.errorf("rotation %s of key %s failed: %s", r.id(), r.keyId(), error);
        try {
            finish(r, t.inventory().key(r.keyId()).orElseThrow(), hold);
        } catch (LeaseLost | PassingFailure e) {
            // Left unfinished in Vault: whoever holds or takes over the lease finishes it.
            Log.warnf("rotation %s: could not record the failure: %s", r.id(), e.getMessage());
        }
    }

    private void finish(Rotation r, KeySpec key, Hold hold) {
        t.writer().save(r, hold);
        retrying.remove(r.id());
        awaiting.remove(r.id());
        t.rotations().release(hold.claim());
        metrics.finished(
                r,
                r.state().name().toLowerCase(java.util.Locale.ROOT),
                Duration.between(r.createdAt(), t.clock().instant()));
        announcements.announce(Notice.ended(r, t.clock().instant()));
    }

    /** The pause between tries once a step is retried without limit: 32 × step-backoff, at most 30 s. */
    Duration longestBackoff() {
        return Duration.ofMillis(Math.min(settings.stepBackoff().toMillis() * 32, MAX_STEP_BACKOFF.toMillis()));
    }

    /** Exponential backoff with jitter from {@code step-backoff}, capped at 30 s. */
    private Duration backoff(int attempt) {
        long base = settings.stepBackoff().toMillis() << Math.min(attempt - 1, 16);
        long cap = Math.min(base, MAX_STEP_BACKOFF.toMillis());
        return Duration.ofMillis(cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1));
    }
}
