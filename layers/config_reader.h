// ConfigReader: reads a layer's Keras config (the JSON of get_config(), or a layer's keyword
// arguments in a conformance manifest) key by key, with Keras's defaults, and rejects keys the
// layer does not take — Keras raised TypeError for an unknown keyword argument.
//
// Errors are ValueErrors naming the layer, the key, the value and what was expected.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "keel/constraints/constraint.h"
#include "keel/core/json.h"
#include "keel/core/shape.h"
#include "keel/layers/layer.h"
#include "keel/regularizers/regularizer.h"

namespace keel::layers {

class ConfigReader {
 public:
  ConfigReader(const Config& config, std::string who);

  bool has(const std::string& key) const;
  std::int64_t get_int(const std::string& key, std::int64_t fallback);
  // A list of `n` ints; a bare int is repeated n times when `int_ok`.
  std::vector<std::int64_t> get_ints(const std::string& key, std::size_t n,
                                     std::vector<std::int64_t> fallback, bool int_ok = false);
  std::string get_string(const std::string& key, const std::string& fallback);
  bool get_bool(const std::string& key, bool fallback);
  double get_double(const std::string& key, double fallback);
  // A shape with null entries for unknown dims; rank 0 if the key is absent or null.
  Shape get_shape(const std::string& key);
  std::optional<regularizers::L1L2Regularizer> get_regularizer(const std::string& key);
  std::optional<constraints::Constraint> get_constraint(const std::string& key);
  // The raw value (marks the key as read); null if absent.
  Config get_raw(const std::string& key);
  // The keys every layer takes: name, trainable, input_shape, batch_input_shape, input_dtype.
  BaseOptions get_base();
  // The same, written into a layer's options struct — with dim_ordering when it has one.
  template <typename Options>
  void read_base_into(Options& o) {
    if constexpr (requires { o.dim_ordering; }) o.dim_ordering = get_string("dim_ordering", "default");
    const BaseOptions base = get_base();
    o.input_shape = base.input_shape;
    o.batch_input_shape = base.batch_input_shape;
    o.name = base.name;
    o.trainable = base.trainable;
  }

  // ValueError listing the keys that were never read.
  void finish() const;

 private:
  const Config& lookup(const std::string& key);
  [[noreturn]] void fail(const std::string& key, const std::string& expected) const;

  const Config& config_;
  std::string who_;
  std::set<std::string> read_;
};

// The config of an optional regularizer or constraint: null when absent (Keras's None).
template <typename T>
Config optional_config(const std::optional<T>& value) {
  return value ? value->get_config() : Config(nullptr);
}

// A Keras shape list to JSON: unknown dims become null.
Config shape_to_config(const Shape& s);

}  // namespace keel::layers
