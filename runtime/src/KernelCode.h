// What the loader needs to know of generated code without a GPU: the kernel
// entries of a PTX module (and their parameter counts) and the function
// symbols of a cubin (an ELF file).
#ifndef KILN_RUNTIME_SRC_KERNELCODE_H
#define KILN_RUNTIME_SRC_KERNELCODE_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace kiln::runtime {

/// Entry name -> number of parameters, from `.entry name(.param ..., ...)`.
std::map<std::string, unsigned> ptxEntries(const std::string &ptx);

/// The function symbols of an ELF64 little-endian image; nullopt when the
/// bytes are not such an ELF file.
std::optional<std::set<std::string>> elfFunctionSymbols(const uint8_t *data,
                                                        size_t size);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_SRC_KERNELCODE_H
