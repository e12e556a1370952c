package io.roomote.jenkins;

import hudson.model.Cause;

/** "Started by GitHub issue acme/app#7 (issues.labeled)": why a Roomote build was scheduled by a webhook. */
public class RoomoteIssueCause extends Cause {

    private final String repo;
    private final int issue;
    private final String trigger;
    private final String deliveryId;

    public RoomoteIssueCause(String repo, int issue, String trigger, String deliveryId) {
        this.repo = repo;
        this.issue = issue;
        this.trigger = trigger;
        this.deliveryId = deliveryId;
    }

    @Override
    public String getShortDescription() {
        return Messages.RoomoteIssueCause_ShortDescription(repo + "#" + issue, trigger);
    }

    public String getRepo() {
        return repo;
    }

    public int getIssue() {
        return issue;
    }

    public String getTrigger() {
        return trigger;
    }

    public String getDeliveryId() {
        return deliveryId;
    }
}
