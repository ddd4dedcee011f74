// The streaming JSON writer.
#include "kiln/runtime/JsonWriter.h"

#include <cmath>
#include <cstdio>

namespace kiln::runtime {

std::string jsonQuote(const std::string &text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (c < 0x20) {
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
        out += buffer;
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  return out + "\"";
}

void JsonWriter::beforeValue() {
  if (afterKey_) {
    afterKey_ = false;
    return;
  }
  if (levels_.empty())
    return;
  Level &level = levels_.back();
  if (level.count++)
    out_ += level.inlined ? ", " : ",";
  if (!level.inlined)
    out_ += "\n" + std::string(2 * levels_.size(), ' ');
}

JsonWriter &JsonWriter::beginObject() {
  beforeValue();
  out_ += "{";
  levels_.push_back({false, false, 0});
  return *this;
}

JsonWriter &JsonWriter::endObject() {
  Level level = levels_.back();
  levels_.pop_back();
  if (level.count)
    out_ += "\n" + std::string(2 * levels_.size(), ' ');
  out_ += "}";
  return *this;
}

JsonWriter &JsonWriter::beginArray(bool inlined) {
  beforeValue();
  out_ += "[";
  bool parentInlined = !levels_.empty() && levels_.back().inlined;
  levels_.push_back({true, inlined || parentInlined, 0});
  return *this;
}

JsonWriter &JsonWriter::endArray() {
  Level level = levels_.back();
  levels_.pop_back();
  if (level.count && !level.inlined)
    out_ += "\n" + std::string(2 * levels_.size(), ' ');
  out_ += "]";
  return *this;
}

JsonWriter &JsonWriter::key(const std::string &name) {
  beforeValue();
  out_ += jsonQuote(name) + ": ";
  afterKey_ = true;
  return *this;
}

JsonWriter &JsonWriter::value(const std::string &text) {
  beforeValue();
  out_ += jsonQuote(text);
  return *this;
}

JsonWriter &JsonWriter::value(const char *text) { return value(std::string(text)); }

JsonWriter &JsonWriter::value(int64_t number) {
  beforeValue();
  out_ += std::to_string(number);
  return *this;
}

JsonWriter &JsonWriter::value(uint64_t number) {
  beforeValue();
  out_ += std::to_string(number);
  return *this;
}

JsonWriter &JsonWriter::value(double number) {
  beforeValue();
  if (!std::isfinite(number)) {
    out_ += "null";
    return *this;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", number);
  out_ += buffer;
  return *this;
}

JsonWriter &JsonWriter::value(bool flag) {
  beforeValue();
  out_ += flag ? "true" : "false";
  return *this;
}

JsonWriter &JsonWriter::null() {
  beforeValue();
  out_ += "null";
  return *this;
}

std::string JsonWriter::str() const {
  return levels_.empty() && !out_.empty() ? out_ + "\n" : out_;
}

} // namespace kiln::runtime
