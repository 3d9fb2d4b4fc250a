#include "keel/layers/cropping.h"

#include <algorithm>

#include "keel/autograd/resize_ops.h"
#include "keel/core/error.h"
#include "keel/layers/config_reader.h"
#include "keel/layers/factory.h"

namespace keel::layers {

namespace {

std::string spatial_name(int rank, int i) {
  if (rank == 1) return "steps";
  if (rank == 2) return i == 0 ? "rows" : "cols";
  return "dim" + std::to_string(i + 1);
}

Config pairs_config(const std::vector<CropPair>& pairs) {
  Config c = Config::array();
  for (const auto& p : pairs) c.push_back({p[0], p[1]});
  return c;
}

}  // namespace

// --- CroppingBase ----------------------------------------------------------------------------

CroppingBase::CroppingBase(std::string class_name, int rank, const std::string& dim_ordering,
                           const BaseOptions& base)
    : Layer(std::move(class_name), base), rank_(rank), ordering_(DimOrdering::tf) {
  if (rank_ > 1) ordering_ = parse_dim_ordering(dim_ordering, label());  // 1D: always tf
}

std::vector<CropPair> CroppingBase::pairs_of(
    std::initializer_list<std::initializer_list<std::int64_t>> nested) const {
  std::vector<CropPair> pairs;
  std::size_t i = 0;
  for (const auto& item : nested) {
    if (item.size() != 2)
      throw ValueError(who() + "cropping[" + std::to_string(i) + "] " +
                       Config(std::vector<std::int64_t>(item)).dump() + " has " +
                       std::to_string(item.size()) + " entries, expected 2 (begin, end)");
    pairs.push_back({*item.begin(), *(item.begin() + 1)});
    ++i;
  }
  return pairs;
}

void CroppingBase::set_cropping(std::vector<CropPair> pairs, Config form) {
  if (static_cast<int>(pairs.size()) != rank_)
    throw ValueError(who() + "cropping " + form.dump() + " has " + std::to_string(pairs.size()) +
                     (pairs.size() == 1 ? " pair" : " pairs") + ", expected " +
                     std::to_string(rank_) + " (begin, end) pair" + (rank_ == 1 ? "" : "s") +
                     ", one per spatial axis");
  for (const auto& p : pairs)
    if (p[0] < 0 || p[1] < 0)
      throw ValueError(who() + "cropping " + form.dump() + " has a negative entry (" +
                       std::to_string(std::min(p[0], p[1])) + "), expected every entry >= 0");
  cropping_ = std::move(pairs);
  form_ = std::move(form);
}

Shape CroppingBase::compute_output_shape(const Shape& in) const {
  if (in.rank() != rank_ + 2)
    throw ShapeError(who() + "expected an input of rank " + std::to_string(rank_ + 2) + " " +
                     image_layout(rank_, ordering_) + ", got shape " + in.str());
  const int first = ordering_ == DimOrdering::tf ? 1 : 2;
  Shape out = in;
  for (int i = 0; i < rank_; ++i) {
    const std::int64_t length = in[first + i];
    if (length == Shape::kUnknown) continue;  // None stays None
    const auto [begin, end] = cropping_[static_cast<std::size_t>(i)];
    const std::int64_t kept = length - begin - end;
    if (kept <= 0)
      throw ShapeError(who() + "cropping (" + std::to_string(begin) + ", " + std::to_string(end) +
                       ") of axis " + std::to_string(first + i) + " (" + spatial_name(rank_, i) +
                       ") of length " + std::to_string(length) + " leaves " + std::to_string(kept) +
                       " elements, expected at least 1 (input shape " + in.str() + ")");
    out = out.with_dim(first + i, kept);
  }
  return out;
}

Variable CroppingBase::call(const Variable& x) {
  std::vector<std::int64_t> before, after;
  for (const auto& [b, e] : cropping_) {
    before.push_back(b);
    after.push_back(e);
  }
  return crop(x, image_data_axes(rank_, ordering_ == DimOrdering::tf), before, after);
}

Config CroppingBase::layer_config() const {
  Config c;
  c["cropping"] = form_;
  if (rank_ > 1) c["dim_ordering"] = std::string(keel::to_string(ordering_));
  return c;
}

// --- Cropping1D ------------------------------------------------------------------------------

Cropping1D::Cropping1D(const Cropping1DOptions& o) : Cropping1D({1, 1}, o) {}

Cropping1D::Cropping1D(std::int64_t cropping, const Cropping1DOptions& o)
    : CroppingBase("Cropping1D", 1, "", base_options(o)) {
  set_cropping({{cropping, cropping}}, cropping);
}

Cropping1D::Cropping1D(std::initializer_list<std::int64_t> cropping, const Cropping1DOptions& o)
    : Cropping1D(std::span<const std::int64_t>(cropping.begin(), cropping.size()), o) {}

Cropping1D::Cropping1D(std::span<const std::int64_t> cropping, const Cropping1DOptions& o)
    : CroppingBase("Cropping1D", 1, "", base_options(o)) {
  const Config form(std::vector<std::int64_t>(cropping.begin(), cropping.end()));
  if (cropping.size() != 2)
    throw ValueError(who() + "cropping " + form.dump() + " has " + std::to_string(cropping.size()) +
                     " entries, expected 2 (left, right)");
  set_cropping({{cropping[0], cropping[1]}}, form);
}

// --- Cropping2D ------------------------------------------------------------------------------

Cropping2D::Cropping2D(const Cropping2DOptions& o) : Cropping2D({{0, 0}, {0, 0}}, o) {}

Cropping2D::Cropping2D(std::int64_t cropping, const Cropping2DOptions& o)
    : CroppingBase("Cropping2D", 2, o.dim_ordering, base_options(o)) {
  set_cropping(std::vector<CropPair>(2, {cropping, cropping}), cropping);
}

Cropping2D::Cropping2D(std::initializer_list<std::initializer_list<std::int64_t>> cropping,
                       const Cropping2DOptions& o)
    : CroppingBase("Cropping2D", 2, o.dim_ordering, base_options(o)) {
  auto pairs = pairs_of(cropping);
  Config form = pairs_config(pairs);
  set_cropping(std::move(pairs), std::move(form));
}

Cropping2D::Cropping2D(std::span<const CropPair> cropping, const Cropping2DOptions& o)
    : CroppingBase("Cropping2D", 2, o.dim_ordering, base_options(o)) {
  std::vector<CropPair> pairs(cropping.begin(), cropping.end());
  Config form = pairs_config(pairs);
  set_cropping(std::move(pairs), std::move(form));
}

// --- Cropping3D ------------------------------------------------------------------------------

Cropping3D::Cropping3D(const Cropping3DOptions& o) : Cropping3D({{1, 1}, {1, 1}, {1, 1}}, o) {}

Cropping3D::Cropping3D(std::int64_t cropping, const Cropping3DOptions& o)
    : CroppingBase("Cropping3D", 3, o.dim_ordering, base_options(o)) {
  set_cropping(std::vector<CropPair>(3, {cropping, cropping}), cropping);
}

Cropping3D::Cropping3D(std::initializer_list<std::initializer_list<std::int64_t>> cropping,
                       const Cropping3DOptions& o)
    : CroppingBase("Cropping3D", 3, o.dim_ordering, base_options(o)) {
  auto pairs = pairs_of(cropping);
  Config form = pairs_config(pairs);
  set_cropping(std::move(pairs), std::move(form));
}

Cropping3D::Cropping3D(std::span<const CropPair> cropping, const Cropping3DOptions& o)
    : CroppingBase("Cropping3D", 3, o.dim_ordering, base_options(o)) {
  std::vector<CropPair> pairs(cropping.begin(), cropping.end());
  Config form = pairs_config(pairs);
  set_cropping(std::move(pairs), std::move(form));
}

// --- from_config -----------------------------------------------------------------------------

namespace {

bool is_int_list(const Config& v) {
  if (!v.is_array()) return false;
  for (const auto& e : v)
    if (!e.is_number_integer()) return false;
  return true;
}

// A list of (begin, end) pairs: [[b, e], ...].
std::vector<CropPair> pairs_from(const Config& v, const std::string& who,
                                 const std::string& expected) {
  if (!v.is_array()) throw ValueError(who + "cropping is " + v.dump() + ", expected " + expected);
  std::vector<CropPair> pairs;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!is_int_list(v[i]) || v[i].size() != 2)
      throw ValueError(who + "cropping[" + std::to_string(i) + "] is " + v[i].dump() +
                       ", expected a list of 2 integers (begin, end); cropping is " + expected);
    pairs.push_back({v[i][0].get<std::int64_t>(), v[i][1].get<std::int64_t>()});
  }
  return pairs;
}

