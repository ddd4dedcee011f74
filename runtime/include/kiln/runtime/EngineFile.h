// The .kiln file: a 64-byte header, the FlatBuffer metadata, the weights.
// Writing and reading it, and every check that needs no GPU. CUDA-free: the
// compiler links this (target KilnEngineFile) to write engines.
#ifndef KILN_RUNTIME_ENGINEFILE_H
#define KILN_RUNTIME_ENGINEFILE_H

#include "kiln/runtime/Status.h"
#include "kiln/runtime/engine_generated.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace kiln::runtime {

/// A read-only view of bytes (std::span is C++20).
struct ByteSpan {
  const uint8_t *data = nullptr;
  size_t size = 0;
  ByteSpan() = default;
  ByteSpan(const uint8_t *data, size_t size) : data(data), size(size) {}
  ByteSpan(const std::vector<uint8_t> &bytes)
      : data(bytes.data()), size(bytes.size()) {}
};

constexpr char kEngineMagic[8] = {'K', 'I', 'L', 'N', 'E', 'N', 'G', '\0'};
constexpr uint32_t kFormatMajor = 1;
/// 1.1 added Engine.kernels (the kernels' launch bounds); 1.2 added
/// ConvStep.scale and z_scale (the fused INT8 epilogue); 1.3 added
/// AttentionStep (fused attention through cuDNN SDPA); 1.4 added Step.deps
/// (the steps each waits for, so that independent ones run concurrently);
/// 1.5 added ConvStep.post_scale (INT8 steps fusing silu, sigmoid, ...).
constexpr uint32_t kFormatMinor = 5;
constexpr uint64_t kHeaderSize = 64;
constexpr uint64_t kWeightsAlignment = 256;

/// The fixed header at offset 0: the schema's struct FileHeader
/// (runtime/schema/engine.fbs), whose bytes are the header on disk.
using EngineFileHeader = kiln::fb::FileHeader;
static_assert(sizeof(EngineFileHeader) == kHeaderSize, "the header is 64 bytes");
static_assert(alignof(EngineFileHeader) == 8, "the header is 8-byte aligned");
static_assert(std::is_trivially_copyable_v<EngineFileHeader> &&
                  std::is_standard_layout_v<EngineFileHeader>,
              "the header is copied to and from the file as bytes");
/// Where each field of the header lies, as format 1 defines it (flatc keeps
/// the struct's fields private, so the unit tests check these against the
/// schema's reflection table and the bytes written).
struct HeaderField {
  const char *name;
  uint64_t offset;
};
constexpr HeaderField kHeaderFields[] = {
    {"magic", 0},           {"format_major", 8},   {"format_minor", 12},
    {"metadata_offset", 16}, {"metadata_size", 24}, {"weights_offset", 32},
    {"weights_size", 40},   {"checksum", 48},      {"reserved", 52},
};

/// The header for the given sizes, with format kFormatMajor.kFormatMinor.
EngineFileHeader makeEngineHeader(uint64_t metadataSize, uint64_t weightsOffset,
                                  uint64_t weightsSize, uint32_t checksum);

/// zlib's crc32 of `bytes`.
uint32_t engineChecksum(ByteSpan bytes);

/// The bytes of a whole .kiln file: header, metadata, zero padding up to the
/// next multiple of 256, weights.
std::vector<uint8_t> encodeEngineFile(ByteSpan metadata, ByteSpan weights);

/// Writes a .kiln file. The bytes go to a temporary file in the same folder,
/// which is renamed over `path` once complete: a reader never sees half a file.
Status writeEngineFile(const std::string &path, ByteSpan metadata,
                       ByteSpan weights);

/// The whole content of a file.
Expected<std::vector<uint8_t>> readFileBytes(const std::string &path);

/// Decodes and checks the header against the file's size and checksum. The
/// messages name what was expected and what was found.
Expected<EngineFileHeader> checkEngineHeader(ByteSpan file,
                                             std::vector<std::string> &warnings);

/// An engine file read and verified without a GPU: header, checksum, format
/// version, FlatBuffers verifier, internal consistency and known GPU
/// architectures. Owns its bytes.
class EngineFile {
public:
  /// Reads and verifies `path`.
  static Expected<EngineFile> open(const std::string &path);
  /// Copies and verifies an in-memory file.
  static Expected<EngineFile> fromMemory(const void *data, size_t size);
  /// Verifies bytes it takes ownership of.
  static Expected<EngineFile> fromBytes(std::vector<uint8_t> bytes);

  const EngineFileHeader &header() const { return header_; }
  const kiln::fb::Engine &metadata() const { return *metadata_; }
  ByteSpan weights() const;
  size_t fileSize() const { return bytes_.size(); }
  /// What was accepted but is worth saying (a newer minor version...).
  const std::vector<std::string> &warnings() const { return warnings_; }

  EngineFile(EngineFile &&) = default;
  EngineFile &operator=(EngineFile &&) = default;

private:
  EngineFile() = default;
  std::vector<uint8_t> bytes_;
  EngineFileHeader header_{};
  const kiln::fb::Engine *metadata_ = nullptr;
  std::vector<std::string> warnings_;
};

} // namespace kiln::runtime

#endif // KILN_RUNTIME_ENGINEFILE_H
