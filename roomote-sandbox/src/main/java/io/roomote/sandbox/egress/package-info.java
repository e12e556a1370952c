/**
 * The agent's way to the internet: {@link io.roomote.sandbox.egress.EgressProxy}, an HTTP/CONNECT proxy on a
 * unix-domain socket in the sandbox's bridge folder, letting through only what
 * {@link io.roomote.sandbox.egress.EgressPolicy} ({@code ROOMOTE_EGRESS_ALLOW}) allows, and never the host's own
 * services.
 */
package io.roomote.sandbox.egress;
