package dev.kashierrotator.schedule;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.kashierrotator.inventory.SchedulePolicy;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

/** When a key is next due by its schedule: {@code every} after the last rotation, or the next cron time after it. */
public final class NextRotation {

    private static final CronParser CRON = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));

    private NextRotation() {
    }

    public static Optional<Instant> after(Optional<SchedulePolicy> schedule, Instant lastRotatedAt) {
        if (schedule.isEmpty() || lastRotatedAt == null) {
            return Optional.empty();
        }
        SchedulePolicy policy = schedule.get();
        if (policy.every().isPresent()) {
            return Optional.of(lastRotatedAt.plus(policy.every().get()));
        }
        return policy.cron().flatMap(c -> ExecutionTime.forCron(CRON.parse(c))
                .nextExecution(lastRotatedAt.atZone(ZoneOffset.UTC))
                .map(z -> z.toInstant()));
    }
}
