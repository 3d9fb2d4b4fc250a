#include "keel/layers/zero_padding.h"

#include <algorithm>
#include <map>

#include "keel/autograd/resize_ops.h"
#include "keel/core/error.h"
#include "keel/layers/config_reader.h"
#include "keel/layers/factory.h"

namespace keel::layers {

namespace {

Config list_config(std::span<const std::int64_t> v) {
  return Config(std::vector<std::int64_t>(v.begin(), v.end()));
}

}  // namespace

// --- ZeroPaddingBase -------------------------------------------------------------------------

ZeroPaddingBase::ZeroPaddingBase(std::string class_name, int rank, const std::string& dim_ordering,
                                 const BaseOptions& base)
    : Layer(std::move(class_name), base), rank_(rank), ordering_(DimOrdering::tf) {
  if (rank_ > 1) ordering_ = parse_dim_ordering(dim_ordering, label());  // 1D: always tf
}

void ZeroPaddingBase::check_length(std::span<const std::int64_t> padding,
                                   std::initializer_list<std::size_t> sizes,
                                   const std::string& expected) const {
  if (std::find(sizes.begin(), sizes.end(), padding.size()) == sizes.end())
    throw ValueError(who() + "padding " + list_config(padding).dump() + " has " +
                     std::to_string(padding.size()) + " entries, expected " + expected);
}

void ZeroPaddingBase::set_padding(std::vector<std::int64_t> before, std::vector<std::int64_t> after,
                                  Config form) {
  for (std::size_t i = 0; i < before.size(); ++i)
    if (before[i] < 0 || after[i] < 0)
      throw ValueError(who() + "padding " + form.dump() + " has a negative entry (" +
                       std::to_string(std::min(before[i], after[i])) +
                       "), expected every entry >= 0");
  before_ = std::move(before);
  after_ = std::move(after);
  form_ = std::move(form);
}

Shape ZeroPaddingBase::compute_output_shape(const Shape& in) const {
  if (in.rank() != rank_ + 2)
    throw ShapeError(who() + "expected an input of rank " + std::to_string(rank_ + 2) + " " +
                     image_layout(rank_, ordering_) + ", got shape " + in.str());
  const int first = ordering_ == DimOrdering::tf ? 1 : 2;
  Shape out = in;
  for (int i = 0; i < rank_; ++i) {
    const std::int64_t length = in[first + i];
    if (length != Shape::kUnknown) out = out.with_dim(first + i, length + before_[i] + after_[i]);
  }
  return out;
}

Variable ZeroPaddingBase::call(const Variable& x) {
  return zero_pad(x, image_data_axes(rank_, ordering_ == DimOrdering::tf), before_, after_);
}

Config ZeroPaddingBase::layer_config() const {
  Config c;
  c["padding"] = form_;
  if (rank_ > 1) c["dim_ordering"] = std::string(keel::to_string(ordering_));
  return c;
}

// --- ZeroPadding1D ---------------------------------------------------------------------------

ZeroPadding1D::ZeroPadding1D(const ZeroPadding1DOptions& o) : ZeroPadding1D(1, o) {}

ZeroPadding1D::ZeroPadding1D(std::int64_t padding, const ZeroPadding1DOptions& o)
    : ZeroPaddingBase("ZeroPadding1D", 1, "", base_options(o)) {
  set_padding({padding}, {padding}, padding);
}

ZeroPadding1D::ZeroPadding1D(std::initializer_list<std::int64_t> padding,
                             const ZeroPadding1DOptions& o)
    : ZeroPadding1D(as_span(padding), o) {}

ZeroPadding1D::ZeroPadding1D(std::span<const std::int64_t> padding, const ZeroPadding1DOptions& o)
    : ZeroPaddingBase("ZeroPadding1D", 1, "", base_options(o)) {
  check_length(padding, {2}, "2 (left_pad, right_pad)");
  set_padding({padding[0]}, {padding[1]}, list_config(padding));
}

ZeroPadding1D::ZeroPadding1D(Padding p, const ZeroPadding1DOptions& o)
    : ZeroPaddingBase("ZeroPadding1D", 1, "", base_options(o)) {
  set_padding({p.left_pad}, {p.right_pad},
              Config{{"left_pad", p.left_pad}, {"right_pad", p.right_pad}});
}

// --- ZeroPadding2D ---------------------------------------------------------------------------

ZeroPadding2D::ZeroPadding2D(const ZeroPadding2DOptions& o) : ZeroPadding2D({1, 1}, o) {}

ZeroPadding2D::ZeroPadding2D(std::int64_t padding, const ZeroPadding2DOptions& o)
    : ZeroPaddingBase("ZeroPadding2D", 2, o.dim_ordering, base_options(o)) {
  set_padding({padding, padding}, {padding, padding}, padding);
}

ZeroPadding2D::ZeroPadding2D(std::initializer_list<std::int64_t> padding,
                             const ZeroPadding2DOptions& o)
    : ZeroPadding2D(as_span(padding), o) {}

ZeroPadding2D::ZeroPadding2D(std::span<const std::int64_t> p, const ZeroPadding2DOptions& o)
    : ZeroPaddingBase("ZeroPadding2D", 2, o.dim_ordering, base_options(o)) {
  check_length(p, {2, 4}, "2 (rows, cols) or 4 (top_pad, bottom_pad, left_pad, right_pad)");
  if (p.size() == 2) {
    set_padding({p[0], p[1]}, {p[0], p[1]}, list_config(p));
  } else {
    set_padding({p[0], p[2]}, {p[1], p[3]}, list_config(p));
  }
}

ZeroPadding2D::ZeroPadding2D(Padding p, const ZeroPadding2DOptions& o)
    : ZeroPaddingBase("ZeroPadding2D", 2, o.dim_ordering, base_options(o)) {
  set_padding({p.top_pad, p.left_pad}, {p.bottom_pad, p.right_pad},
              Config{{"top_pad", p.top_pad},
                     {"bottom_pad", p.bottom_pad},
                     {"left_pad", p.left_pad},
                     {"right_pad", p.right_pad}});
}

// --- ZeroPadding3D ---------------------------------------------------------------------------

ZeroPadding3D::ZeroPadding3D(const ZeroPadding3DOptions& o) : ZeroPadding3D({1, 1, 1}, o) {}

ZeroPadding3D::ZeroPadding3D(std::int64_t padding, const ZeroPadding3DOptions& o)
    : ZeroPaddingBase("ZeroPadding3D", 3, o.dim_ordering, base_options(o)) {
  const std::vector<std::int64_t> v(3, padding);
  set_padding(v, v, padding);
}

ZeroPadding3D::ZeroPadding3D(std::initializer_list<std::int64_t> padding,
                             const ZeroPadding3DOptions& o)
    : ZeroPadding3D(as_span(padding), o) {}

ZeroPadding3D::ZeroPadding3D(std::span<const std::int64_t> p, const ZeroPadding3DOptions& o)
    : ZeroPaddingBase("ZeroPadding3D", 3, o.dim_ordering, base_options(o)) {
  check_length(p, {3}, "3 (dim1, dim2, dim3), symmetric on each axis");
  const std::vector<std::int64_t> v(p.begin(), p.end());
  set_padding(v, v, list_config(p));
}

// --- from_config -----------------------------------------------------------------------------

namespace {

// The entries of a JSON list of integers.
std::vector<std::int64_t> int_list(const Config& v, const std::string& who,
                                   const std::string& expected) {
  std::vector<std::int64_t> out;
  for (const auto& e : v) {
    if (!e.is_number_integer())
      throw ValueError(who + "padding is " + v.dump() + ", expected " + expected);
    out.push_back(e.get<std::int64_t>());
  }
  return out;
}

// A Keras padding dict: every key must be one of `keys` and every value an integer; missing
// keys are 0.
std::map<std::string, std::int64_t> int_dict(const Config& v, const std::string& who,
                                             const std::vector<std::string>& keys) {
  std::map<std::string, std::int64_t> out;
  for (const auto& k : keys) out[k] = 0;
  std::string names;
  for (const auto& k : keys) names += (names.empty() ? "" : ", ") + k;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!out.count(it.key()))
      throw ValueError(who + "padding " + v.dump() + " has the unexpected key '" + it.key() +
                       "', expected keys among " + names);
    if (!it.value().is_number_integer())
      throw ValueError(who + "padding " + v.dump() + ": '" + it.key() + "' must be an integer");
    out[it.key()] = it.value().get<std::int64_t>();
  }
  return out;
}

