package io.roomote.core.worker;

import java.util.List;
import java.util.Set;

/**
 * What one dispatch round did ({@link WorkerPool#runOneDispatch()}).
 *
 * @param started    jobs started on worker threads this round (held ones first, then newly claimed), by id
 * @param held       jobs claimed ahead and waiting for a slot after the round
 * @param handedBack jobs held ahead past their hold and handed back to the queue untouched this round
 */
public record Dispatch(List<Long> started, List<Long> held, Set<Long> handedBack) {
}
