// An engine described for people and tools, without a GPU: build info,
// bindings, steps (kind, name, layers, precision, tactic, shapes, workspace)
// and memory (arena, its tensors, weights).
#ifndef KILN_RUNTIME_INSPECT_H
#define KILN_RUNTIME_INSPECT_H

#include <cstdint>
#include <string>

namespace kiln::runtime {

class EngineFile;

/// The engine as one JSON object (keys: "file", "build", "bindings", "steps",
/// "memory", "assumptions"; see docs/runtime.md).
std::string inspectEngineJson(const EngineFile &file);
/// The same, as aligned text.
std::string inspectEngineText(const EngineFile &file);

/// "512 B", "1.50 KiB", "3.25 MiB".
std::string formatBytes(uint64_t bytes);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_INSPECT_H
