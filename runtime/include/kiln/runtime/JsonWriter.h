// A small streaming JSON writer (two-space indentation; arrays of numbers on
// one line) for inspection, profiles and kiln-run's exports.
#ifndef KILN_RUNTIME_JSONWRITER_H
#define KILN_RUNTIME_JSONWRITER_H

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::runtime {

class JsonWriter {
public:
  JsonWriter &beginObject();
  JsonWriter &endObject();
  /// `inlined` arrays print on one line (for short lists of numbers).
  JsonWriter &beginArray(bool inlined = false);
  JsonWriter &endArray();
  JsonWriter &key(const std::string &name);
  JsonWriter &value(const std::string &text);
  JsonWriter &value(const char *text);
  JsonWriter &value(int64_t number);
  JsonWriter &value(uint64_t number);
  JsonWriter &value(int number) { return value(static_cast<int64_t>(number)); }
  JsonWriter &value(unsigned number) { return value(static_cast<uint64_t>(number)); }
  /// Non-finite numbers are written as null.
  JsonWriter &value(double number);
  JsonWriter &value(bool flag);
  JsonWriter &null();
  template <typename T> JsonWriter &field(const std::string &name, const T &v) {
    key(name);
    return value(v);
  }
  /// The document, with a final newline once the outermost value is closed.
  std::string str() const;

private:
  void beforeValue();
  struct Level {
    bool array;
    bool inlined;
    size_t count;
  };
  std::string out_;
  std::vector<Level> levels_;
  bool afterKey_ = false;
};

/// `text` as a JSON string literal, quotes included.
std::string jsonQuote(const std::string &text);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_JSONWRITER_H
