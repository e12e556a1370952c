package io.roomote.jobs.github;

/** Where a job's page is on Roomote's dashboard: the one place that builds the link (issue comments, PR bodies). */
public final class JobPage {

    private JobPage() {
    }

    /** {@code <publicUrl>/admin/queues/jobs/<id>}; {@code publicUrl} is {@code ROOMOTE_PUBLIC_URL}. */
    public static String url(String publicUrl, long jobId) {
        return publicUrl.replaceAll("/+$", "") + "/admin/queues/jobs/" + jobId;
    }
}
