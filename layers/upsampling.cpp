#include "keel/layers/upsampling.h"

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

// --- UpSamplingBase --------------------------------------------------------------------------

UpSamplingBase::UpSamplingBase(std::string class_name, int rank, const std::string& dim_ordering,
                               const BaseOptions& base)
    : Layer(std::move(class_name), base), rank_(rank), ordering_(DimOrdering::tf) {
  if (rank_ > 1) ordering_ = parse_dim_ordering(dim_ordering, label());  // 1D: always tf
}

void UpSamplingBase::set_factors(std::span<const std::int64_t> factors, const char* arg,
                                 Config form) {
  if (static_cast<int>(factors.size()) != rank_)
    throw ValueError(who() + arg + " " + form.dump() + " has " + std::to_string(factors.size()) +
                     " entries, expected " + std::to_string(rank_) + ", one per spatial axis");
  for (auto f : factors)
    if (f < 1)
      throw ValueError(who() + arg + " " + form.dump() + " has the factor " + std::to_string(f) +
                       ", expected every factor >= 1");
  factors_.assign(factors.begin(), factors.end());
  arg_ = arg;
  form_ = std::move(form);
}

Shape UpSamplingBase::compute_output_shape(const Shape& in) const {
  if (in.rank() != rank_ + 2)
    throw ShapeError(who() + "expected an input of rank " + std::to_string(rank_ + 2) + " " +
                     image_layout(rank_, ordering_) + ", got shape " + in.str());
  const int first = ordering_ == DimOrdering::tf ? 1 : 2;
  Shape out = in;
  for (int i = 0; i < rank_; ++i) {
    const std::int64_t length = in[first + i];
    if (length != Shape::kUnknown) out = out.with_dim(first + i, length * factors_[i]);
  }
  return out;
}

Variable UpSamplingBase::call(const Variable& x) {
  return upsample_nearest(x, image_data_axes(rank_, ordering_ == DimOrdering::tf), factors_);
}

Config UpSamplingBase::layer_config() const {
  Config c;
  c[arg_] = form_;
  if (rank_ > 1) c["dim_ordering"] = std::string(keel::to_string(ordering_));
  return c;
}

// --- UpSampling1D / 2D / 3D ------------------------------------------------------------------

UpSampling1D::UpSampling1D(const UpSampling1DOptions& o) : UpSampling1D(2, o) {}

UpSampling1D::UpSampling1D(std::int64_t length, const UpSampling1DOptions& o)
    : UpSamplingBase("UpSampling1D", 1, "", base_options(o)) {
  set_factors(std::span<const std::int64_t>(&length, 1), "length", length);
}

UpSampling2D::UpSampling2D(const UpSampling2DOptions& o) : UpSampling2D({2, 2}, o) {}

UpSampling2D::UpSampling2D(std::int64_t size, const UpSampling2DOptions& o)
    : UpSamplingBase("UpSampling2D", 2, o.dim_ordering, base_options(o)) {
  const std::vector<std::int64_t> v(2, size);
  set_factors(v, "size", size);
}

UpSampling2D::UpSampling2D(std::initializer_list<std::int64_t> size, const UpSampling2DOptions& o)
    : UpSampling2D(as_span(size), o) {}

UpSampling2D::UpSampling2D(std::span<const std::int64_t> size, const UpSampling2DOptions& o)
    : UpSamplingBase("UpSampling2D", 2, o.dim_ordering, base_options(o)) {
  set_factors(size, "size", list_config(size));
}

UpSampling3D::UpSampling3D(const UpSampling3DOptions& o) : UpSampling3D({2, 2, 2}, o) {}

UpSampling3D::UpSampling3D(std::int64_t size, const UpSampling3DOptions& o)
    : UpSamplingBase("UpSampling3D", 3, o.dim_ordering, base_options(o)) {
  const std::vector<std::int64_t> v(3, size);
  set_factors(v, "size", size);
}

UpSampling3D::UpSampling3D(std::initializer_list<std::int64_t> size, const UpSampling3DOptions& o)
    : UpSampling3D(as_span(size), o) {}

UpSampling3D::UpSampling3D(std::span<const std::int64_t> size, const UpSampling3DOptions& o)
    : UpSamplingBase("UpSampling3D", 3, o.dim_ordering, base_options(o)) {
  set_factors(size, "size", list_config(size));
}

// --- from_config -----------------------------------------------------------------------------

namespace {

const bool registered_upsampling1d = register_layer("UpSampling1D", [](const Config& config) {
  ConfigReader r(config, "UpSampling1D: ");
  UpSampling1DOptions o;
  r.read_base_into(o);
  const std::int64_t length = r.get_int("length", 2);
  r.finish();
  return std::make_shared<UpSampling1D>(length, o);
});

template <typename L, typename O>
std::shared_ptr<Layer> upsampling_nd_from_config(const char* cls, const Config& config,
                                                 const std::string& expected) {
  const std::string who = std::string(cls) + ": ";
  ConfigReader r(config, who);
  O o;
  r.read_base_into(o);
  const Config s = r.get_raw("size");
  r.finish();
  if (s.is_null()) return std::make_shared<L>(o);
  if (s.is_number_integer()) return std::make_shared<L>(s.get<std::int64_t>(), o);
  bool ints = s.is_array();
  for (const auto& e : s) ints = ints && e.is_number_integer();
  if (!ints) throw ValueError(who + "size is " + s.dump() + ", expected " + expected);
  const auto v = s.get<std::vector<std::int64_t>>();
  return std::make_shared<L>(std::span<const std::int64_t>(v), o);
}

const bool registered_upsampling2d = register_layer("UpSampling2D", [](const Config& config) {
  return upsampling_nd_from_config<UpSampling2D, UpSampling2DOptions>(
      "UpSampling2D", config, "a list (rows, cols) or an int");
});

const bool registered_upsampling3d = register_layer("UpSampling3D", [](const Config& config) {
  return upsampling_nd_from_config<UpSampling3D, UpSampling3DOptions>(
      "UpSampling3D", config, "a list (dim1, dim2, dim3) or an int");
});

}  // namespace

}  // namespace keel::layers
