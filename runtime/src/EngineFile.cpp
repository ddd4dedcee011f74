// The .kiln container: header encoding, the atomic writer, the reader and the
// header checks (magic, version, sizes, checksum).
#include "kiln/runtime/EngineFile.h"

#include "kiln/runtime/EngineVerifier.h"
#include "kiln/runtime/engine_generated.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

namespace kiln::runtime {

namespace {

uint64_t alignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

// The generated struct stores its fields little-endian whatever the host, so
// its bytes are the header.
void encodeHeader(const EngineFileHeader &header, uint8_t *out) {
  std::memcpy(out, &header, sizeof header);
}

EngineFileHeader decodeHeader(const uint8_t *in) {
  EngineFileHeader header;
  std::memcpy(&header, in, sizeof header);
  return header;
}

// The first bytes of a foreign file, printable characters as they are.
std::string describeBytes(const uint8_t *data, size_t size) {
  std::ostringstream out;
  out << '"';
  for (size_t i = 0; i < size; ++i) {
    unsigned char c = data[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out << c;
    } else {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
      out << buffer;
    }
  }
  out << '"';
  return out.str();
}

std::string hex32(uint32_t value) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "0x%08x", value);
  return buffer;
}

Status ioError(const std::string &what, const std::string &path) {
  return Status(ErrorCode::IoError,
                what + " '" + path + "': " + std::strerror(errno));
}

} // namespace

uint32_t engineChecksum(ByteSpan bytes) {
  uLong crc = crc32_z(0L, Z_NULL, 0);
  return static_cast<uint32_t>(crc32_z(crc, bytes.data, bytes.size));
}

EngineFileHeader makeEngineHeader(uint64_t metadataSize, uint64_t weightsOffset,
                                  uint64_t weightsSize, uint32_t checksum) {
  const uint32_t reserved[3] = {0, 0, 0};
  return EngineFileHeader(
      flatbuffers::span<const uint8_t, 8>(reinterpret_cast<const uint8_t *>(kEngineMagic), 8),
      kFormatMajor, kFormatMinor, kHeaderSize, metadataSize, weightsOffset, weightsSize,
      checksum, flatbuffers::span<const uint32_t, 3>(reserved, 3));
}

std::vector<uint8_t> encodeEngineFile(ByteSpan metadata, ByteSpan weights) {
  uint64_t weightsOffset = alignUp(kHeaderSize + metadata.size, kWeightsAlignment);
  std::vector<uint8_t> file(weightsOffset + weights.size, 0);
  if (metadata.size)
    std::memcpy(file.data() + kHeaderSize, metadata.data, metadata.size);
  if (weights.size)
    std::memcpy(file.data() + weightsOffset, weights.data, weights.size);
  uint32_t checksum =
      engineChecksum(ByteSpan(file.data() + kHeaderSize, file.size() - kHeaderSize));
  encodeHeader(makeEngineHeader(metadata.size, weightsOffset, weights.size, checksum),
               file.data());
  return file;
}

Status writeEngineFile(const std::string &path, ByteSpan metadata,
                       ByteSpan weights) {
  std::vector<uint8_t> file = encodeEngineFile(metadata, weights);

  // A temporary name in the same folder, so that rename() is atomic.
  std::random_device entropy;
  std::string temporary = path + ".tmp." + std::to_string(getpid()) + "." +
                          std::to_string(entropy());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                  0644);
  if (fd < 0)
    return ioError("cannot create", temporary);
  size_t written = 0;
  while (written < file.size()) {
    ssize_t n = ::write(fd, file.data() + written, file.size() - written);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      Status status = ioError("cannot write", temporary);
      ::close(fd);
      ::unlink(temporary.c_str());
      return status;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    Status status = ioError("cannot write", temporary);
    ::unlink(temporary.c_str());
    return status;
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    Status status = ioError("cannot rename the temporary file to", path);
    ::unlink(temporary.c_str());
    return status;
  }
  return Status::success();
}

