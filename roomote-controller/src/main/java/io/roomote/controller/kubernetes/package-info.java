/**
 * The {@code kubernetes} launcher ({@code ROOMOTE_LAUNCHER=kubernetes}): one {@code batch/v1 Job} of the runner
 * image per single-job worker, through the fabric8 client, found again by its labels.
 */
package io.roomote.controller.kubernetes;