const bool registered_zero_padding1d = register_layer("ZeroPadding1D", [](const Config& config) {
  const std::string who = "ZeroPadding1D: ";
  ConfigReader r(config, who);
  ZeroPadding1DOptions o;
  r.read_base_into(o);
  const Config p = r.get_raw("padding");
  r.finish();
  const std::string expected =
      "an int, a list (left_pad, right_pad) or a dict with keys "
      "left_pad, right_pad";
  if (p.is_null()) return std::make_shared<ZeroPadding1D>(o);
  if (p.is_number_integer()) return std::make_shared<ZeroPadding1D>(p.get<std::int64_t>(), o);
  if (p.is_array()) {
    const std::vector<std::int64_t> v = int_list(p, who, expected);
    return std::make_shared<ZeroPadding1D>(std::span<const std::int64_t>(v), o);
  }
  if (p.is_object()) {
    auto d = int_dict(p, who, {"left_pad", "right_pad"});
    return std::make_shared<ZeroPadding1D>(ZeroPadding1D::Padding{d["left_pad"], d["right_pad"]},
                                           o);
  }
  throw ValueError(who + "padding is " + p.dump() + ", expected " + expected);
});

const bool registered_zero_padding2d = register_layer("ZeroPadding2D", [](const Config& config) {
  const std::string who = "ZeroPadding2D: ";
  ConfigReader r(config, who);
  ZeroPadding2DOptions o;
  r.read_base_into(o);
  const Config p = r.get_raw("padding");
  r.finish();
  const std::string expected =
      "a list (rows, cols) or (top_pad, bottom_pad, left_pad, "
      "right_pad), a dict with those keys, or an int";
  if (p.is_null()) return std::make_shared<ZeroPadding2D>(o);
  if (p.is_number_integer()) return std::make_shared<ZeroPadding2D>(p.get<std::int64_t>(), o);
  if (p.is_array()) {
    const std::vector<std::int64_t> v = int_list(p, who, expected);
    return std::make_shared<ZeroPadding2D>(std::span<const std::int64_t>(v), o);
  }
  if (p.is_object()) {
    auto d = int_dict(p, who, {"top_pad", "bottom_pad", "left_pad", "right_pad"});
    return std::make_shared<ZeroPadding2D>(
        ZeroPadding2D::Padding{d["top_pad"], d["bottom_pad"], d["left_pad"], d["right_pad"]}, o);
  }
  throw ValueError(who + "padding is " + p.dump() + ", expected " + expected);
});

const bool registered_zero_padding3d = register_layer("ZeroPadding3D", [](const Config& config) {
  const std::string who = "ZeroPadding3D: ";
  ConfigReader r(config, who);
  ZeroPadding3DOptions o;
  r.read_base_into(o);
  const Config p = r.get_raw("padding");
  r.finish();
  const std::string expected = "a list (dim1, dim2, dim3) or an int";
  if (p.is_null()) return std::make_shared<ZeroPadding3D>(o);
  if (p.is_number_integer()) return std::make_shared<ZeroPadding3D>(p.get<std::int64_t>(), o);
  if (p.is_array()) {
    const std::vector<std::int64_t> v = int_list(p, who, expected);
    return std::make_shared<ZeroPadding3D>(std::span<const std::int64_t>(v), o);
  }
  throw ValueError(who + "padding is " + p.dump() + ", expected " + expected);
});

}  // namespace

}  // namespace keel::layers
