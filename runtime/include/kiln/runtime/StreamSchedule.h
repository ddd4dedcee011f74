// Concurrent steps: the dependencies an engine records (Step.deps, format
// 1.4) and the assignment of steps to streams that an execution context makes
// from them. Pure functions, no CUDA: the context turns a schedule into
// streams and events (ExecutionContext.cpp), inspection reports the width.
#ifndef KILN_RUNTIME_STREAMSCHEDULE_H
#define KILN_RUNTIME_STREAMSCHEDULE_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kiln::fb {
struct Engine;
}

namespace kiln::runtime {

/// For each step, the earlier steps it waits for (ascending).
using StepDeps = std::vector<std::vector<uint32_t>>;

/// The engine's Step.deps; a step without the field (an engine written
/// before format 1.4) waits for the step before it, so such an engine runs
/// serially. The verifier has checked that every entry precedes its step.
StepDeps engineStepDeps(const kiln::fb::Engine &engine);

/// Whether any step of the engine records its dependencies.
bool engineRecordsDeps(const kiln::fb::Engine &engine);

/// The largest set of steps of which none waits for another, directly or
/// not (a maximum antichain, by Dilworth's theorem: steps minus a maximum
/// matching of the transitive closure): the most steps that may run at
/// once. 0 for no steps, 1 for a chain.
size_t dependencyWidth(const StepDeps &deps);

/// Which stream runs each step, and the events that order the streams.
/// Stream 0 is the caller's stream; streams 1.. are auxiliary.
struct StreamSchedule {
  unsigned numStreams = 1;
  std::vector<unsigned> stream; ///< per step
  /// Per step: earlier steps on other streams it must wait for (their
  /// events), those implied by the stream order or by earlier waits dropped.
  StepDeps waits;
  /// Per step: whether an event is recorded after it (another stream waits
  /// for it, or the caller's stream does at the end).
  std::vector<bool> recordEvent;
  /// Per auxiliary stream (index s - 1 for stream s): its last step, whose
  /// event the caller's stream waits for at the end (always, even when
  /// implied: a CUDA-graph capture must join every stream it drew in).
  std::vector<int64_t> joins;
};

/// List scheduling in step order: a step continues the stream of one of its
/// dependencies when it is that stream's last step (the latest such
/// dependency), else takes a stream whose last step it waits for anyway or
/// one not used yet, else (all `maxAuxStreams + 1` streams busy) the stream
/// whose last step is earliest. Chains stay on one stream; `maxAuxStreams`
/// 0 puts everything on stream 0 with no events.
StreamSchedule scheduleStreams(const StepDeps &deps, unsigned maxAuxStreams);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_STREAMSCHEDULE_H