Expected<std::vector<uint8_t>> readFileBytes(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return ioError("cannot open", path);
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    Status status = ioError("cannot stat", path);
    ::close(fd);
    return status;
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    return Status(ErrorCode::IoError, "'" + path + "' is not a regular file");
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(info.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      Status status = ioError("cannot read", path);
      ::close(fd);
      return status;
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return bytes;
}

Expected<EngineFileHeader>
checkEngineHeader(ByteSpan file, std::vector<std::string> &warnings) {
  const size_t magicSize = sizeof(kEngineMagic);
  if (file.size < magicSize ||
      std::memcmp(file.data, kEngineMagic, magicSize) != 0) {
    size_t shown = file.size < magicSize ? file.size : magicSize;
    return Status(ErrorCode::NotAnEngine,
                  "not a Kiln engine: expected the magic \"KILNENG\\x00\", found " +
                      describeBytes(file.data, shown) +
                      (file.size < magicSize
                           ? " (the file has only " + std::to_string(file.size) +
                                 " bytes)"
                           : std::string()));
  }
  if (file.size < kHeaderSize)
    return Status(ErrorCode::Truncated,
                  "truncated engine: the header needs " +
                      std::to_string(kHeaderSize) + " bytes, the file has " +
                      std::to_string(file.size));

  EngineFileHeader header = decodeHeader(file.data);
  std::string version = std::to_string(header.format_major()) + "." +
                        std::to_string(header.format_minor());
  if (header.format_major() != kFormatMajor)
    return Status(ErrorCode::VersionMismatch,
                  "engine format version " + version +
                      " is not readable: this runtime reads format " +
                      std::to_string(kFormatMajor) + ".x (up to " +
                      std::to_string(kFormatMajor) + "." +
                      std::to_string(kFormatMinor) +
                      "); rebuild the engine with a matching compiler");
  if (header.format_minor() > kFormatMinor)
    warnings.push_back("engine format version " + version +
                       " is newer than this runtime's " +
                       std::to_string(kFormatMajor) + "." +
                       std::to_string(kFormatMinor) +
                       ": fields added since are ignored");
  else if (header.reserved()->Get(0) || header.reserved()->Get(1) || header.reserved()->Get(2))
    return Status(ErrorCode::InvalidEngine,
                  "invalid engine header: the reserved words must be zero in "
                  "format " + version + ", found " + hex32(header.reserved()->Get(0)) +
                      " " + hex32(header.reserved()->Get(1)) + " " +
                      hex32(header.reserved()->Get(2)));

  if (header.metadata_offset() != kHeaderSize)
    return Status(ErrorCode::InvalidEngine,
                  "invalid engine header: expected the metadata at offset " +
                      std::to_string(kHeaderSize) + ", found " +
                      std::to_string(header.metadata_offset()));
  if (header.metadata_size() == 0)
    return Status(ErrorCode::InvalidEngine,
                  "invalid engine header: the metadata is empty");
  if (header.weights_offset() % kWeightsAlignment != 0)
    return Status(ErrorCode::InvalidEngine,
                  "invalid engine header: the weights offset " +
                      std::to_string(header.weights_offset()) +
                      " is not a multiple of " +
                      std::to_string(kWeightsAlignment));
  // Overflow-safe: every size is compared with the file's before adding.
  if (header.metadata_size() > file.size - kHeaderSize)
    return Status(ErrorCode::Truncated,
                  "truncated engine: the header announces " +
                      std::to_string(header.metadata_size()) +
                      " bytes of metadata at offset 64, the file has " +
                      std::to_string(file.size) + " bytes in all");
  if (header.weights_offset() < kHeaderSize + header.metadata_size())
    return Status(ErrorCode::InvalidEngine,
                  "invalid engine header: the weights (offset " +
                      std::to_string(header.weights_offset()) +
                      ") overlap the metadata (which ends at " +
                      std::to_string(kHeaderSize + header.metadata_size()) + ")");
  if (header.weights_offset() > file.size ||
      header.weights_size() > file.size - header.weights_offset())
    return Status(ErrorCode::Truncated,
                  "truncated engine: expected " +
                      std::to_string(header.weights_offset()) + " + " +
                      std::to_string(header.weights_size()) + " = " +
                      std::to_string(header.weights_offset() + header.weights_size()) +
                      " bytes (header, metadata, weights), found " +
                      std::to_string(file.size));
  uint64_t expectedSize = header.weights_offset() + header.weights_size();
  if (file.size != expectedSize)
    return Status(ErrorCode::InvalidEngine,
                  "invalid engine: expected " + std::to_string(expectedSize) +
                      " bytes, found " + std::to_string(file.size) + " (" +
                      std::to_string(file.size - expectedSize) +
                      " unexpected bytes after the weights)");

  uint32_t checksum =
      engineChecksum(ByteSpan(file.data + kHeaderSize, file.size - kHeaderSize));
  if (checksum != header.checksum())
    return Status(ErrorCode::Corrupted,
                  "corrupted engine: checksum mismatch (the header says " +
                      hex32(header.checksum()) + ", the content's crc32 is " +
                      hex32(checksum) + ")");
  return header;
}

Expected<EngineFile> EngineFile::open(const std::string &path) {
  auto bytes = readFileBytes(path);
  if (!bytes)
    return bytes.takeStatus();
  auto file = fromBytes(std::move(bytes.value()));
  if (!file)
    return file.takeStatus().prepend("'" + path + "': ");
  return file;
}

Expected<EngineFile> EngineFile::fromMemory(const void *data, size_t size) {
  if (!data && size)
    return Status(ErrorCode::InvalidArgument, "null engine data");
  const uint8_t *begin = static_cast<const uint8_t *>(data);
  return fromBytes(std::vector<uint8_t>(begin, begin + size));
}

Expected<EngineFile> EngineFile::fromBytes(std::vector<uint8_t> bytes) {
  EngineFile file;
  file.bytes_ = std::move(bytes);
  auto header = checkEngineHeader(file.bytes_, file.warnings_);
  if (!header)
    return header.takeStatus();
  file.header_ = *header;

  ByteSpan metadata(file.bytes_.data() + file.header_.metadata_offset(),
                    file.header_.metadata_size());
  if (Status status = verifyMetadataStructure(metadata); !status.ok())
    return status;
  file.metadata_ = kiln::fb::GetEngine(metadata.data);
  if (Status status = verifyEngineConsistency(
          *file.metadata_, file.header_.weights_size(), file.warnings_);
      !status.ok())
    return status;
  return file;
}

ByteSpan EngineFile::weights() const {
  return ByteSpan(bytes_.data() + header_.weights_offset(), header_.weights_size());
}

} // namespace kiln::runtime
