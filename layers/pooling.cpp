#include "keel/layers/pooling.h"

#include "keel/autograd/resize_ops.h"
#include "keel/core/error.h"
#include "keel/layers/config_reader.h"
#include "keel/layers/factory.h"

namespace keel::layers {

namespace {

const char* pool_arg(int rank) { return rank == 1 ? "pool_length" : "pool_size"; }
const char* stride_arg(int rank) { return rank == 1 ? "stride" : "strides"; }

}  // namespace

// --- PoolingBase -----------------------------------------------------------------------------

PoolingBase::PoolingBase(std::string class_name, int rank, PoolingAlgorithm algorithm,
                         std::span<const std::int64_t> pool_size,
                         const std::vector<std::int64_t>& strides, const std::string& border_mode,
                         const std::string& dim_ordering, const BaseOptions& base)
    : Layer(std::move(class_name), base),
      rank_(rank),
      algorithm_(algorithm),
      pool_(pool_size.begin(), pool_size.end()),
      strides_(strides.empty() ? pool_ : strides) {
  if (static_cast<int>(pool_.size()) != rank_)
    throw ValueError(who() + pool_arg(rank_) + " " + sizes_str(pool_) + " has " +
                     std::to_string(pool_.size()) + " entries, expected " +
                     std::to_string(rank_) + ", one per spatial axis");
  for (auto k : pool_)
    if (k < 1)
      throw ValueError(who() + pool_arg(rank_) + " " + sizes_str(pool_) +
                       " has the size " + std::to_string(k) + ", expected every size >= 1");
  if (static_cast<int>(strides_.size()) != rank_)
    throw ValueError(who() + stride_arg(rank_) + " " + sizes_str(strides_) + " has " +
                     std::to_string(strides_.size()) + " entries, expected " +
                     std::to_string(rank_) + ", one per spatial axis");
  for (auto s : strides_)
    if (s < 1)
      throw ValueError(who() + stride_arg(rank_) + " " + sizes_str(strides_) +
                       " has the stride " + std::to_string(s) + ", expected every stride >= 1");
  border_ = parse_border_mode(border_mode, {BorderMode::valid, BorderMode::same}, who());
  ordering_ = rank_ == 1 ? DimOrdering::tf : parse_dim_ordering(dim_ordering, label());
}

Shape PoolingBase::compute_output_shape(const Shape& in) const {
  if (in.rank() != rank_ + 2)
    throw ShapeError(who() + "expected an input of rank " + std::to_string(rank_ + 2) + " " +
                     image_layout(rank_, ordering_) + ", got shape " + in.str());
  const int first = ordering_ == DimOrdering::tf ? 1 : 2;
  Shape out = in;
  for (int i = 0; i < rank_; ++i) {
    const std::int64_t length = in[first + i];
    const std::int64_t o = conv_output_length(length, pool_[i], border_, strides_[i]);
    if (length != Shape::kUnknown && o < 1)
      throw ShapeError(who() + "a 'valid' window of " + std::to_string(pool_[i]) +
                       " does not fit spatial axis " + std::to_string(i) + " of length " +
                       std::to_string(length) + " (input shape " + in.str() + ")");
    out = out.with_dim(first + i, o);
  }
  return out;
}

Variable PoolingBase::call(const Variable& x) {
  const bool tf = ordering_ == DimOrdering::tf;
  const int first = tf ? 1 : 2;
  PoolSpec spec;
  spec.algorithm = algorithm_;
  spec.kernel = pool_;
  spec.strides = strides_;
  for (int i = 0; i < rank_; ++i) {
    const Padding pad = conv_padding(x.shape()[first + i], pool_[i], border_, strides_[i]);
    spec.padding_l.push_back(pad.before);
    spec.padding_r.push_back(pad.after);
  }
  spec.data_axes = image_data_axes(rank_, tf);
  return pooling(x, spec);
}

Config PoolingBase::layer_config() const {
  Config c;
  if (rank_ == 1) {
    c["pool_length"] = pool_[0];
    c["stride"] = strides_[0];
  } else {
    c["pool_size"] = pool_;
    c["strides"] = strides_;
    c["dim_ordering"] = std::string(keel::to_string(ordering_));
  }
  c["border_mode"] = std::string(to_string(border_));
  return c;
}

// --- GlobalPoolingBase -----------------------------------------------------------------------

GlobalPoolingBase::GlobalPoolingBase(std::string class_name, int rank, PoolingAlgorithm algorithm,
                                     const std::string& dim_ordering, const BaseOptions& base)
    : Layer(std::move(class_name), base), rank_(rank), algorithm_(algorithm) {
  ordering_ = rank_ == 1 ? DimOrdering::tf : parse_dim_ordering(dim_ordering, label());
}

Shape GlobalPoolingBase::compute_output_shape(const Shape& in) const {
  if (in.rank() != rank_ + 2)
    throw ShapeError(who() + "expected an input of rank " + std::to_string(rank_ + 2) + " " +
                     image_layout(rank_, ordering_) + ", got shape " + in.str());
  return Shape{in[0], in[ordering_ == DimOrdering::tf ? rank_ + 1 : 1]};
}

Variable GlobalPoolingBase::call(const Variable& x) {
  return global_pooling(x, algorithm_, image_data_axes(rank_, ordering_ == DimOrdering::tf));
}

Config GlobalPoolingBase::layer_config() const {
  Config c = Config::object();
  if (rank_ > 1) c["dim_ordering"] = std::string(keel::to_string(ordering_));
  return c;
}

// --- the classes -----------------------------------------------------------------------------

namespace {

std::vector<std::int64_t> stride_1d(const Pooling1DOptions& o) {
  return o.stride ? std::vector<std::int64_t>{*o.stride} : std::vector<std::int64_t>{};
}

}  // namespace

MaxPooling1D::MaxPooling1D(const Pooling1DOptions& o) : MaxPooling1D(2, o) {}
MaxPooling1D::MaxPooling1D(std::int64_t pool_length, const Pooling1DOptions& o)
    : PoolingBase("MaxPooling1D", 1, PoolingAlgorithm::max,
                  std::span<const std::int64_t>(&pool_length, 1), stride_1d(o), o.border_mode, "",
                  base_options(o)) {}

AveragePooling1D::AveragePooling1D(const Pooling1DOptions& o) : AveragePooling1D(2, o) {}
AveragePooling1D::AveragePooling1D(std::int64_t pool_length, const Pooling1DOptions& o)
    : PoolingBase("AveragePooling1D", 1, PoolingAlgorithm::average,
                  std::span<const std::int64_t>(&pool_length, 1), stride_1d(o), o.border_mode, "",
                  base_options(o)) {}

#define KEEL_POOLING_ND(Class, rank, algo, Options)                                             \
  Class::Class(const Options& o) : Class(std::vector<std::int64_t>(rank, 2), o) {}              \
  Class::Class(std::int64_t pool_size, const Options& o)                                        \
      : Class(std::vector<std::int64_t>(rank, pool_size), o) {}                                 \
  Class::Class(std::initializer_list<std::int64_t> pool_size, const Options& o)                 \
      : Class(as_span(pool_size), o) {}                                                         \
  Class::Class(std::span<const std::int64_t> pool_size, const Options& o)                       \
      : PoolingBase(#Class, rank, algo, pool_size, o.strides, o.border_mode, o.dim_ordering,    \
                    base_options(o)) {}

KEEL_POOLING_ND(MaxPooling2D, 2, PoolingAlgorithm::max, Pooling2DOptions)
KEEL_POOLING_ND(AveragePooling2D, 2, PoolingAlgorithm::average, Pooling2DOptions)
KEEL_POOLING_ND(MaxPooling3D, 3, PoolingAlgorithm::max, Pooling3DOptions)
KEEL_POOLING_ND(AveragePooling3D, 3, PoolingAlgorithm::average, Pooling3DOptions)
#undef KEEL_POOLING_ND

GlobalMaxPooling1D::GlobalMaxPooling1D(const GlobalPooling1DOptions& o)
    : GlobalPoolingBase("GlobalMaxPooling1D", 1, PoolingAlgorithm::max, "", base_options(o)) {}
GlobalAveragePooling1D::GlobalAveragePooling1D(const GlobalPooling1DOptions& o)
    : GlobalPoolingBase("GlobalAveragePooling1D", 1, PoolingAlgorithm::average, "", base_options(o)) {}
GlobalMaxPooling2D::GlobalMaxPooling2D(const GlobalPooling2DOptions& o)
    : GlobalPoolingBase("GlobalMaxPooling2D", 2, PoolingAlgorithm::max, o.dim_ordering,
                        base_options(o)) {}
GlobalAveragePooling2D::GlobalAveragePooling2D(const GlobalPooling2DOptions& o)
    : GlobalPoolingBase("GlobalAveragePooling2D", 2, PoolingAlgorithm::average, o.dim_ordering,
                        base_options(o)) {}
GlobalMaxPooling3D::GlobalMaxPooling3D(const GlobalPooling3DOptions& o)
    : GlobalPoolingBase("GlobalMaxPooling3D", 3, PoolingAlgorithm::max, o.dim_ordering,
                        base_options(o)) {}
GlobalAveragePooling3D::GlobalAveragePooling3D(const GlobalPooling3DOptions& o)
    : GlobalPoolingBase("GlobalAveragePooling3D", 3, PoolingAlgorithm::average, o.dim_ordering,
                        base_options(o)) {}

// --- from_config -----------------------------------------------------------------------------

namespace {

template <typename L>
std::shared_ptr<Layer> pooling_1d_from_config(const char* cls, const Config& config) {
  ConfigReader r(config, std::string(cls) + ": ");
  Pooling1DOptions o;
  o.border_mode = r.get_string("border_mode", "valid");
  if (r.has("stride")) o.stride = r.get_int("stride", 0);
  (void)r.get_raw("stride");
  r.read_base_into(o);
  const std::int64_t pool_length = r.get_int("pool_length", 2);
  r.finish();
  return std::make_shared<L>(pool_length, o);
}

template <typename L, int rank>
std::shared_ptr<Layer> pooling_nd_from_config(const char* cls, const Config& config) {
  ConfigReader r(config, std::string(cls) + ": ");
  Pooling2DOptions o;
  o.border_mode = r.get_string("border_mode", "valid");
  o.strides = r.get_ints("strides", rank, {}, /*int_ok=*/true);
  r.read_base_into(o);
  const auto pool = r.get_ints("pool_size", rank, std::vector<std::int64_t>(rank, 2), true);
  r.finish();
  return std::make_shared<L>(std::span<const std::int64_t>(pool), o);
}

template <typename L, typename O>
std::shared_ptr<Layer> global_from_config(const char* cls, const Config& config) {
  ConfigReader r(config, std::string(cls) + ": ");
  O o;
  r.read_base_into(o);
  r.finish();
  return std::make_shared<L>(o);
}

const bool registered_pooling = [] {
  register_layer("MaxPooling1D", [](const Config& c) {
    return pooling_1d_from_config<MaxPooling1D>("MaxPooling1D", c);
  });
  register_layer("AveragePooling1D", [](const Config& c) {
    return pooling_1d_from_config<AveragePooling1D>("AveragePooling1D", c);
  });
  register_layer("MaxPooling2D", [](const Config& c) {
    return pooling_nd_from_config<MaxPooling2D, 2>("MaxPooling2D", c);
  });
  register_layer("AveragePooling2D", [](const Config& c) {
    return pooling_nd_from_config<AveragePooling2D, 2>("AveragePooling2D", c);
  });
  register_layer("MaxPooling3D", [](const Config& c) {
    return pooling_nd_from_config<MaxPooling3D, 3>("MaxPooling3D", c);
  });
  register_layer("AveragePooling3D", [](const Config& c) {
    return pooling_nd_from_config<AveragePooling3D, 3>("AveragePooling3D", c);
  });
  register_layer("GlobalMaxPooling1D", [](const Config& c) {
    return global_from_config<GlobalMaxPooling1D, GlobalPooling1DOptions>("GlobalMaxPooling1D", c);
  });
  register_layer("GlobalAveragePooling1D", [](const Config& c) {
    return global_from_config<GlobalAveragePooling1D, GlobalPooling1DOptions>(
        "GlobalAveragePooling1D", c);
  });
  register_layer("GlobalMaxPooling2D", [](const Config& c) {
    return global_from_config<GlobalMaxPooling2D, GlobalPooling2DOptions>("GlobalMaxPooling2D", c);
  });
  register_layer("GlobalAveragePooling2D", [](const Config& c) {
    return global_from_config<GlobalAveragePooling2D, GlobalPooling2DOptions>(
        "GlobalAveragePooling2D", c);
  });
  register_layer("GlobalMaxPooling3D", [](const Config& c) {
    return global_from_config<GlobalMaxPooling3D, GlobalPooling3DOptions>("GlobalMaxPooling3D", c);
  });
  register_layer("GlobalAveragePooling3D", [](const Config& c) {
    return global_from_config<GlobalAveragePooling3D, GlobalPooling3DOptions>(
        "GlobalAveragePooling3D", c);
  });
  return true;
}();

}  // namespace

}  // namespace keel::layers
