//===- EngineJson.cpp - an engine's metadata as JSON, through the schema's reflection -===//

#include "kiln/engine/EngineWriter.h"

#include "kiln/runtime/engine_generated.h"

#include "flatbuffers/minireflect.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <utility>

using namespace mlir;

namespace {
/// JSON with quoted keys, one field a line, vectors of numbers on one line,
/// and machine code (cubins, PTX) shown by size only: output FileCheck can
/// match line by line.
struct JsonVisitor : flatbuffers::ToStringVisitor {
  JsonVisitor() : ToStringVisitor("\n", /*quotes=*/true, "  ") {}

  void Field(size_t index, size_t setIndex, flatbuffers::ElementaryType type, bool isVector,
             const flatbuffers::TypeTable *table, const char *name,
             const uint8_t *value) override {
    ToStringVisitor::Field(index, setIndex, type, isVector, table, name, value);
    nextInline = isVector && type != flatbuffers::ET_SEQUENCE && type != flatbuffers::ET_STRING;
    nextCode = name && (!std::strcmp(name, "cubin") || !std::strcmp(name, "ptx"));
  }
  void StartVector() override {
    if (std::exchange(nextCode, false)) {
      codeBytes = 0;
      inCode = true;
      return;
    }
    inlineStack.push_back(nextInline);
    vector_delimited = !nextInline;
    ToStringVisitor::StartVector();
  }
  void EndVector() override {
    if (std::exchange(inCode, false)) {
      s += "\"<" + std::to_string(codeBytes) + " bytes>\"";
      return;
    }
    vector_delimited = !inlineStack.back();
    ToStringVisitor::EndVector();
    inlineStack.pop_back();
  }
  void Element(size_t i, flatbuffers::ElementaryType type,
               const flatbuffers::TypeTable *table, const uint8_t *value) override {
    if (inCode)
      return;
    vector_delimited = !inlineStack.back();
    ToStringVisitor::Element(i, type, table, value);
  }
  void UChar(uint8_t x, const char *name) override {
    if (inCode)
      ++codeBytes;
    else
      ToStringVisitor::UChar(x, name);
  }
  void String(const flatbuffers::String *text) override {
    if (std::exchange(nextCode, false))
      s += "\"<" + std::to_string(text->size()) + " bytes>\"";
    else
      ToStringVisitor::String(text);
  }

  bool nextInline = false, nextCode = false, inCode = false;
  size_t codeBytes = 0;
  std::vector<bool> inlineStack;
};
} // namespace

LogicalResult kiln::engine::printEngineJson(const EngineBytes &engine, llvm::raw_ostream &os) {
  flatbuffers::Verifier verifier(engine.metadata.data(), engine.metadata.size());
  if (!fb::VerifyEngineBuffer(verifier)) {
    llvm::errs() << "error: the engine metadata is not a valid kiln.fb.Engine FlatBuffer\n";
    return failure();
  }
  JsonVisitor visitor;
  flatbuffers::IterateFlatBuffer(engine.metadata.data(), fb::EngineTypeTable(), &visitor);
  os << visitor.s << "\n";
  return success();
}
