/** What the {@code docker} and {@code kubernetes} launchers share: the runner image, its limits, valid names. */
package io.roomote.controller.container;
