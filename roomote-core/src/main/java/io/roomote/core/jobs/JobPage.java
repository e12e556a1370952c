package io.roomote.core.jobs;

import java.util.List;

/** A page of jobs and the cursor of the next page (null when this is the last). */
public record JobPage(List<Job> jobs, Long nextBeforeId) {
}
