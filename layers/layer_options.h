// The vocabulary of layer options: what every layer's options struct shares, on top of the
// keyword-argument mechanism of core/kwargs.h.
//
// A layer's options struct declares the layer's Keras arguments in the order of its Keras
// signature — the positional ones first, set by the layer's constructor — then
// KEEL_LAYER_BASE_OPTIONS; its table `fields()` lists them with their Keras names and rules and
// ends with base_fields<Options>(). That one table gives the layer its validation (at
// construction, messages starting with the layer's label), its get_config() and its
// from_config (register_layer_class in layers/factory.h). docs/WRITING_A_LAYER.md shows a
// whole layer.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "keel/core/config.h"
#include "keel/core/kwargs.h"
#include "keel/core/shape.h"

namespace keel::layers {

// The keyword arguments every Keras layer takes (designated initializers cannot name a base
// class's members, so each options struct declares them, last):
//   input_shape        the input's shape without the batch axis; rank 0 = not given
//   batch_input_shape  with the batch axis; rank 0 = not given
//   input_dtype        Keras 1's; keel computes in float32, the only value it accepts
//   name               "" = automatic: "<class lower-cased>_<n>"
//   trainable          false freezes the layer's weights
#define KEEL_LAYER_BASE_OPTIONS        \
  ::keel::Shape input_shape;           \
  ::keel::Shape batch_input_shape;     \
  std::string input_dtype = "float32"; \
  std::string name;                    \
  bool trainable = true

// The table rows of KEEL_LAYER_BASE_OPTIONS. They are read from a config, and written by
// Layer::get_config() from the layer's state (its resolved name, current trainable flag, and
// batch_input_shape with input_dtype, as Keras writes them).
template <class O>
auto base_fields() {
  return kwargs::fields(
      kwargs::read_only("input_shape", &O::input_shape),
      kwargs::read_only("batch_input_shape", &O::batch_input_shape),
      kwargs::read_only("input_dtype", &O::input_dtype, kwargs::one_of({"float32"})),
      kwargs::read_only("name", &O::name), kwargs::read_only("trainable", &O::trainable));
}

// The options with the positional arguments of a layer's Keras call set:
//   with_args(o, &Options::nb_filter, 64, &Options::nb_row, 3, &Options::nb_col, 3)
template <class O>
O with_args(O o) {
  return o;
}
template <class O, class T, class V, class... Rest>
O with_args(O o, T O::*member, V&& value, Rest&&... rest) {
  o.*member = std::forward<V>(value);
  return with_args(std::move(o), std::forward<Rest>(rest)...);
}

// dim_ordering: "tf", "th" or "default" (keel::default_dim_ordering(), resolved at
// construction: the resolved value is what get_config() writes, as Keras).
kwargs::Rule<std::string> dim_ordering_rule();
// Resolves "default" in place; the ordering.
DimOrdering resolve_dim_ordering(std::string& dim_ordering);

// activation: a Keras activation name (autograd/ops.h); "" is Keras's None, i.e. "linear".
kwargs::Rule<std::string> activation_rule();

// border_mode among `allowed` ("valid", "same", "full").
kwargs::Rule<std::string> border_mode_rule(std::vector<std::string> allowed);

}  // namespace keel::layers
