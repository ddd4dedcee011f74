// Kernel names in PTX text and cubin ELF images, for the loader's check that
// every launch names a kernel the code defines.
#include "KernelCode.h"

#include <cctype>
#include <cstring>

namespace kiln::runtime {

namespace {

bool isIdentifierChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
         c == '.';
}

// Skips spaces and PTX comments.
size_t skipBlanks(const std::string &text, size_t at) {
  while (at < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[at]))) {
      ++at;
    } else if (text.compare(at, 2, "//") == 0) {
      at = text.find('\n', at);
      if (at == std::string::npos)
        return text.size();
    } else if (text.compare(at, 2, "/*") == 0) {
      at = text.find("*/", at + 2);
      if (at == std::string::npos)
        return text.size();
      at += 2;
    } else {
      break;
    }
  }
  return at;
}

} // namespace

std::map<std::string, unsigned> ptxEntries(const std::string &ptx) {
  std::map<std::string, unsigned> entries;
  size_t at = 0;
  while ((at = ptx.find(".entry", at)) != std::string::npos) {
    bool wordStart = at == 0 || !isIdentifierChar(ptx[at - 1]);
    at += 6;
    if (!wordStart || at >= ptx.size() || isIdentifierChar(ptx[at]))
      continue;
    at = skipBlanks(ptx, at);
    size_t nameBegin = at;
    while (at < ptx.size() && isIdentifierChar(ptx[at]))
      ++at;
    std::string name = ptx.substr(nameBegin, at - nameBegin);
    if (name.empty())
      continue;
    unsigned params = 0;
    at = skipBlanks(ptx, at);
    if (at < ptx.size() && ptx[at] == '(') {
      size_t close = ptx.find(')', at);
      if (close == std::string::npos)
        close = ptx.size();
      for (size_t p = ptx.find(".param", at); p != std::string::npos && p < close;
           p = ptx.find(".param", p + 6))
        ++params;
      at = close;
    }
    entries[name] = params;
  }
  return entries;
}

namespace {

template <typename T> bool read(const uint8_t *data, size_t size, uint64_t at,
                                T &value) {
  if (at > size || sizeof(T) > size - at)
    return false;
  std::memcpy(&value, data + at, sizeof(T));
  return true;
}

} // namespace

std::optional<std::set<std::string>> elfFunctionSymbols(const uint8_t *data,
                                                        size_t size) {
  // ELF64, little-endian (the only kind of cubin NVIDIA makes).
  if (size < 64 || std::memcmp(data, "\x7f" "ELF", 4) != 0 || data[4] != 2 ||
      data[5] != 1)
    return std::nullopt;
  uint64_t sectionsOffset;
  uint16_t sectionSize, sectionCount;
  if (!read(data, size, 0x28, sectionsOffset) ||
      !read(data, size, 0x3A, sectionSize) ||
      !read(data, size, 0x3C, sectionCount) || sectionSize < 64)
    return std::nullopt;

  std::set<std::string> symbols;
  for (uint16_t s = 0; s < sectionCount; ++s) {
    uint64_t header = sectionsOffset + uint64_t(s) * sectionSize;
    uint32_t type, link;
    uint64_t offset, bytes, entrySize;
    if (!read(data, size, header + 4, type) ||
        !read(data, size, header + 0x18, offset) ||
        !read(data, size, header + 0x20, bytes) ||
        !read(data, size, header + 0x28, link) ||
        !read(data, size, header + 0x38, entrySize))
      return std::nullopt;
    const uint32_t kSymbolTable = 2;
    if (type != kSymbolTable)
      continue;
    if (entrySize < 24 || link >= sectionCount || offset > size ||
        bytes > size - offset)
      return std::nullopt;
    uint64_t stringsHeader = sectionsOffset + uint64_t(link) * sectionSize;
    uint64_t stringsOffset, stringsSize;
    if (!read(data, size, stringsHeader + 0x18, stringsOffset) ||
        !read(data, size, stringsHeader + 0x20, stringsSize) ||
        stringsOffset > size || stringsSize > size - stringsOffset)
      return std::nullopt;
    for (uint64_t entry = offset; entry + entrySize <= offset + bytes;
         entry += entrySize) {
      uint32_t nameOffset;
      uint8_t info;
      if (!read(data, size, entry, nameOffset) ||
          !read(data, size, entry + 4, info))
        return std::nullopt;
      const uint8_t kFunction = 2;
      if ((info & 0xf) != kFunction || nameOffset >= stringsSize)
        continue;
      const char *name =
          reinterpret_cast<const char *>(data + stringsOffset + nameOffset);
      size_t length = strnlen(name, stringsSize - nameOffset);
      symbols.insert(std::string(name, length));
    }
  }
  return symbols;
}

} // namespace kiln::runtime
