// Margins: the padding argument of ZeroPadding1D/2D/3D and the cropping argument of
// Cropping1D/2D/3D, in every form Keras 1 took, kept as given (get_config() writes it back so),
// and resolved by the layer into (before, after) per spatial axis:
//
//   form                        ZeroPadding1D/2D/3D                 Cropping1D/2D/3D
//   int                         every side of every axis (keel: 2D/3D too)   (keel extension)
//   flat list                   1D (left, right); 2D (rows, cols)   1D (left, right)
//                               or (top, bottom, left, right);
//                               3D (dim1, dim2, dim3), symmetric
//   list of (begin, end) pairs  -                                   2D, 3D: one pair per axis
//   dict                        1D {left_pad, right_pad}; 2D        -
//                               {top_pad, bottom_pad, left_pad,
//                               right_pad}; missing keys 0
// Every entry must be >= 0. An argument of the wrong form is a ValueError naming the layer,
// the argument, the form given and the forms expected (through the options table's rule).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <ranges>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "keel/core/json.h"
#include "keel/core/kwargs.h"

namespace keel::layers {

// One (begin, end) pair per spatial axis (Cropping's form).
using CropPair = std::array<std::int64_t, 2>;

// The dict forms of ZeroPadding1D and ZeroPadding2D.
struct Pad1D {
  std::int64_t left_pad = 0;
  std::int64_t right_pad = 0;
};
struct Pad2D {
  std::int64_t top_pad = 0;
  std::int64_t bottom_pad = 0;
  std::int64_t left_pad = 0;
  std::int64_t right_pad = 0;
};

// The form as given; PaddingSpec and CroppingSpec below are how C++ spells each layer's forms.
class Margins {
 public:
  // Any form as JSON (a config value); checked when the layer resolves it.
  explicit Margins(Config form) : form_(std::move(form)) {}
  const Config& form() const { return form_; }
  friend bool operator==(const Margins&, const Margins&) = default;

 protected:
  Margins() = default;
  Config form_;
};

// ZeroPadding's padding: an int, a flat list, or a dict (Pad1D, Pad2D).
class PaddingSpec : public Margins {
 public:
  using Margins::Margins;
  PaddingSpec(std::int64_t all) { form_ = all; }         // NOLINT(google-explicit-constructor)
  PaddingSpec(std::initializer_list<std::int64_t> flat)  // NOLINT(google-explicit-constructor)
      : PaddingSpec(std::vector<std::int64_t>(flat)) {}
  PaddingSpec(const std::vector<std::int64_t>& flat) { form_ = flat; }  // NOLINT
  PaddingSpec(std::span<const std::int64_t> flat)  // NOLINT(google-explicit-constructor)
      : PaddingSpec(std::vector<std::int64_t>(flat.begin(), flat.end())) {}
  PaddingSpec(Pad1D d);  // NOLINT(google-explicit-constructor)
  PaddingSpec(Pad2D d);  // NOLINT(google-explicit-constructor)
};

// Cropping's cropping: an int, a flat (left, right) list (1D), or (begin, end) pairs.
class CroppingSpec : public Margins {
 public:
  using Margins::Margins;
  CroppingSpec(std::int64_t all) { form_ = all; }         // NOLINT(google-explicit-constructor)
  CroppingSpec(std::initializer_list<std::int64_t> flat)  // NOLINT(google-explicit-constructor)
      : CroppingSpec(std::vector<std::int64_t>(flat)) {}
  CroppingSpec(const std::vector<std::int64_t>& flat) { form_ = flat; }            // NOLINT
  CroppingSpec(std::initializer_list<std::initializer_list<std::int64_t>> pairs);  // NOLINT
  // Any range of CropPair (a std::vector, a std::span, ...).
  // clang-format 14 cannot lay out a requires-clause.
  // clang-format off
  template <class R>
    requires std::is_convertible_v<std::ranges::range_value_t<R>, CropPair>
  CroppingSpec(const R& pairs) {  // NOLINT(google-explicit-constructor)
    // clang-format on
    form_ = Config::array();
    for (const CropPair& p : pairs) form_.push_back({p[0], p[1]});
  }
};

// Which layer reads the margins.
enum class MarginKind { pad1d, pad2d, pad3d, crop1d, crop2d, crop3d };

struct ResolvedMargins {
  std::vector<std::int64_t> before, after;  // per spatial axis
};
// The margins resolved, or "" into `error` with the text of what was expected.
ResolvedMargins resolve_margins(const Margins& m, MarginKind kind, std::string* error);
// The table rule of a padding or cropping argument of `kind`.
kwargs::Rule<Margins> margins_rule(MarginKind kind);
template <class M>
kwargs::Rule<M> margins_rule_for(MarginKind kind) {
  return [r = margins_rule(kind)](const M& m) { return r(m); };
}

}  // namespace keel::layers

namespace keel::kwargs {

template <class M>
requires std::is_base_of_v<layers::Margins, M>
struct Codec<M> {
  static Config write(const M& m) { return m.form(); }
  static bool read(const Config& j, M& out) {
    out = M(j);
    return true;
  }
  static std::string expected() { return "an int, a list or a dict"; }
};

}  // namespace keel::kwargs