const bool registered_cropping1d = register_layer("Cropping1D", [](const Config& config) {
  const std::string who = "Cropping1D: ";
  ConfigReader r(config, who);
  Cropping1DOptions o;
  r.read_base_into(o);
  const Config c = r.get_raw("cropping");
  r.finish();
  if (c.is_null()) return std::make_shared<Cropping1D>(o);
  if (c.is_number_integer()) return std::make_shared<Cropping1D>(c.get<std::int64_t>(), o);
  if (!is_int_list(c))
    throw ValueError(who + "cropping is " + c.dump() + ", expected a list (left, right)");
  const auto v = c.get<std::vector<std::int64_t>>();
  return std::make_shared<Cropping1D>(std::span<const std::int64_t>(v), o);
});

template <typename L, typename O>
std::shared_ptr<Layer> cropping_nd_from_config(const char* cls, const Config& config,
                                               const std::string& expected) {
  const std::string who = std::string(cls) + ": ";
  ConfigReader r(config, who);
  O o;
  r.read_base_into(o);
  const Config c = r.get_raw("cropping");
  r.finish();
  if (c.is_null()) return std::make_shared<L>(o);
  if (c.is_number_integer()) return std::make_shared<L>(c.get<std::int64_t>(), o);
  const std::vector<CropPair> pairs = pairs_from(c, who, expected);
  return std::make_shared<L>(std::span<const CropPair>(pairs), o);
}

const bool registered_cropping2d = register_layer("Cropping2D", [](const Config& config) {
  return cropping_nd_from_config<Cropping2D, Cropping2DOptions>(
      "Cropping2D", config, "((top, bottom), (left, right)) or an int");
});

const bool registered_cropping3d = register_layer("Cropping3D", [](const Config& config) {
  return cropping_nd_from_config<Cropping3D, Cropping3DOptions>(
      "Cropping3D", config, "((begin1, end1), (begin2, end2), (begin3, end3)) or an int");
});

}  // namespace

}  // namespace keel::layers
